"""Passkeys in Chromium with a CDP virtual authenticator: register, log in, assert again."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _virtual_authenticator(page: Page) -> Any:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_register_a_passkey_then_log_in_with_it(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    from walletdesk.identity.models import LoginEvent, Passkey

    _virtual_authenticator(page)
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/account/security/passkeys/")
    page.fill("#passkey-name", "测试手机")
    page.click("#passkey-add")
    page.wait_for_selector("#passkey-list >> text=测试手机")
    assert Passkey.objects.filter(user=customer, name="测试手机").count() == 1

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/")
    page.click("#passkey-login")
    page.wait_for_url(f"{live_server.url}/")
    assert (
        LoginEvent.objects.filter(user=customer, method="passkey", result="succeeded").count() == 1
    )


def test_a_second_assertion_with_a_fresh_challenge_is_verified_and_audited(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    _virtual_authenticator(page)
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/account/security/passkeys/")
    page.click("#passkey-add")
    page.wait_for_selector("#passkey-list form")
    # The same options -> navigator.credentials.get -> verify round trip that
    # facade.payment_passkey_options / verify_payment_passkey use for payments.
    from walletdesk.identity.models import AuditEvent

    result = page.evaluate(
        """async () => {
            const cred = await window.walletdeskPasskey.get('/account/login/passkey/options/');
            const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
            const response = await fetch('/account/login/passkey/', {
              method: 'POST', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
              body: JSON.stringify(cred)});
            return response.status;
        }"""
    )
    assert result == 200
    assert (
        AuditEvent.objects.filter(
            action="passkey_assert", result="ok", subject_id=customer.pk
        ).count()
        == 1
    )
