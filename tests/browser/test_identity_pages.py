"""The identity pages in Chromium: sign-up with a code, login (and its wrong-password message, in
English too), forgot password, TOTP setup, devices and sessions, emergency freeze, the
notifications inbox and account closure. Codes are read from the developer outbox, as the
Django tests do (walletdesk/identity/tests/conftest.py::last_code)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.helpers import choose_language
from walletdesk.core.money import Money
from walletdesk.identity.tests.conftest import PASSWORD, last_code
from walletdesk.payments import wallets
from walletdesk.payments.tests.factories import credit_wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")


def _get_code(page: Page, destination: str) -> str:
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_selector("[data-send-status]:has-text('验证码已发送')")
    return last_code(destination)


def test_sign_up_with_a_code_then_log_out_and_in(page: Page, live_server: Any) -> None:
    from walletdesk.identity.models import User

    page.goto(f"{live_server.url}/account/signup/")
    page.fill("input[name=identifier]", "13900139077")
    page.fill("input[name=display_name]", "陈晨")
    page.fill("input[name=password]", "a long and unusual passphrase")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/account/signup/verify/")
    page.fill("input[name=code]", last_code("+8613900139077"))
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    user = User.objects.get(phone="+8613900139077")
    assert user.display_name == "陈晨" and user.is_active

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "13900139077")
    page.fill("input[name=password]", "a wrong passphrase entirely")
    page.locator("form button[type=submit]").click()
    assert "不正确" in page.locator("[data-error]").inner_text()
    page.fill("input[name=username]", "13900139077")
    page.fill("input[name=password]", "a long and unusual passphrase")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def test_login_page_in_english_with_the_wrong_password(
    page: Page, live_server: Any, customer: Any
) -> None:
    page.goto(f"{live_server.url}/account/login/")
    choose_language(page, "en")
    assert page.locator("h1").inner_text() == "Log in to your wallet"
    page.fill("input[name=username]", customer.login_name)
    page.fill("input[name=password]", "not my password at all")
    page.get_by_role("button", name="Log in", exact=True).click()
    assert (
        "The phone number, email or password is not right"
        in page.locator("[data-error]").inner_text()
    )
    page.fill("input[name=username]", customer.login_name)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")


def test_forgot_password_with_a_code(page: Page, live_server: Any, customer: Any) -> None:
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_role("link", name="忘记密码？").click()
    page.fill("input[name=identifier]", customer.login_name)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/account/password/reset/")
    page.fill("input[name=code]", last_code(customer.phone))
    page.fill("input[name=new_password]", "my brand new passphrase")
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    customer.refresh_from_db()
    assert customer.check_password("my brand new passphrase")


def test_turn_on_the_authenticator_app(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    from walletdesk.identity import totp
    from walletdesk.identity.models import TotpDevice

    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/account/security/2fa/")
    page.locator("a[href*='/account/security/verify/']").click()  # step-up first
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", _get_code(page, customer.phone))
    page.get_by_role("button", name="确认", exact=True).click()
    page.wait_for_url("**/account/security/2fa/")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", totp.code_at(secret, totp.current_step()))
    page.get_by_role("button", name="开启", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    codes = page.locator("main").inner_text()
    assert TotpDevice.objects.get(user=customer).confirmed_at is not None
    assert "恢复码" in codes


def test_sign_another_session_out_from_devices(
    page: Page, browser: Browser, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    other_context = _new_context(browser)
    try:
        other = other_context.new_page()
        login_in_browser(other, customer.login_name)
        login_in_browser(page, customer.login_name)
        page.goto(f"{live_server.url}/account/security/devices/")
        revoke = page.locator("form[action*='/account/security/sessions/'] button")
        assert revoke.count() == 2  # "sign out all others" and the other session's button
        page.locator("form[action$='/revoke/'][action*='/sessions/'] button").click()
        page.wait_for_load_state("networkidle")
        other.goto(f"{live_server.url}/account/security/")
        assert "/account/login/" in other.url
        page.goto(f"{live_server.url}/account/security/")
        assert "/account/security/" in page.url
    finally:
        other_context.close()


def test_emergency_freeze_stops_transfers_and_shows_the_banner(
    page: Page, live_server: Any, user_factory: Any, login_in_browser: Any
) -> None:
    customer = user_factory(display_name="王小明")
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, Money(200_00, "CNY"))
    friend = user_factory(display_name="李娜")
    wallets.open_wallet(friend.pk)

    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/account/security/")
    page.get_by_role("link", name="紧急冻结").click()
    page.locator("#freeze-now").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "你的账户已冻结"

    login_in_browser(page, customer.login_name)  # every session was signed out
    page.goto(f"{live_server.url}/")
    assert "你的钱包已冻结" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/transfer/")
    page.fill("input[name=recipient]", friend.login_name)
    page.fill("input[name=amount]", "10.00")
    page.get_by_role("button", name="下一步：核对收款人").click()
    page.wait_for_load_state("networkidle")
    assert "冻结" in page.locator("[role=alert]").first.inner_text()
    from walletdesk.ledger.models import LedgerAccount

    assert LedgerAccount.objects.get(code=f"wallet:{customer.pk}:CNY").posted == 200_00


def test_notifications_inbox_shows_the_new_device_alert(
    page: Page, browser: Browser, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    login_in_browser(page, customer.login_name)
    other_context = _new_context(browser)
    try:
        login_in_browser(other_context.new_page(), customer.login_name)  # a second device
    finally:
        other_context.close()
    page.goto(f"{live_server.url}/notifications/")
    inbox = page.locator("#inbox").inner_text()
    assert "新设备登录提醒" in inbox and "Chrome · Linux" in inbox
    assert "/account/freeze/link/" in inbox  # the "this wasn't me" link, and no code
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#inbox .badge").count() == 0


def test_account_closure_lists_what_blocks_it(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, Money(12_30, "CNY"))
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/account/close/")
    assert "暂时无法注销" in page.locator("main").inner_text()
    blockers = page.locator("#closure-blockers li")
    assert blockers.count() >= 1
    assert "余额" in blockers.first.inner_text()
    assert page.get_by_role("button", name="注销账户").count() == 0


def test_revoking_an_api_token_from_the_security_page(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    from walletdesk.identity.authentication import create_api_token, user_for_token

    _kept_row, kept = create_api_token(customer, "家里的平板", device_label="iPad · Safari")
    _row, token = create_api_token(customer, "旧手机", device_label="iPhone · Safari")
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/account/security/")
    tokens = page.get_by_test_id("api-token")
    assert tokens.count() == 2
    old_phone = tokens.filter(has_text="旧手机")
    old_phone.get_by_role("button", name="撤销").click()
    page.wait_for_load_state("networkidle")

    assert "已撤销该应用的登录" in page.locator(".flash-stack").inner_text()
    assert page.get_by_test_id("api-token").count() == 1
    assert "旧手机" not in page.get_by_test_id("api-tokens").inner_text()
    assert user_for_token(token) is None
    assert user_for_token(kept) is not None
