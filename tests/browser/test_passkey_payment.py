"""Pay a merchant with a passkey (fingerprint / face) in Chromium, with a CDP virtual
authenticator: register the passkey, then pay without typing the payment password."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.models import LedgerAccount
from walletdesk.payments import wallets
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

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


def test_register_a_passkey_then_pay_with_it(
    page: Page, live_server: Any, user_factory: Any, login_in_browser: Any
) -> None:
    from walletdesk.identity.models import AuditEvent, Passkey

    customer = user_factory(display_name="王小明")
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, Money(500_00, "CNY"))
    set_payment_password(customer.pk, "258036")
    make_merchant("瑞幸咖啡")

    _virtual_authenticator(page)
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/pay/")
    assert page.locator("#passkey-pay").count() == 0  # no passkey yet

    page.goto(f"{live_server.url}/account/security/passkeys/")
    page.fill("#passkey-name", "我的手机")
    page.click("#passkey-add")
    page.wait_for_selector("#passkey-list >> text=我的手机")
    assert Passkey.objects.filter(user=customer).count() == 1

    page.goto(f"{live_server.url}/pay/")
    page.fill("input[name=amount]", "19.90")
    button = page.get_by_role("button", name="用指纹/面容支付")
    button.click()
    page.wait_for_selector(".flash-stack")
    assert "已向瑞幸咖啡付款" in page.locator(".flash-stack").inner_text()
    assert LedgerAccount.objects.get(code=f"wallet:{customer.pk}:CNY").posted == 480_10
    assert (
        AuditEvent.objects.filter(
            action="passkey_assert", result="ok", subject_id=customer.pk
        ).count()
        == 1
    )
