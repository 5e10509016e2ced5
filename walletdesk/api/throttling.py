"""API rate limits (security guide API-2): DRF's throttling, counted atomically in the shared cache.

Every API view gets, through `DEFAULT_THROTTLE_CLASSES`:

* `AccountRateThrottle` (scope `account`): per signed-in account, whichever session or API token
  it uses, so minting more tokens buys no more requests;
* `AnonymousIpRateThrottle` (scope `anon`): per client IP for requests without an account;
* `IpRateThrottle` (scope `ip`): per client IP for every request, a ceiling for one host cycling
  through many accounts;
* `LookupRateThrottle`: the tighter limit of a view that names a `throttle_scope` (wallet reads,
  recipient look-ups, the NLU parser), per account (per IP without one).

The client IP is the project's one client-IP function (`identity.facade.client_ip`), never
DRF's own X-Forwarded-For parsing. Rates live in `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`.

Why not DRF's stock counting: `SimpleRateThrottle` keeps a list of timestamps and writes it back
after reading it, so parallel requests all read the same list and all pass. Here each request is
one atomic INCR on the current window's counter (Redis in production), and the previous window
still counts in proportion to how much of it overlaps the last `duration` seconds (a sliding
window estimate without a timestamp list). A refused request is not counted: it buys no time.
Over the limit DRF raises `Throttled`; the API's exception handler answers 429 `rate_limited`
with `Retry-After`.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, cast

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.views import APIView

from walletdesk.identity.facade import client_ip

logger = logging.getLogger("walletdesk.api.throttling")


class _SlidingWindowThrottle(SimpleRateThrottle):
    cache_format = "api_rate:%(scope)s:%(ident)s"
    num_requests: int | None
    duration: int | None

    def get_rate(self) -> str | None:
        # Read at request time (not import time) so settings overrides take effect.
        scope = getattr(self, "scope", None)
        if not scope:
            return None
        rates = cast(dict[str, str | None], api_settings.DEFAULT_THROTTLE_RATES)
        return rates.get(str(scope))

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or "unknown"

    def allow_request(self, request: Request, view: APIView) -> bool:
        limit, duration = self.num_requests, self.duration
        if self.rate is None or limit is None or duration is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = float(self.timer())
        window = int(now // duration)
        current_key = f"{key}:{window}"
        self.cache.add(current_key, 0, duration * 2 + 1)
        try:
            current = int(self.cache.incr(current_key))
        except ValueError:  # expired between add and incr
            self.cache.set(current_key, 1, duration * 2 + 1)
            current = 1
        previous = int(self.cache.get(f"{key}:{window - 1}", 0))
        elapsed = now - window * duration
        overlap = 1 - elapsed / duration
        if previous * overlap + current <= limit:
            return True
        self.cache.decr(current_key)
        self._wait = _seconds_until_free(limit, duration, previous, current - 1, elapsed)
        logger.warning("rate limited: scope=%s key=%s", getattr(self, "scope", ""), key)
        return False

    def wait(self) -> float | None:
        return math.ceil(getattr(self, "_wait", self.duration or 1))


def _seconds_until_free(
    limit: int, duration: int, previous: int, current: int, elapsed: float
) -> float:
    """When one more request fits: the weight of the previous window falls as time passes; if
    the current window alone is full, wait for the next window and its fall."""
    room = limit - current - 1
    if room >= 0 and previous > 0:
        return max(0.0, duration * (1 - room / previous) - elapsed)
    into_next = duration * (1 - (limit - 1) / max(current, 1))
    return (duration - elapsed) + max(0.0, into_next)


class AccountRateThrottle(_SlidingWindowThrottle):
    scope = "account"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonymousIpRateThrottle(_SlidingWindowThrottle):
    scope = "anon"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class IpRateThrottle(_SlidingWindowThrottle):
    scope = "ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LookupRateThrottle(_SlidingWindowThrottle):
    """The view's own `throttle_scope`, per account (per IP when signed out)."""

    def __init__(self) -> None:
        # The scope is only known once the view is; see allow_request.
        self.rate = None
        self.num_requests = None
        self.duration = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        user: Any = request.user
        ident = user.pk if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
