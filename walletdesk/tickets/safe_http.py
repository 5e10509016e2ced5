"""Outbound HTTP to addresses operators type in (webhook endpoints, channel APIs), guarded against
server-side request forgery (security guide API-6).

The host is resolved once, every address it resolves to must be public (no loopback, private,
link-local, CGNAT, unique-local, multicast or reserved address), and the connection is made to
the address that was checked, so a DNS answer that changes between the check and the connect
(rebinding) cannot point us inward. Redirects are never followed: a 3xx is a failed attempt, so no
redirect can lead to an address that was not checked. https only; the development and test
settings may allow http and loopback (`WALLETDESK_WEBHOOKS["ALLOW_LOOPBACK"]`) so tests deliver
to a real local server, and production refuses to start with it (tickets.E001).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from walletdesk.tickets.errors import WebhookTargetRefusedError


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    body: bytes


class DeliveryFailedError(Exception):
    """The peer could not be reached or did not answer in time (retried later)."""


def _config() -> dict[str, object]:
    return dict(settings.WALLETDESK_WEBHOOKS)


def loopback_allowed() -> bool:
    return bool(_config().get("ALLOW_LOOPBACK", False))


def check_address(text: str) -> None:
    """Refuse an address we must never connect to."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        if loopback_allowed():
            return
        raise WebhookTargetRefusedError(reason=_("it is a loopback address."))
    if (
        not address.is_global
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    ):
        raise WebhookTargetRefusedError(reason=_("it is a private or internal address."))


def check_url(url: str) -> tuple[str, int, str, list[str]]:
    """(host, port, path, addresses) of a URL we may post to, or WebhookTargetRefusedError."""
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if loopback_allowed() else {"https"}
    if parts.scheme not in allowed_schemes:
        raise WebhookTargetRefusedError(reason=_("only https:// addresses are allowed."))
    if parts.username or parts.password:
        raise WebhookTargetRefusedError(reason=_("the address must not contain a password."))
    host = parts.hostname or ""
    if not host:
        raise WebhookTargetRefusedError(reason=_("the address has no host."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise WebhookTargetRefusedError(reason=_("the port is not valid.")) from error
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookTargetRefusedError(reason=_("the host name does not resolve.")) from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise WebhookTargetRefusedError(reason=_("the host name does not resolve."))
    # Every address must pass: a name with one public and one internal answer is refused.
    for address in addresses:
        check_address(address)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return host, port, path, addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address we pinned.
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str]) -> HttpResult:
    """POST `body` to `url` under the SSRF rules, with a 5 s connect and 10 s total budget and
    the answer capped at 64 KiB. Raises WebhookTargetRefusedError (the address is not allowed)
    or DeliveryFailedError (no answer)."""
    config = _config()
    connect_timeout = float(str(config.get("CONNECT_TIMEOUT", 5.0)))
    total = float(str(config.get("TOTAL_TIMEOUT", 10.0)))
    cap = int(str(config.get("MAX_RESPONSE_BYTES", 64 * 1024)))
    host, port, path, addresses = check_url(url)
    scheme = urlsplit(url).scheme
    deadline = time.monotonic() + total
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, addresses[0], connect_timeout)
    try:
        connection.connect()
        # Each read waits at most what is left of the budget at the start; the loop below stops
        # between reads once the budget is spent.
        assert connection.sock is not None
        connection.sock.settimeout(max(0.1, deadline - time.monotonic()))
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        chunks: list[bytes] = []
        received = 0
        while received < cap:
            if time.monotonic() > deadline:
                raise DeliveryFailedError("the receiver took longer than the time allowed")
            chunk = response.read(min(8192, cap - received))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
        return HttpResult(response.status, b"".join(chunks))
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryFailedError(f"{type(error).__name__}: {error}"[:300]) from error
    finally:
        connection.close()
