"""A customer answers on their request at phone width: signed in on a 390 px screen they open the
request from their list, type a reply in the box and send it; it appears in the request's
messages, and the agent's ticket page (their own browser, a desktop) shows it as the customer's
public reply."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.test_agent_desk import _agent_signs_in, _customer_with_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_types_a_reply_at_phone_width_and_the_agent_sees_it(
    page: Page, browser: Browser, live_server: Any, login_in_browser: Any
) -> None:
    from walletdesk.tickets.enums import AuthorKind, Visibility
    from walletdesk.tickets.models import TicketMessage

    customer, number = _customer_with_ticket("+8613800138401", "zh-hans")
    reply = "银行那边说款已经退回卡里了，流水号 2026120388。"

    assert page.viewport_size == {"width": 390, "height": 844}
    login_in_browser(page, customer.login_name)
    page.goto(f"{live_server.url}/support/")
    page.locator(f"#my-tickets a[href='/support/{number}/']").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#ticket-number").inner_text() == number
    box = page.locator("#reply-form textarea[name=body]")
    box.click()
    box.press_sequentially(reply)
    assert box.input_value() == reply
    page.locator("#reply-form").get_by_role("button", name="发送回复").click()
    page.wait_for_load_state("networkidle")

    assert page.url == f"{live_server.url}/support/{number}/"
    mine = page.locator("#ticket-messages li.msg-you").last
    assert mine.locator(".body").inner_text() == reply
    assert mine.locator(".who").inner_text().startswith("你")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    stored = TicketMessage.objects.filter(ticket__number=number).order_by("pk").last()
    assert stored is not None
    assert (stored.body, stored.author_kind, stored.visibility, stored.author_id) == (
        reply,
        AuthorKind.CUSTOMER,
        Visibility.PUBLIC,
        customer.pk,
    )

    page.goto("about:blank")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        agent_page = desk.new_page()
        agent_page.set_default_timeout(10_000)
        _agent_signs_in(agent_page, live_server.url, "+8613800138402")
        agent_page.goto(f"{live_server.url}/desk/{number}/")
        entry = agent_page.locator(
            "#ticket-timeline li.entry-public.author-customer", has_text=reply
        )
        assert entry.count() == 1
        assert entry.locator(".body").inner_text() == reply
        agent_page.goto("about:blank")
    finally:
        desk.close()
