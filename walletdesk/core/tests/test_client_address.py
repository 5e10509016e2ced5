"""The trusted-proxy rule itself (walletdesk/core/client_address.py)."""

from __future__ import annotations

import pytest
from django.core import checks
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from walletdesk.core.client_address import (
    PEER_ADDRESS_KEY,
    ClientAddressMiddleware,
    resolve_client_address,
    scope_client_address,
)


@pytest.fixture
def proxies(settings):
    settings.WALLETDESK_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.1"]


@pytest.mark.usefixtures("proxies")
@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # An untrusted peer: its header is ignored, whatever it says.
        ("203.0.113.5", ["10.0.0.1"], "203.0.113.5"),
        ("203.0.113.5", ["198.51.100.1, 10.0.0.1"], "203.0.113.5"),
        # A trusted peer: the rightmost address that is not a trusted proxy.
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1, 192.0.2.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1, 10.1.2.3"], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.1:51234"], "198.51.100.1"),
        ("10.0.0.2", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("2001:db8:ffff::1", ["2001:db8::7"], "2001:db8::7"),
        ("::ffff:10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        # A trusted peer with no header, or garbage after a trusted hop.
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["not-an-ip, 10.0.0.3"], "10.0.0.3"),
        # Only trusted proxies all the way: the leftmost one.
        ("10.0.0.2", ["10.0.0.4, 10.0.0.3"], "10.0.0.4"),
    ],
)
def test_the_rule(peer: str, forwarded: list[str], client: str) -> None:
    assert resolve_client_address(peer, forwarded) == client


@pytest.mark.usefixtures("proxies")
def test_websocket_scopes_follow_the_same_rule() -> None:
    scope = {"client": ("10.0.0.2", 5000), "headers": [(b"x-forwarded-for", b"198.51.100.1")]}
    assert scope_client_address(scope) == "198.51.100.1"
    scope = {"client": ("203.0.113.5", 5000), "headers": [(b"x-forwarded-for", b"198.51.100.1")]}
    assert scope_client_address(scope) == "203.0.113.5"


def _seen_by_the_view(request: HttpRequest) -> dict[str, str]:
    seen: dict[str, str] = {}

    def view(inner: HttpRequest) -> HttpResponse:
        seen.update({key: str(value) for key, value in inner.META.items()})
        seen["is_secure"] = str(inner.is_secure())
        return HttpResponse()

    ClientAddressMiddleware(view)(request)
    return seen


@pytest.mark.usefixtures("proxies")
def test_the_middleware_leaves_one_answer_and_drops_untrusted_forwarding_headers(
    rf: RequestFactory, settings
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    trusted = rf.get(
        "/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        HTTP_X_FORWARDED_PROTO="https",
    )
    seen = _seen_by_the_view(trusted)
    assert seen["REMOTE_ADDR"] == "198.51.100.1" and seen[PEER_ADDRESS_KEY] == "10.0.0.2"
    assert "HTTP_X_FORWARDED_FOR" not in seen and seen["is_secure"] == "True"

    direct = rf.get(
        "/",
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        HTTP_X_FORWARDED_PROTO="https",
    )
    seen = _seen_by_the_view(direct)
    assert seen["REMOTE_ADDR"] == "203.0.113.5"
    assert "HTTP_X_FORWARDED_FOR" not in seen and seen["is_secure"] == "False"


def test_the_trusted_proxy_list_is_checked(settings) -> None:
    settings.WALLETDESK_TRUSTED_PROXIES = ["10.0.0.0/8", "*", "lb.internal"]
    messages = {message.id: message.msg for message in checks.run_checks()}
    assert "*" in messages["walletdesk.E010"] and "lb.internal" in messages["walletdesk.E010"]

    settings.WALLETDESK_TRUSTED_PROXIES = ["0.0.0.0/0"]
    ids = {message.id for message in checks.run_checks(include_deployment_checks=True)}
    assert "walletdesk.E009" in ids

    settings.WALLETDESK_TRUSTED_PROXIES = []
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    ids = {message.id for message in checks.run_checks(include_deployment_checks=True)}
    assert "walletdesk.E008" in ids

    settings.WALLETDESK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    ids = {message.id for message in checks.run_checks(include_deployment_checks=True)}
    assert not {"walletdesk.E008", "walletdesk.E009", "walletdesk.E010"} & ids


@pytest.mark.usefixtures("proxies")
def test_api_throttles_key_on_the_same_address(rf: RequestFactory) -> None:
    """DRF reads X-Forwarded-For on its own unless told not to; a spoofed one must not count."""
    from rest_framework.request import Request
    from rest_framework.throttling import AnonRateThrottle

    def ident(request: HttpRequest) -> str:
        captured: list[str] = []

        def view(inner: HttpRequest) -> HttpResponse:
            captured.append(str(AnonRateThrottle().get_ident(Request(inner))))
            return HttpResponse()

        ClientAddressMiddleware(view)(request)
        return captured[0]

    spoofed = rf.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.18.0.1")
    assert ident(spoofed) == "203.0.113.5"
    behind = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1")
    assert ident(behind) == "198.51.100.1"
    # Even a request that skipped the middleware: DRF does not read the header itself.
    raw = rf.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.18.0.1")
    assert AnonRateThrottle().get_ident(Request(raw)) == "203.0.113.5"
