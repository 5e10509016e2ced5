"""X-Forwarded-For is believed only from WALLETDESK_TRUSTED_PROXIES (both sides of the rule).

A spoofed header from an untrusted peer must not let an attacker escape the per-IP sign-in
limit (AUTH-3) or write a false address into the audit log; behind the load balancer, two
clients must not share one lockout.
"""

from __future__ import annotations

import pytest
import time_machine

from walletdesk.identity.models import AuditEvent, LoginEvent
from walletdesk.identity.tests.conftest import log_in

LOAD_BALANCER = "10.0.0.2"
ALICE = "203.0.113.7"
BOB = "198.51.100.9"
ATTACKER = "192.0.2.66"


@pytest.fixture
def behind_load_balancer(settings):
    settings.WALLETDESK_TRUSTED_PROXIES = ["10.0.0.0/24"]


def _through_load_balancer(web, client_address: str):
    return web(ip=LOAD_BALANCER, HTTP_X_FORWARDED_FOR=client_address)


@pytest.mark.usefixtures("behind_load_balancer")
def test_two_clients_behind_the_load_balancer_do_not_share_a_lockout(web, user_factory):
    users = [user_factory() for _ in range(5)]
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        for attempt in range(20):
            log_in(_through_load_balancer(web, ALICE), users[attempt % 5].login_name, "wrong!")
        fresh = user_factory()
        assert log_in(_through_load_balancer(web, ALICE), fresh.login_name).status_code == 429
        assert log_in(_through_load_balancer(web, BOB), fresh.login_name).status_code == 302
    assert LoginEvent.objects.filter(user=fresh, result="succeeded").get().ip == BOB
    assert set(
        LoginEvent.objects.filter(user__in=users).values_list("ip", flat=True).distinct()
    ) == {ALICE}


@pytest.mark.usefixtures("behind_load_balancer")
def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(web, user_factory):
    users = [user_factory() for _ in range(5)]
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        for attempt in range(20):
            spoofed = web(ip=ATTACKER, HTTP_X_FORWARDED_FOR=f"198.18.0.{attempt}, {LOAD_BALANCER}")
            log_in(spoofed, users[attempt % 5].login_name, "wrong!")
        fresh = user_factory()
        again = web(ip=ATTACKER, HTTP_X_FORWARDED_FOR="198.18.0.200")
        assert log_in(again, fresh.login_name).status_code == 429
    recorded = set(AuditEvent.objects.values_list("ip", flat=True)) - {""}
    assert recorded == {ATTACKER}


@pytest.mark.usefixtures("behind_load_balancer")
def test_a_client_writing_its_own_header_through_the_load_balancer_gets_its_real_address(
    web, customer
):
    # The load balancer appends the address it saw; what the client wrote stays to its left.
    client = web(ip=LOAD_BALANCER, HTTP_X_FORWARDED_FOR=f"127.0.0.1, 10.0.0.9, {ALICE}")
    assert log_in(client, customer.login_name).status_code == 302
    assert LoginEvent.objects.get(user=customer).ip == ALICE


def test_without_trusted_proxies_the_peer_is_the_client(web, customer, settings):
    settings.WALLETDESK_TRUSTED_PROXIES = []
    client = web(ip=LOAD_BALANCER, HTTP_X_FORWARDED_FOR=ALICE)
    assert log_in(client, customer.login_name).status_code == 302
    assert LoginEvent.objects.get(user=customer).ip == LOAD_BALANCER
