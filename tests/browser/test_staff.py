"""Staff in Chromium: an agent's first sign-in (password → authenticator → recovery codes → staff
page), a second sign-in with the authenticator, and a supervisor approving a large refund."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from walletdesk.core.money import Money
from walletdesk.identity import totp
from walletdesk.identity.enums import Role
from walletdesk.identity.tests.conftest import PASSWORD, last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit], form button[type=submit]").first.click()


def _password_step(page: Page, url: str, login_name: str) -> None:
    page.goto(f"{url}/account/login/")
    page.fill("input[name=username]", login_name)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()


def test_an_agents_first_sign_in_enrols_an_authenticator_then_signs_in_with_it(
    page: Page, live_server: Any
) -> None:
    from walletdesk.identity.models import RecoveryCode, User

    User.objects.create_user(
        "agent@walletdesk.example", PASSWORD, email="agent@walletdesk.example", role=Role.AGENT
    )
    _password_step(page, live_server.url, "agent@walletdesk.example")
    page.wait_for_url("**/account/login/enrol/")
    assert page.locator("h1").inner_text() == "设置两步验证"
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", totp.code_at(secret, totp.current_step()))
    page.get_by_role("button", name="开启并继续").click()
    codes = page.locator("ul.recovery-codes li")
    codes.first.wait_for()
    assert codes.count() == 10
    assert RecoveryCode.objects.filter(user__login_name="agent@walletdesk.example").count() == 10
    page.locator("#recovery-codes-saved").click()
    page.wait_for_url(f"{live_server.url}/account/staff/")
    assert page.locator("h1").inner_text() == "待审批"

    page.context.clear_cookies()
    _password_step(page, live_server.url, "agent@walletdesk.example")
    page.wait_for_url("**/account/login/verify/")
    # Staff are offered the authenticator and recovery codes, never an SMS they cannot receive.
    options = page.locator("select[name=method] option").all_inner_texts()
    assert options == ["身份验证器", "恢复码"]
    # The next 30-second step: the enrolment used this one, and each step works once.
    page.fill("input[name=code]", totp.code_at(secret, totp.current_step() + 1))
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/account/staff/")


def test_a_supervisor_approves_a_large_refund(page: Page, live_server: Any) -> None:
    from walletdesk.identity import approvals
    from walletdesk.identity.audit import RequestMeta
    from walletdesk.identity.facade import set_payment_password
    from walletdesk.identity.models import TotpDevice, User
    from walletdesk.payments import wallets
    from walletdesk.payments.models import Payment, Refund
    from walletdesk.payments.tests.factories import credit_wallet, make_merchant

    customer = User.objects.create_user(
        "+8613800138111", PASSWORD, phone="+8613800138111", display_name="王芳"
    )
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, Money(2_000_00, "CNY"))
    set_payment_password(customer.pk, "258036")
    from walletdesk.payments import operations

    shop = make_merchant()
    paid = operations.pay_merchant(
        payer=operations.Payer.customer(customer.pk, kyc_level=1),
        merchant_id=str(shop.public_id),
        amount="900.00",
        payment_password="258036",
        idempotency_key="browser-pay",
    )
    payment = Payment.objects.get(public_id=paid.body["id"])
    agent = User.objects.create_user(
        "+8613800138112", PASSWORD, phone="+8613800138112", role=Role.AGENT
    )
    approval = approvals.request_approval(
        kind="refund",
        subject_id=customer.pk,
        requested_by=agent,
        reason_code="duplicate_charge",
        payload={
            "payment": str(payment.public_id),
            "amount": "600.00",
            "reason": "duplicate_charge",
        },
        amount=600_00,
        currency="CNY",
        meta=RequestMeta(ip="127.0.0.1", user_agent="test"),
    )
    supervisor = User.objects.create_user(
        "+8613800138113", PASSWORD, phone="+8613800138113", role=Role.SUPERVISOR
    )
    secret = totp.new_secret()
    TotpDevice.objects.create(user=supervisor, secret=secret, confirmed_at=timezone.now())

    _password_step(page, live_server.url, "13800138113")
    page.wait_for_url("**/account/login/verify/")
    page.fill("input[name=code]", totp.code_at(secret, totp.current_step()))
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/account/staff/")
    row = page.locator(f"tr[data-approval='{approval.public_id}']")
    assert "600.00" in row.inner_text() and "重复扣款" in row.inner_text()
    row.locator("select[name=reason]").select_option("checked")
    row.get_by_role("button", name="通过").click()

    # Every decision needs a fresh second factor: verify, then back to the queue.
    page.wait_for_url("**/account/security/verify/**")
    page.fill("input[name=password]", PASSWORD)
    page.select_option("select[name=method]", "code")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_selector("[data-send-status]:has-text('验证码已发送')")
    page.fill("input[name=code]", last_code("+8613800138113"))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{live_server.url}/account/staff/")
    row = page.locator(f"tr[data-approval='{approval.public_id}']")
    row.locator("select[name=reason]").select_option("checked")
    row.get_by_role("button", name="通过").click()
    page.wait_for_url(f"{live_server.url}/account/staff/")
    assert "已通过并执行" in page.locator(".flash-success").inner_text()
    assert page.locator(f"tr[data-approval='{approval.public_id}']").count() == 0

    refund = Refund.objects.get(payment=payment)
    assert refund.amount == 600_00 and refund.requested_by == f"agent:{supervisor.pk}"


def test_an_agent_can_enrol_a_passkey_instead_and_then_sign_in_with_it(
    page: Page, live_server: Any
) -> None:
    from tests.browser.test_identity_passkeys import _virtual_authenticator
    from walletdesk.identity.models import Passkey, RecoveryCode, User

    agent = User.objects.create_user(
        "agent2@walletdesk.example", PASSWORD, email="agent2@walletdesk.example", role=Role.AGENT
    )
    _virtual_authenticator(page)
    _password_step(page, live_server.url, "agent2@walletdesk.example")
    page.wait_for_url("**/account/login/enrol/")
    page.click("#passkey-add")
    codes = page.locator("ul.recovery-codes li")
    codes.first.wait_for()
    assert codes.count() == 10 and RecoveryCode.objects.filter(user=agent).count() == 10
    assert Passkey.objects.filter(user=agent).count() == 1
    page.locator("#recovery-codes-saved").click()
    page.wait_for_url(f"{live_server.url}/account/staff/")
    # Reloading does not show the codes again.
    page.goto(f"{live_server.url}/account/login/enrol/")
    page.wait_for_url(f"{live_server.url}/account/staff/")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/")
    page.click("#passkey-login")
    page.wait_for_url(f"{live_server.url}/account/staff/")
