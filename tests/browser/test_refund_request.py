"""A customer asks the merchant for a refund on a payment's record page and follows its status
there: waiting for the merchant, then the merchant's answer. No money moves until the merchant
accepts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import LedgerAccount
from walletdesk.payments import operations, refund_requests, wallets
from walletdesk.payments.models import RefundRequest
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def payment_id(user_factory: Any) -> tuple[Any, str]:
    user = user_factory(display_name="王小明")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(200_00, "CNY"))
    set_payment_password(user.pk, "258036")
    shop = make_merchant("瑞幸咖啡", name_en="Luckin Coffee")
    outcome = operations.pay_merchant(
        payer=operations.Payer.customer(user.pk),
        merchant_id=str(shop.public_id),
        amount="59.90",
        idempotency_key="browser-pay",
        confirmed=True,
    )
    return user, str(outcome.body["id"])


def _posted(user: Any) -> int:
    return LedgerAccount.objects.get(code=f"wallet:{user.pk}:CNY").posted


def test_a_customer_asks_for_a_refund_and_sees_its_status(
    page: Page, live_server: Any, payment_id: tuple[Any, str], login_in_browser: Any
) -> None:
    customer, public_id = payment_id
    balance = _posted(customer)
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/records/payment/{public_id}/")
    form = page.locator("form.refund-request-form")
    assert form.locator("input[name=amount]").input_value() == "59.90"
    form.locator("input[name=amount]").fill("20.00")
    form.locator("select[name=reason]").select_option("not_received")
    form.locator("textarea[name=note]").fill("等了一小时没出餐")
    with page.expect_navigation():
        form.get_by_role("button", name="申请退款").click()

    status = page.locator(".refund-request-status")
    expect(status).to_have_attribute("data-status", "requested")
    expect(status).to_have_text("等待商家答复")
    assert "¥20.00" in page.locator("#refund-request").inner_text()
    assert page.locator("form.refund-request-form").count() == 0
    assert _posted(customer) == balance  # asking moves no money

    # The merchant refuses (recorded by staff); the page shows the answer and the reason.
    request = RefundRequest.objects.get()
    refund_requests.refuse(
        request_id=str(request.public_id), actor="system", reason="already_delivered"
    )
    page.reload()
    expect(page.locator(".refund-request-status")).to_have_attribute("data-status", "refused")
    expect(page.locator(".refund-request-answer")).to_contain_text("商品或服务已送达")
    # A closed request lets the customer ask again.
    assert page.locator("form.refund-request-form").count() == 1
    assert _posted(customer) == balance
    assert check_ledger().ok
