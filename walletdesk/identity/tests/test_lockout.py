"""AUTH-3 with the hardening decision: escalating, capped cool-offs per username and per IP; the
password path closes for good only after 100 consecutive failures, and the owner's reset reopens
it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from walletdesk.identity import throttle
from walletdesk.identity.actions import CONSECUTIVE_FAILURE_CEILING
from walletdesk.identity.models import AuditEvent, User
from walletdesk.identity.tests.conftest import last_code, log_in, sent_to

pytestmark = pytest.mark.django_db
WRONG = "wrong password here"
NEW_PASSWORD = "another long passphrase"
START = "2026-11-20 10:00:00+00:00"


def test_cool_offs_double_from_thirty_minutes_and_stop_at_a_day():
    schedule = [throttle.cool_off_seconds(level) // 60 for level in range(1, 10)]
    assert schedule == [30, 60, 120, 240, 480, 960, 1440, 1440, 1440]
    assert throttle.cool_off_seconds(500) == 24 * 3600


def _fail(web: Any, login_name: str, times: int, ip: str = "127.0.0.1") -> None:
    for _ in range(times):
        assert log_in(web(ip=ip), login_name, WRONG).status_code == 400


def test_each_further_lock_of_a_username_lasts_twice_as_long(web, customer):
    with time_machine.travel(START, tick=False) as clock:
        _fail(web, customer.login_name, 5)
        assert log_in(web(), customer.login_name).status_code == 429
        clock.shift(31 * 60)
        _fail(web, customer.login_name, 5)  # the streak goes on: the 10th failure locks again
        clock.shift(59 * 60)
        assert log_in(web(), customer.login_name).status_code == 429
        clock.shift(2 * 60)
        _fail(web, customer.login_name, 5)
        clock.shift(119 * 60)
        assert log_in(web(), customer.login_name).status_code == 429
        clock.shift(2 * 60)
        assert log_in(web(), customer.login_name).status_code == 302
    locks = AuditEvent.objects.filter(action="lockout", subject_id=customer.pk, result="locked")
    assert [row.data["cool_off_seconds"] for row in locks.order_by("pk")] == [1800, 3600, 7200]


def test_a_success_starts_the_schedule_over(web, customer):
    with time_machine.travel(START, tick=False) as clock:
        _fail(web, customer.login_name, 5)
        clock.shift(31 * 60)
        assert log_in(web(), customer.login_name).status_code == 302
        _fail(web, customer.login_name, 5)
        clock.shift(31 * 60)  # back to the first, 30-minute cool-off
        assert log_in(web(), customer.login_name).status_code == 302


def test_a_third_party_at_full_speed_cannot_close_sign_in_before_100_failures(web, customer):
    """Guess as fast as the cool-offs allow, from ever new addresses: 99 failures take about two
    weeks and leave the owner able to sign in when the current cool-off ends."""
    with time_machine.travel(START, tick=False) as clock:
        failures = 0
        waited = timedelta()
        while failures < CONSECUTIVE_FAILURE_CEILING - 1:
            response = log_in(web(ip=f"198.51.100.{failures % 250}"), customer.login_name, WRONG)
            if response.status_code == 429:
                step = timedelta(minutes=10)
                clock.shift(step)
                waited += step
                continue
            assert response.status_code == 400
            failures += 1
        assert waited > timedelta(days=13)
        customer.refresh_from_db()
        assert customer.failed_login_streak == 99
        clock.shift(timedelta(hours=24, minutes=1))  # no cool-off is ever longer
        assert log_in(web(), customer.login_name).status_code == 302
    customer.refresh_from_db()
    assert customer.failed_login_streak == 0


def test_only_the_100th_consecutive_failure_closes_it_and_the_owners_reset_reopens(web, customer):
    User.objects.filter(pk=customer.pk).update(failed_login_streak=99)
    with time_machine.travel(START, tick=False) as clock:
        _fail(web, customer.login_name, 1)
        clock.shift(timedelta(days=30))
        assert log_in(web(), customer.login_name).status_code == 429
        assert AuditEvent.objects.filter(
            action="lockout", subject_id=customer.pk, result="closed"
        ).exists()
        client = web()
        client.post("/account/password/forgot/", {"identifier": customer.phone})
        response = client.post(
            "/account/password/reset/",
            {"code": last_code(customer.phone), "new_password": NEW_PASSWORD},
        )
        assert response.status_code == 302
        assert log_in(web(), customer.login_name, NEW_PASSWORD).status_code == 302


def test_the_owners_reset_also_ends_a_running_cool_off(web, customer):
    with time_machine.travel(START, tick=False):
        _fail(web, customer.login_name, 5)
        assert log_in(web(), customer.login_name).status_code == 429
        client = web()
        client.post("/account/password/forgot/", {"identifier": customer.phone})
        client.post(
            "/account/password/reset/",
            {"code": last_code(customer.phone), "new_password": NEW_PASSWORD},
        )
        assert log_in(web(), customer.login_name, NEW_PASSWORD).status_code == 302


def test_an_ip_is_locked_on_the_same_growing_schedule(web, user_factory):
    users = [user_factory() for _ in range(5)]
    ip = "203.0.113.9"
    with time_machine.travel(START, tick=False) as clock:
        for round_ in range(2):
            for i in range(20):
                log_in(web(ip=ip), users[i % 5].login_name, WRONG)
                if i % 5 == 4:  # keep the usernames below their own lock
                    for user in users:
                        throttle.clear_lockout(throttle.LOGIN_LOCK_USERNAME, user.login_name)
            fresh = user_factory()
            assert log_in(web(ip=ip), fresh.login_name).status_code == 429
            assert log_in(web(ip="203.0.113.10"), fresh.login_name).status_code == 302
            minutes = 30 * 2**round_
            clock.shift((minutes - 1) * 60)
            assert log_in(web(ip=ip), fresh.login_name).status_code == 429
            clock.shift(2 * 60)
        assert log_in(web(ip=ip), users[0].login_name).status_code == 302


def test_a_third_party_cannot_spend_the_owners_recovery_on_a_known_device(web, customer):
    """The attacker uses up the shared reset requests and code-failure budget; the owner, on the
    phone they signed in on before, still gets a code and resets (and sign-in reopens)."""
    owners_phone = web()
    assert log_in(owners_phone, customer.login_name).status_code == 302
    owners_phone.post("/account/logout/")
    User.objects.filter(pk=customer.pk).update(failed_login_streak=CONSECUTIVE_FAILURE_CEILING)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(6):
            attacker = web(ip="198.51.100.7", user_agent="curl/8.0")
            attacker.post("/account/password/forgot/", {"identifier": customer.phone})
            for _ in range(5):
                attacker.post(
                    "/account/password/reset/", {"code": "000000", "new_password": NEW_PASSWORD}
                )
            clock.shift(61)
        before = len(sent_to(customer.phone))
        web().post("/account/password/forgot/", {"identifier": customer.phone})
        assert len(sent_to(customer.phone)) == before  # the shared bucket is spent
        owners_phone.post("/account/password/forgot/", {"identifier": customer.phone})
        assert len(sent_to(customer.phone)) == before + 1
        response = owners_phone.post(
            "/account/password/reset/",
            {"code": last_code(customer.phone), "new_password": NEW_PASSWORD},
        )
        assert response.status_code == 302, response.content[:400]
        assert log_in(web(), customer.login_name, NEW_PASSWORD).status_code == 302


def test_without_the_owners_device_the_shared_limits_still_apply(web, customer):
    with time_machine.travel(START, tick=False) as clock:
        client = web()
        for _ in range(2):
            client.post("/account/password/forgot/", {"identifier": customer.phone})
            clock.shift(61)
        codes_before = len(sent_to(customer.phone))
        web().post("/account/password/forgot/", {"identifier": customer.phone})
        assert len(sent_to(customer.phone)) == codes_before
