"""A refused payment shows in the records with its plain reason and next step (Chinese, and
English at phone width); the withdrawal page shows both fee methods with their figures, and the
chosen one is what the ledger moves."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import choose_language
from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import Hold, LedgerAccount
from walletdesk.payments import wallets
from walletdesk.payments.models import FeeRule, RefusedAttempt, Withdrawal
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer(user_factory: Any) -> Any:
    user = user_factory(display_name="王小明")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(20_00, "CNY"))
    set_payment_password(user.pk, "258036")
    return user


def _wallet(user: Any) -> tuple[int, int]:
    account = LedgerAccount.objects.get(code=f"wallet:{user.pk}:CNY")
    return account.posted, account.held


def _pay_too_much(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/pay/")
    page.fill("input[name=amount]", "68.50")
    page.fill("input[name=payment_password]", "258036")
    page.locator("#pay-submit").click()
    page.wait_for_load_state("networkidle")


def test_a_refused_payment_is_in_the_records_with_its_reason(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    make_merchant("美团外卖")
    login_in_browser(page, customer.login_name)
    _pay_too_much(page, live_server)
    # The refusal is told as before.
    assert "余额不足" in page.locator("[role=alert]").inner_text()
    assert _wallet(customer) == (20_00, 0)

    page.goto(f"{live_server.url}/records/")
    item = page.locator(".list-item", has_text="美团外卖")
    assert item.locator(".refusal-reason").inner_text() == "余额不足"
    assert "失败" in item.inner_text()
    assert "-¥68.50" in item.inner_text()
    item.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".refusal .refusal-reason").inner_text() == "余额不足"
    assert page.locator(".refusal-next-step").inner_text() == "先充值，再重新付款。"
    assert "钱包里的钱没有扣" in page.locator("main").inner_text()
    assert _wallet(customer) == (20_00, 0)
    assert check_ledger().ok


def test_english_at_phone_width(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    make_merchant("美团外卖", name_en="Meituan Delivery")
    login_in_browser(page, customer.login_name)
    choose_language(page, "en")
    _pay_too_much(page, live_server)
    assert RefusedAttempt.objects.get(user=customer).reason == "insufficient_balance"

    page.goto(f"{live_server.url}/records/")
    assert page.viewport_size is not None and page.viewport_size["width"] == 390
    item = page.locator(".list-item", has_text="Not enough balance").first
    reason = item.locator(".refusal-reason")
    assert reason.inner_text() == "Not enough balance"
    box = reason.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # nothing cut off at phone width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    item.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".refusal-next-step").inner_text() == "Top up your wallet, then pay again."
    assert "Meituan Delivery" in page.locator("main").inner_text()
    assert "No money left your wallet for this attempt." in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _minor(shown: str) -> int:
    """ "¥1,001.00" → 100100: what the page showed, in fen."""
    return int(shown.removeprefix("¥").replace(",", "").replace(".", ""))


def _withdrawal_quote(
    page: Page, live_server: Any, user_factory: Any, login: Any, balance: int
) -> Any:
    """A customer with `balance` fen and a bound card, on the withdrawal page's confirm step
    for ¥1,000.00."""
    from walletdesk.payments.cards import bind_card

    FeeRule.objects.create(
        operation="withdrawal", method="bank_card", currency="CNY", rate_bp=10, minimum=10
    )
    user = user_factory(display_name="陈静")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(balance, "CNY"))
    set_payment_password(user.pk, "258036")
    bind_card(user_id=user.pk, number="6222021234567890128", expiry="12/39", cvv="123")
    login(page, user.login_name)
    page.goto(f"{live_server.url}/withdraw/")
    page.fill("input[name=amount]", "1000.00")
    page.get_by_role("button", name="下一步：查看手续费").click()
    page.wait_for_load_state("networkidle")
    return user


def _confirm(page: Page) -> None:
    page.fill("input[name=payment_password]", "258036")
    page.get_by_role("button", name="确认提现").click()
    page.wait_for_load_state("networkidle")


def test_the_withdrawal_page_offers_both_fee_methods(
    page: Page, live_server: Any, user_factory: Any, login_in_browser: Any
) -> None:
    user = _withdrawal_quote(page, live_server, user_factory, login_in_browser, 1_000_00)

    on_top = page.locator("[data-fee-method=on_top]")
    from_amount = page.locator("[data-fee-method=from_amount]")
    assert "另外支付手续费" in on_top.inner_text()
    assert on_top.get_by_test_id("total-debit").inner_text() == "¥1,001.00"
    assert on_top.get_by_test_id("arrives").inner_text() == "¥1,000.00"
    assert "从提现金额中扣除" in from_amount.inner_text()
    assert from_amount.get_by_test_id("total-debit").inner_text() == "¥1,000.00"
    assert from_amount.get_by_test_id("arrives").inner_text() == "¥999.00"
    assert on_top.locator("input").is_checked()  # the default, as before the choice existed
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # ¥1,001.00 is more than the wallet holds: only the fee taken from the amount fits.
    shown = _minor(from_amount.get_by_test_id("total-debit").inner_text())
    from_amount.click()
    _confirm(page)
    withdrawal = Withdrawal.objects.get(user=user)
    assert (withdrawal.fee_method, withdrawal.amount, withdrawal.fee) == (
        "from_amount",
        999_00,
        1_00,
    )
    assert f"/records/withdrawal/{withdrawal.public_id}/" in page.url
    main = page.locator("main").inner_text()
    assert "从提现金额中扣除" in main and "¥999.00" in main
    hold = Hold.objects.get(pk=withdrawal.hold_id or 0)
    assert hold.amount == shown == 1_000_00
    posted, held = _wallet(user)
    # Held until the bank answers, or already taken: either way exactly ¥1,000.00.
    assert posted - held == 0
    assert check_ledger().ok


def test_the_fee_added_on_top_is_chosen_in_the_browser_and_is_what_the_ledger_moves(
    page: Page, live_server: Any, user_factory: Any, login_in_browser: Any
) -> None:
    user = _withdrawal_quote(page, live_server, user_factory, login_in_browser, 1_500_00)
    on_top = page.locator("[data-fee-method=on_top]")
    from_amount = page.locator("[data-fee-method=from_amount]")
    # Change the mind once: the other way first, then back to the fee on top.
    from_amount.click()
    assert from_amount.locator("input").is_checked()
    on_top.click()
    assert on_top.locator("input").is_checked() and not from_amount.locator("input").is_checked()
    leaves = _minor(on_top.get_by_test_id("total-debit").inner_text())
    arrives = _minor(on_top.get_by_test_id("arrives").inner_text())
    assert (leaves, arrives) == (1_001_00, 1_000_00)

    _confirm(page)
    withdrawal = Withdrawal.objects.get(user=user)
    assert (withdrawal.fee_method, withdrawal.amount, withdrawal.fee) == ("on_top", arrives, 1_00)
    assert f"/records/withdrawal/{withdrawal.public_id}/" in page.url
    main = page.locator("main").inner_text()
    assert "另外支付手续费" in main and "¥1,000.00" in main
    hold = Hold.objects.get(pk=withdrawal.hold_id or 0)
    assert hold.amount == leaves
    posted, held = _wallet(user)
    # Held until the bank answers, or already taken: either way exactly what the page showed.
    assert posted - held == 1_500_00 - leaves
    assert check_ledger().ok
