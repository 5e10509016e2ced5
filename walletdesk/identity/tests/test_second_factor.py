"""TOTP, SMS second step, recovery codes, API tokens."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from walletdesk.identity import totp
from walletdesk.identity.enums import Role
from walletdesk.identity.models import ApiToken, TotpDevice
from walletdesk.identity.tests.conftest import PASSWORD, last_code, log_in

pytestmark = pytest.mark.django_db


def _enable_totp(client: Any, user: Any, step_up: Any) -> tuple[str, list[str]]:
    step_up(client, user)
    assert client.get("/account/security/2fa/").status_code == 200
    secret = TotpDevice.objects.get(user=user).secret
    response = client.post(
        "/account/security/2fa/", {"code": totp.code_at(secret, totp.current_step())}
    )
    assert response.status_code == 200 and b"recovery-codes" in response.content
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", response.content.decode())
    return secret, codes


def test_totp_setup_needs_step_up(signed_in, customer):
    client = signed_in(customer)
    response = client.get("/account/security/2fa/")
    assert response.status_code == 403 and b"step_up_required" in response.content


def test_totp_login_accepts_each_step_once_and_recovery_codes_once(
    signed_in, customer, step_up, web
):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        secret, codes = _enable_totp(signed_in(customer), customer, step_up)
        assert len(codes) == 10
        clock.shift(60)
        client = web()
        assert log_in(client, customer.login_name)["Location"] == "/account/login/verify/"
        assert client.get("/account/security/").status_code == 302  # not signed in yet
        code = totp.code_at(secret, totp.current_step())
        assert (
            client.post("/account/login/verify/", {"method": "totp", "code": code}).status_code
            == 302
        )
        assert client.get("/account/security/").status_code == 200
        replay = web()
        log_in(replay, customer.login_name)
        assert (
            replay.post("/account/login/verify/", {"method": "totp", "code": code}).status_code
            == 400
        )
        assert (
            replay.post(
                "/account/login/verify/", {"method": "recovery", "code": codes[0]}
            ).status_code
            == 302
        )
        again = web()
        log_in(again, customer.login_name)
        assert (
            again.post(
                "/account/login/verify/", {"method": "recovery", "code": codes[0]}
            ).status_code
            == 400
        )


def test_totp_tolerates_one_step_of_drift_only(customer, step_up, signed_in, web):
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False) as clock:
        secret, _codes = _enable_totp(signed_in(customer), customer, step_up)
        clock.shift(120)
        now = totp.current_step()
        client = web()
        log_in(client, customer.login_name)
        assert (
            client.post(
                "/account/login/verify/", {"method": "totp", "code": totp.code_at(secret, now - 2)}
            ).status_code
            == 400
        )
        assert (
            client.post(
                "/account/login/verify/", {"method": "totp", "code": totp.code_at(secret, now - 1)}
            ).status_code
            == 302
        )


def test_agents_always_need_a_second_step_and_sms_is_not_one_of_them(user_factory, web):
    agent = user_factory(role=Role.AGENT)
    TotpDevice.objects.create(user=agent, secret=totp.new_secret(), confirmed_at=timezone.now())
    client = web()
    assert log_in(client, agent.login_name)["Location"] == "/account/login/verify/"
    page = client.get("/account/login/verify/").content.decode()
    assert 'value="totp"' in page and 'value="sms"' not in page and "data-send-code" not in page
    refused = client.post("/account/login/verify/send/")
    assert (
        refused.status_code == 401 and refused.json()["error"]["code"] == "second_factor_required"
    )
    assert (
        client.post("/account/login/verify/", {"method": "sms", "code": "123456"}).status_code
        == 400
    )
    assert client.get("/account/staff/").status_code == 302


def test_a_customer_with_sms_second_step_gets_the_send_button(user_factory, web):
    customer = user_factory(sms_second_factor=True)
    client = web()
    assert log_in(client, customer.login_name)["Location"] == "/account/login/verify/"
    page = client.get("/account/login/verify/").content.decode()
    assert 'value="sms"' in page and "data-send-code" in page and 'value="totp"' not in page
    assert client.post("/account/login/verify/send/").status_code == 200
    code = last_code(customer.phone)
    response = client.post("/account/login/verify/", {"method": "sms", "code": code})
    assert response.status_code == 302


def test_api_token_life_cycle(customer, web):
    client = web()
    response = client.post(
        "/api/v1/identity/tokens",
        {"username": customer.login_name, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert ApiToken.objects.get(user=customer).key_hash != token and token not in str(
        ApiToken.objects.values()
    )
    api = web(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/identity/me").json()["id"] == str(customer.public_id)
    assert api.delete("/api/v1/identity/tokens/current").status_code == 204
    assert api.get("/api/v1/identity/me").status_code == 401


def test_api_token_refuses_unknown_fields_and_wrong_passwords(customer, web):
    client = web()
    bad = client.post(
        "/api/v1/identity/tokens",
        {"username": customer.login_name, "password": PASSWORD, "is_staff": True},
        content_type="application/json",
    )
    assert bad.status_code == 400
    wrong = client.post(
        "/api/v1/identity/tokens",
        {"username": customer.login_name, "password": "nope nope nope"},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_credentials"


def test_api_token_needs_the_second_factor_for_2fa_accounts(user_factory, web):
    agent = user_factory(role=Role.AGENT)
    response = web().post(
        "/api/v1/identity/tokens",
        {"username": agent.login_name, "password": PASSWORD},
        content_type="application/json",
    )
    assert (
        response.status_code == 401 and response.json()["error"]["code"] == "second_factor_required"
    )
    assert not ApiToken.objects.exists()


def test_authenticator_codes_match_the_rfc_6238_reference_vectors() -> None:
    # RFC 6238 appendix B, SHA-1 seed, truncated to our six digits: T=59 s and T=1111111109 s.
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_at(secret, totp.current_step(59)) == "287082"
    assert totp.code_at(secret, totp.current_step(1111111109)) == "081804"
