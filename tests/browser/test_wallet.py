from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import choose_language
from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import KycSubmission
from walletdesk.ledger.models import LedgerAccount
from walletdesk.payments import wallets
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rich_customer(user_factory: Any) -> Any:
    user = user_factory(display_name="王小明")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(500_00, "CNY"))
    set_payment_password(user.pk, "258036")
    return user


def test_transfer_names_the_recipient_then_takes_the_payment_password(
    page: Page, live_server: Any, rich_customer: Any, user_factory: Any, login_in_browser: Any
) -> None:
    friend = user_factory(display_name="李娜")
    wallets.open_wallet(friend.pk)
    KycSubmission.objects.create(
        user=friend,
        real_name="李娜娜",
        id_number_last4="1234",
        id_number_hash="x",
        status="approved",
    )
    login_in_browser(page, rich_customer.login_name)
    assert page.get_by_test_id("available-balance").inner_text() == "¥500.00"

    page.get_by_role("link", name="转账").click()
    page.fill("input[name=recipient]", friend.login_name)
    page.fill("input[name=amount]", "88.80")
    page.fill("input[name=memo]", "午饭")
    page.get_by_role("button", name="下一步：核对收款人").click()
    page.wait_for_load_state("networkidle")

    confirm = page.get_by_test_id("transfer-confirm")
    assert "李**" in page.get_by_test_id("recipient-name").inner_text()
    assert "已实名认证" in page.get_by_test_id("recipient-name").inner_text()
    masked_phone = f"{friend.phone[3:6]}****{friend.phone[-4:]}"
    assert page.get_by_test_id("recipient-contact").inner_text() == masked_phone
    assert friend.phone[3:] not in confirm.inner_text()
    assert LedgerAccount.objects.get(code=f"wallet:{friend.pk}:CNY").posted == 0

    page.fill("input[name=payment_password]", "111111")
    page.get_by_role("button", name="确认转账").click()
    page.wait_for_load_state("networkidle")
    assert "支付密码错误，还可以再试 4 次" in page.locator("[role=alert]").inner_text()
    assert LedgerAccount.objects.get(code=f"wallet:{friend.pk}:CNY").posted == 0

    page.fill("input[name=payment_password]", "258036")
    page.get_by_role("button", name="确认转账").click()
    page.wait_for_load_state("networkidle")

    assert "已向李娜转账 ¥88.80" in page.locator(".flash-stack").inner_text()
    assert "-¥88.80" in page.locator("main").inner_text()
    assert LedgerAccount.objects.get(code=f"wallet:{friend.pk}:CNY").posted == 88_80


def test_withdrawal_takes_the_payment_password_on_the_confirm_step(
    page: Page, live_server: Any, rich_customer: Any, login_in_browser: Any
) -> None:
    from walletdesk.payments.cards import bind_card
    from walletdesk.payments.models import Withdrawal

    bind_card(user_id=rich_customer.pk, number="6222021234567890128", expiry="12/39", cvv="123")
    login_in_browser(page, rich_customer.login_name)
    page.goto(f"{live_server.url}/withdraw/")
    page.fill("input[name=amount]", "50.00")
    page.get_by_role("button", name="下一步：查看手续费").click()
    page.wait_for_load_state("networkidle")
    assert "0128" in page.locator("main").inner_text()

    page.get_by_role("button", name="确认提现").click()  # no password yet
    page.wait_for_load_state("networkidle")
    assert "支付密码" in page.locator("[role=alert]").inner_text()
    assert not Withdrawal.objects.filter(user=rich_customer).exists()

    page.fill("input[name=payment_password]", "258036")
    page.get_by_role("button", name="确认提现").click()
    page.wait_for_load_state("networkidle")
    withdrawal = Withdrawal.objects.get(user=rich_customer)
    assert f"/records/withdrawal/{withdrawal.public_id}/" in page.url
    assert withdrawal.amount == 50_00


def test_payment_with_a_wrong_then_right_payment_password(
    page: Page, live_server: Any, rich_customer: Any, login_in_browser: Any
) -> None:
    make_merchant("瑞幸咖啡")
    login_in_browser(page, rich_customer.login_name)
    page.goto(f"{live_server.url}/pay/")
    page.fill("input[name=amount]", "19.90")
    page.fill("input[name=payment_password]", "111111")
    page.get_by_role("button", name="立即付款").click()
    page.wait_for_load_state("networkidle")
    assert "支付密码错误，还可以再试 4 次" in page.locator("[role=alert]").inner_text()

    page.fill("input[name=amount]", "19.90")
    page.fill("input[name=payment_password]", "258036")
    page.get_by_role("button", name="立即付款").click()
    page.wait_for_load_state("networkidle")
    assert "已向瑞幸咖啡付款" in page.locator(".flash-stack").inner_text()
    assert LedgerAccount.objects.get(code=f"wallet:{rich_customer.pk}:CNY").posted == 480_10


def test_records_filter_and_english(
    page: Page, live_server: Any, rich_customer: Any, login_in_browser: Any
) -> None:
    login_in_browser(page, rich_customer.login_name)
    choose_language(page, "en")
    page.get_by_role("link", name="Records", exact=True).click()
    assert page.locator("h1").inner_text() == "Records"
    page.select_option("select[name=type]", "payment")
    page.get_by_role("button", name="Filter").click()
    assert "No records match these filters." in page.locator("main").inner_text()


def test_paying_a_foreign_currency_merchant_through_the_quote_step(
    page: Page, live_server: Any, rich_customer: Any, login_in_browser: Any
) -> None:
    """The page script disables the buttons on submit; the clicked button's step must still
    reach the server (it was lost, and every foreign-currency payment was a 500)."""
    from walletdesk.payments import fx
    from walletdesk.payments.models import FxQuote, Payment

    fx.load_rates(fx.FileRateProvider())
    shop = make_merchant("东京拉面", currency="JPY", country="JP")
    login_in_browser(page, rich_customer.login_name)
    page.goto(f"{live_server.url}/pay/")
    page.select_option("select[name=merchant]", str(shop.public_id))
    page.fill("input[name=amount]", "1200")
    page.get_by_role("button", name="获取汇率报价").click()
    page.wait_for_selector("[data-testid=fx-quote]")
    # 1200 JPY × 0.04755 × 1.005 = 57.3453, rounded up to the fen
    assert "¥57.35" in page.get_by_test_id("fx-quote").inner_text()

    # Asking again refreshes the quote: the server must see step=quote, not pay with the old one.
    page.fill("input[name=payment_password]", "258036")
    page.get_by_role("button", name="获取汇率报价").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("fx-quote").is_visible()
    assert FxQuote.objects.filter(user=rich_customer).count() == 2
    assert not Payment.objects.exists()

    page.fill("input[name=payment_password]", "258036")
    page.get_by_role("button", name="立即付款").click()
    page.wait_for_url("**/records/payment/**")
    assert "已向东京拉面付款" in page.locator(".flash-stack").inner_text()
    payment = Payment.objects.get(user=rich_customer)
    assert (payment.currency, payment.amount) == ("JPY", 1200)
    assert LedgerAccount.objects.get(code=f"merchant:{shop.pk}:JPY").posted == 1200
