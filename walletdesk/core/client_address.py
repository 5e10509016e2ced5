"""The client's address: the one rule every throttle, lockout, session and audit row uses.

X-Forwarded-For is believed only as far as it was written by proxies we trust. The direct peer
(REMOTE_ADDR) is the client unless it is listed in ``WALLETDESK_TRUSTED_PROXIES`` (IPs or CIDR
networks: the load balancer, a CDN's ranges). When it is, the header is walked from the right —
each trusted proxy appends the address it saw — skipping trusted proxies, and the first address
that is not one is the client. Whatever a client writes into the header itself sits to the left
of that and is never reached.

`ClientAddressMiddleware` applies the rule once per request and leaves the answer in
``REMOTE_ADDR`` (the peer stays in ``WALLETDESK_PEER_ADDR``), removing the forwarding headers, so
code that reads ``REMOTE_ADDR`` (DRF's throttles included) agrees with `client_address`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PEER_ADDRESS_KEY = "WALLETDESK_PEER_ADDR"
# Headers only a trusted proxy may set; from anyone else they are dropped before Django reads them
# (X-Forwarded-Proto would otherwise let a direct client claim HTTPS).
_FORWARDING_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
    "HTTP_X_REAL_IP",
)
# Some proxies write "203.0.113.7:51234" or "[2001:db8::1]:51234".
_WITH_PORT = re.compile(r"\A\[?(?P<host>[0-9A-Fa-f:.]+?)\]?(?::[0-9]{1,5})?\Z")


def parse_network(entry: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(network for entry in entries if (network := parse_network(entry)) is not None)


def trusted_networks() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "WALLETDESK_TRUSTED_PROXIES", ())))


def parse_address(value: str) -> IPAddress | None:
    text = value.strip()
    match = _WITH_PORT.match(text)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if match is None:
            return None
        try:
            address = ipaddress.ip_address(match.group("host"))
        except ValueError:
            return None
    # An IPv4 peer seen on a dual-stack socket arrives as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: IPAddress | None) -> bool:
    if address is None:
        return False
    return any(address in network for network in trusted_networks())


def resolve_client_address(peer: str, forwarded_for: Iterable[str]) -> str:
    """The client's address, given the direct peer and the X-Forwarded-For header value(s)."""
    current = parse_address(peer)
    if current is None:
        return peer.strip()[:64]
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted_proxy(current):
            break
        previous = parse_address(hop)
        if previous is None:
            break  # a trusted proxy forwarded garbage: the nearest address we can vouch for
        current = previous
    return str(current)


def client_address(request: HttpRequest) -> str:
    """The client's address for `request` (idempotent: after the middleware, REMOTE_ADDR)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return resolve_client_address(
        str(request.META.get("REMOTE_ADDR", "")), [forwarded] if forwarded else []
    )


def scope_client_address(scope: Mapping[str, Any]) -> str:
    """The same rule for an ASGI scope (WebSocket handshakes do not pass Django's middleware)."""
    client = scope.get("client") or ("", 0)
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    ]
    return resolve_client_address(str(client[0]), forwarded)


class ClientAddressMiddleware:
    """Apply the trusted-proxy rule before anything reads the client's address or scheme."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = str(meta.get("REMOTE_ADDR", ""))
        trusted_peer = is_trusted_proxy(parse_address(peer))
        meta[PEER_ADDRESS_KEY] = peer
        meta["REMOTE_ADDR"] = client_address(request)
        meta.pop("HTTP_X_FORWARDED_FOR", None)
        if not trusted_peer:
            for header in _FORWARDING_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
