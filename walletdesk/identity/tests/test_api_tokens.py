"""API tokens live like web sessions (SES-3), alert on a new device, and are listed and revoked
on the security page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from walletdesk.identity.actions import outflow_hold
from walletdesk.identity.authentication import hash_token
from walletdesk.identity.enums import Role
from walletdesk.identity.models import ApiToken
from walletdesk.identity.tests.conftest import PASSWORD, log_in
from walletdesk.notifications.models import Message

pytestmark = pytest.mark.django_db
START = "2026-11-20 10:00:00+00:00"
PHONE_APP = "WalletDeskApp/2.1 (iPhone; iOS 17.0)"
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64) Chrome/120.0 Safari/537.36"


def issue(web: Any, user: Any, user_agent: str = PHONE_APP, ip: str = "127.0.0.1") -> str:
    response = web(user_agent=user_agent, ip=ip).post(
        "/api/v1/identity/tokens",
        {"username": user.login_name, "password": PASSWORD, "device_name": "我的手机"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return str(response.json()["token"])


def me(web: Any, token: str) -> int:
    return int(web(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/identity/me").status_code)


def test_a_token_dies_after_30_minutes_unused(web, customer):
    with time_machine.travel(START, tick=False) as clock:
        token = issue(web, customer)
        clock.shift(29 * 60)
        assert me(web, token) == 200
        clock.shift(29 * 60)  # counted from the last use
        assert me(web, token) == 200
        clock.shift(31 * 60)
        assert me(web, token) == 401


def test_a_staff_token_dies_after_15_minutes_unused(web, user_factory):
    agent = user_factory(role=Role.AGENT)
    with time_machine.travel(START, tick=False) as clock:
        from walletdesk.identity.authentication import create_api_token

        _row, token = create_api_token(agent, "console")
        clock.shift(16 * 60)
        assert me(web, token) == 401


def test_a_token_in_use_still_ends_12_hours_after_it_was_issued(web, customer):
    with time_machine.travel(START, tick=False) as clock:
        token = issue(web, customer)
        for _ in range(71):  # every 10 minutes for 11 h 50 min
            clock.shift(10 * 60)
            assert me(web, token) == 200
        clock.shift(11 * 60)
        assert me(web, token) == 401


def test_a_token_from_a_new_device_alerts_the_owner_and_starts_the_hold(web, customer):
    log_in(web(user_agent=LAPTOP), customer.login_name)  # the first device, right after sign-up
    assert not Message.objects.filter(user=customer, kind="new_device").exists()
    issue(web, customer, user_agent=PHONE_APP, ip="116.228.1.1")
    alerts = Message.objects.filter(user=customer, kind="new_device")
    inbox = alerts.get(channel="inbox")
    assert "/account/freeze/link/" in inbox.body and "116.228.1.1" in inbox.body
    assert outflow_hold(customer.pk) is not None
    issue(web, customer, user_agent=PHONE_APP, ip="116.228.1.9")  # same app, same network
    assert alerts.filter(channel="inbox").count() == 1


def test_no_alert_for_the_first_sign_in_after_sign_up_or_a_known_device(web, customer):
    issue(web, customer, user_agent=PHONE_APP)  # the first sign-in after sign-up
    issue(web, customer, user_agent=PHONE_APP)  # the same app on the same network
    log_in(web(user_agent=LAPTOP), customer.login_name)
    Message.objects.filter(user=customer, kind="new_device").delete()  # the browser's own alert
    issue(web, customer, user_agent=LAPTOP)  # a token for the browser already known
    assert not Message.objects.filter(user=customer, kind="new_device").exists()


def test_the_security_page_lists_live_tokens_and_revokes_one(web, customer, signed_in):
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
        issue(web, customer)  # idle for an hour: not listed
    kept, dropped = issue(web, customer), issue(web, customer)
    page = signed_in(customer)
    html = page.get("/account/security/").content.decode()
    rows = ApiToken.objects.filter(user=customer).order_by("created_at")
    assert html.count('data-testid="api-token"') == 2
    assert str(rows[0].public_id) not in html
    target = rows.get(key_hash=hash_token(dropped))
    response = page.post(f"/account/security/tokens/{target.public_id}/revoke/")
    assert response.status_code == 302
    assert me(web, dropped) == 401 and me(web, kept) == 200
    assert page.get("/account/security/").content.decode().count('data-testid="api-token"') == 1


def test_another_customer_cannot_revoke_my_token(web, customer, user_factory, signed_in):
    token = issue(web, customer)
    row = ApiToken.objects.get(user=customer)
    intruder = signed_in(user_factory())
    assert intruder.post(f"/account/security/tokens/{row.public_id}/revoke/").status_code == 404
    assert me(web, token) == 200
