"""After an emergency freeze every device is signed out, so the confirmation page must lead to the
contact page that needs no sign-in: at phone width (390 px), in Chinese after a freeze from the
security page, in English after a freeze from the alert's signed link."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from walletdesk.identity.actions.alerts import freeze_link
from walletdesk.identity.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _contact_from_the_frozen_page(page: Page, url: str, heading: str, link: str) -> None:
    assert page.locator("h1").inner_text() == heading
    contact = page.get_by_role("link", name=link, exact=True).first
    assert contact.is_visible()
    box = contact.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    contact.click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{url}/support/contact/"


def test_frozen_from_the_security_page_contact_support_in_chinese(
    page: Page, live_server: Any, customer: Any, login_in_browser: Any
) -> None:
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/account/freeze/")
    page.locator("#freeze-now").click()
    page.wait_for_load_state("networkidle")
    assert page.viewport_size == {"width": 390, "height": 844}
    _contact_from_the_frozen_page(page, live_server.url, "你的账户已冻结", "联系客服")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert User.objects.get(pk=customer.pk).frozen_at is not None


def test_frozen_from_the_alert_link_contact_support_in_english(
    browser: Browser, live_server: Any, customer: Any
) -> None:
    link = freeze_link(customer.pk, origin=live_server.url)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(link)
        page.locator("#freeze-now").click()
        page.wait_for_load_state("networkidle")
        _contact_from_the_frozen_page(
            page, live_server.url, "Your account is frozen", "Contact support"
        )
        assert page.locator("html").get_attribute("lang") == "en"
        assert User.objects.get(pk=customer.pk).frozen_at is not None
    finally:
        context.close()
