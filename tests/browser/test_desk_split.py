"""Splitting a ticket in Chromium at phone width (390 px, Chinese): the agent signs in with the
enrolled authenticator, ticks the customer's second request on the ticket's page, splits it into
a new ticket and lands on it; the customer finds the new ticket, with its number, in their list."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.test_agent_desk import _agent_signs_in, _customer_with_ticket
from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_splits_a_reply_into_a_new_ticket_at_phone_width(
    page: Page, live_server: Any
) -> None:
    from walletdesk.core.actors import Actor
    from walletdesk.tickets import actions
    from walletdesk.tickets.models import Ticket

    customer, number = _customer_with_ticket("+8613800138211", "zh-hans")
    second = actions.add_message(Actor.customer(customer.pk), number, "另外，我的银行卡绑不上。")
    _agent_signs_in(page, live_server.url, "+8613800138212")

    page.goto(f"{live_server.url}/desk/{number}/")
    page.locator(f"input[name=message][value='{second.public_id}']").check()
    page.fill("#split-form input[name=subject]", "银行卡绑不上")
    page.locator("#split-button").click()
    page.wait_for_selector(".flash-success:has-text('已拆分为新工单')")
    new = Ticket.objects.exclude(number=number).get()
    assert page.locator("#ticket-number").inner_text() == new.number
    assert "另外，我的银行卡绑不上。" in page.locator("#ticket-timeline").inner_text()
    assert "由工单" not in page.locator("#ticket-timeline").inner_text()  # staff words there
    assert number in page.locator("#ticket-timeline").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Leave the desk first: its periodic refresh could set the agent's cookie again.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", customer.login_name)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/support/")
    listing = page.locator("main").inner_text()
    assert new.number in listing and "银行卡绑不上" in listing
    page.goto(f"{live_server.url}/support/{new.number}/")
    assert f"由工单 {number} 拆分而来" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
