"""AUTH-9 forgot password, AUTH-10 contact change, AUTH-11 new-device alerts, payment password."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client

from walletdesk.identity import totp
from walletdesk.identity.actions import withdrawals_blocked_until
from walletdesk.identity.models import TotpDevice, User
from walletdesk.identity.tests.conftest import PASSWORD, last_code, log_in, sent_to
from walletdesk.notifications.models import Message

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "another long passphrase"


def _forgot(client: Any, identifier: str) -> Any:
    return client.post("/account/password/forgot/", {"identifier": identifier})


def test_known_and_unknown_identifiers_get_identical_answers(web, customer):
    known, unknown = _forgot(web(), customer.phone), _forgot(web(), "13900007777")
    assert (known.status_code, known["Location"], known.content) == (
        unknown.status_code,
        unknown["Location"],
        unknown.content,
    )
    assert len(sent_to(customer.phone)) == 1 and sent_to("+8613900007777") == []


def test_reset_with_code_revokes_old_sessions_and_tells_the_other_channel(
    web, customer, mailoutbox
):
    customer.email = "owner@example.com"
    customer.save(update_fields=["email"])
    old = web()
    log_in(old, customer.login_name)
    client = web()
    _forgot(client, customer.phone)
    code = last_code(customer.phone)
    response = client.post("/account/password/reset/", {"code": code, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert old.get("/account/security/").status_code == 302
    assert log_in(web(), customer.login_name, NEW_PASSWORD).status_code == 302
    assert any("owner@example.com" in m.to for m in mailoutbox)
    again = web()
    again.session  # noqa: B018
    _forgot(again, customer.phone)
    assert (
        again.post(
            "/account/password/reset/", {"code": code, "new_password": "yet another passphrase"}
        ).status_code
        == 400
    )


def test_reset_code_expires(web, customer):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        client = web()
        _forgot(client, customer.phone)
        code = last_code(customer.phone)
        clock.shift(11 * 60)
        assert (
            client.post(
                "/account/password/reset/", {"code": code, "new_password": NEW_PASSWORD}
            ).status_code
            == 400
        )
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_reset_does_not_bypass_the_authenticator(web, customer, signed_in, step_up):
    client = signed_in(customer)
    step_up(client, customer)
    client.get("/account/security/2fa/")
    secret = TotpDevice.objects.get(user=customer).secret
    client.post("/account/security/2fa/", {"code": totp.code_at(secret, totp.current_step())})
    with time_machine.travel("2027-01-05 10:00:00+00:00", tick=False):
        reset = web()
        _forgot(reset, customer.phone)
        code = last_code(customer.phone)
        refused = reset.post(
            "/account/password/reset/", {"code": code, "new_password": NEW_PASSWORD}
        )
        assert refused.status_code == 401
        customer.refresh_from_db()
        assert customer.check_password(PASSWORD)
        ok = reset.post(
            "/account/password/reset/",
            {
                "code": code,
                "new_password": NEW_PASSWORD,
                "second_factor": totp.code_at(secret, totp.current_step()),
            },
        )
        assert ok.status_code == 302


def test_reset_requests_are_limited_per_identifier(web, customer):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        for _ in range(3):
            _forgot(web(), customer.phone)
            clock.shift(61)
        assert len(sent_to(customer.phone)) == 2


def test_phone_change_needs_fresh_step_up_and_alerts_the_old_number(signed_in, customer, step_up):
    client = signed_in(customer)
    refused = client.post("/account/security/contact/phone/", {"value": "13912345678"})
    assert refused.status_code == 403 and b"step_up_required" in refused.content
    old_phone = customer.phone
    step_up(client, customer)
    assert (
        client.post("/account/security/contact/phone/", {"value": "13912345678"}).status_code == 302
    )
    code = last_code("+8613912345678")
    assert client.post("/account/security/contact-confirm/", {"code": code}).status_code == 302
    customer.refresh_from_db()
    assert customer.phone == customer.login_name == "+8613912345678"
    assert any("你的手机号已更换" in b and "/account/freeze/link/" in b for b in sent_to(old_phone))
    assert withdrawals_blocked_until(customer.pk) is not None
    assert log_in(Client(), "+8613912345678").status_code == 302


def test_step_up_expires_after_five_minutes(signed_in, customer, step_up):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        client = signed_in(customer)
        step_up(client, customer)
        clock.shift(301)
        assert client.get("/account/security/contact/email/").status_code == 403


def test_contact_change_is_limited_to_two_an_hour(signed_in, customer, step_up):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        client = signed_in(customer)
        for i, expected in enumerate([302, 302, 429]):
            step_up(client, customer)
            response = client.post(
                "/account/security/contact/email/", {"value": f"new{i}@example.com"}
            )
            assert response.status_code == expected
            clock.shift(61)


def test_new_device_alert_rules(web, customer):
    browser_a = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"
    browser_b = "Mozilla/5.0 (Windows NT 10.0; Win64) Chrome/120.0 Safari/537.36"
    a = web(user_agent=browser_a)
    log_in(a, customer.login_name)
    assert Message.objects.filter(user=customer, kind="new_device").count() == 0
    b = web(user_agent=browser_b, ip="116.228.1.1")
    log_in(b, customer.login_name)
    alerts = Message.objects.filter(user=customer, kind="new_device")
    assert alerts.filter(channel="sms").count() == 1
    body = alerts.get(channel="sms").body
    assert "Chrome · Windows" in body and "/account/freeze/link/" in body
    assert "116.228.1.1" in body
    a.post("/account/logout/")
    log_in(a, customer.login_name)
    assert Message.objects.filter(user=customer, kind="new_device", channel="sms").count() == 1


def test_payment_password_first_set_then_reset_only_with_a_code(signed_in, customer):
    from walletdesk.identity.payment_password import verify_payment_password

    client = signed_in(customer)
    assert (
        client.post("/account/security/payment-password/", {"new_password": "258036"}).status_code
        == 302
    )
    verify_payment_password(customer.pk, "258036")
    assert (
        client.post("/account/security/payment-password/", {"new_password": "147963"}).status_code
        == 400
    )
    assert client.post("/account/security/payment-password/send/").status_code == 200
    code = last_code(customer.phone)
    assert (
        client.post(
            "/account/security/payment-password/", {"new_password": "147963", "code": code}
        ).status_code
        == 302
    )
    verify_payment_password(customer.pk, "147963")


def test_profile_names_are_checked_for_impersonation(signed_in, customer):
    client = signed_in(customer)
    for bad in ["Ѕupport", "ａｄｍｉｎ", "小\u202e明", "客服"]:
        assert (
            client.post("/account/profile/", {"display_name": bad, "address": ""}).status_code
            == 400
        )
    assert (
        client.post(
            "/account/profile/", {"display_name": "王小明", "address": "上海市浦东新区"}
        ).status_code
        == 302
    )
    assert User.objects.get(pk=customer.pk).display_name == "王小明"
