"""Scheme-strict Origin check for WebSocket handshakes (security guide RT-1).

Channels' `AllowedHostsOriginValidator` (which config/asgi.py puts in front of every socket)
compares only the host: `http://wallet.example` and `https://wallet.example:8443` both pass for
`ALLOWED_HOSTS = ["wallet.example"]`. Every route in `routing.py` is therefore also wrapped in
`StrictOriginValidator`, which accepts an Origin only when

* it is present, not `null`, and parses to scheme + host;
* its scheme is `https`, or `http` when the site is not served over TLS (`SESSION_COOKIE_SECURE`
  is off, i.e. development) and the socket itself is plain `ws`;
* and its host matches `ALLOWED_HOSTS` (Django's rules, `.example.com` for subdomains; `*` is
  never honoured here), or the whole origin is listed in `CSRF_TRUSTED_ORIGINS` (with Django's
  `https://*.example.com` wildcard).

Settings are read on every handshake, so `override_settings` works in tests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import ParseResult, urlparse

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.utils.http import is_same_domain


def _allowed_hosts() -> list[str]:
    hosts = [str(h) for h in settings.ALLOWED_HOSTS if h != "*"]
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    return hosts


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme)


def _trusted(origin: ParseResult) -> bool:
    port = origin.port or _default_port(origin.scheme)
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        trusted = urlparse(str(entry).lower())
        if trusted.scheme != origin.scheme or trusted.hostname is None:
            continue
        if (trusted.port or _default_port(trusted.scheme)) != port:
            continue
        host = trusted.hostname
        pattern = "." + host[2:] if host.startswith("*.") else host
        if is_same_domain(origin.hostname or "", pattern):
            return True
    return False


def origin_allowed(origin: ParseResult | None, socket_scheme: str) -> bool:
    if origin is None or origin.hostname is None:
        return False
    secure_site = bool(settings.SESSION_COOKIE_SECURE)
    if origin.scheme == "https":
        pass
    elif origin.scheme == "http":
        if secure_site or socket_scheme == "wss":
            return False
    else:
        return False
    if _trusted(origin):
        return True
    return any(is_same_domain(origin.hostname, host.lower()) for host in _allowed_hosts())


class StrictOriginValidator:
    """ASGI middleware: let the handshake through only with an allowed Origin (see above);
    otherwise the connection is denied (HTTP 403 at the handshake). Two Origin headers are
    refused too."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            raise ValueError("StrictOriginValidator only guards WebSocket connections")
        values = [value for name, value in scope.get("headers", []) if name == b"origin"]
        parsed: ParseResult | None = None
        if len(values) == 1:
            try:
                parsed = urlparse(values[0].decode("ascii"))
            except (UnicodeDecodeError, ValueError):
                parsed = None
        if origin_allowed(parsed, str(scope.get("scheme") or "ws")):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
