from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import choose_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_renders_in_chinese_and_switches_to_english(
    page: Page, live_server: Any
) -> None:
    page.goto(f"{live_server.url}/account/login/")
    assert page.locator("h1").inner_text() == "登录你的钱包"
    choose_language(page, "en")
    assert page.locator("h1").inner_text() == "Log in to your wallet"


def test_customer_logs_in_and_sees_wallet_home(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    login_in_browser(page, customer.login_name)
    assert page.url.rstrip("/") == live_server.url
    assert page.get_by_test_id("available-balance").inner_text() == "¥0.00"
    assert page.get_by_role("link", name="转账").is_visible()
