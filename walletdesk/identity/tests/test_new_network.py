"""AUTH-11: a known device signing in from a new /24 (IPv4) or /48 (IPv6) network in a different
region is alerted like a new device; a new network in the same region, or a network the device
used before, is not."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from django.test import Client

from walletdesk.identity.tests.conftest import PASSWORD
from walletdesk.notifications.models import Message

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"


def ipv6_regions(ip: str) -> str:
    """A test region provider that knows two IPv6 /48s in one region and one in another."""
    address = ipaddress.ip_address(ip)
    table = {
        "2001:db8:1::/48": "Shanghai, China",
        "2001:db8:2::/48": "Shanghai, China",
        "2001:db8:9::/48": "Beijing, China",
    }
    for network, name in table.items():
        if address in ipaddress.ip_network(network):
            return name
    return ""


def _sign_in(client: Client, user: Any, ip: str) -> None:
    response = client.post(
        "/account/login/",
        {"username": user.login_name, "password": PASSWORD},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=UA,
    )
    assert response.status_code == 302, response.content[:300]
    client.post("/account/logout/", REMOTE_ADDR=ip, HTTP_USER_AGENT=UA)


def _alerts(user: Any) -> int:
    return Message.objects.filter(user=user, kind="new_device", channel="sms").count()


def test_a_known_device_on_a_new_ipv4_network_in_another_region_is_alerted(customer):
    phone = Client()  # one browser: the device cookie persists across the logins below
    _sign_in(phone, customer, "116.228.1.1")  # Shanghai, right after sign-up: no alert
    assert _alerts(customer) == 0
    _sign_in(phone, customer, "116.228.7.9")  # another /24, same region
    _sign_in(phone, customer, "116.228.1.200")  # the first /24 again
    assert _alerts(customer) == 0
    _sign_in(phone, customer, "61.135.4.4")  # Beijing, a /24 this device never used
    assert _alerts(customer) == 1
    body = Message.objects.get(user=customer, kind="new_device", channel="sms").body
    assert "61.135.4.4" in body and "/account/freeze/link/" in body
    _sign_in(phone, customer, "116.228.1.7")  # back home on a network it used before
    _sign_in(phone, customer, "61.135.4.5")  # Beijing again, same /24 as the alert
    assert _alerts(customer) == 1


def test_ipv6_networks_are_compared_by_their_48(customer, settings):
    settings.WALLETDESK_IDENTITY = {
        **settings.WALLETDESK_IDENTITY,
        "REGION_PROVIDER": f"{__name__}.ipv6_regions",
    }
    phone = Client()
    _sign_in(phone, customer, "2001:db8:1::10")
    _sign_in(phone, customer, "2001:db8:1:ffff::99")  # same /48
    _sign_in(phone, customer, "2001:db8:2::1")  # new /48, same region
    assert _alerts(customer) == 0
    _sign_in(phone, customer, "2001:db8:9:1::1")  # new /48, another region
    assert _alerts(customer) == 1
    _sign_in(phone, customer, "2001:db8:9:2::1")  # the same /48 again
    assert _alerts(customer) == 1
