"""The agent's moves on an open chat in the console, in Chromium against the real ASGI server:
push a record from the customer 360 and a help article from agent assist as cards (the customer,
at phone width in another browser context, sees both), open a ticket carrying the conversation,
and hand the chat on to another queue with a note (Chinese)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_helpcenter import help_site
from tests.browser.test_live_chat import _setup, _sign_in
from walletdesk.tickets.tests.test_pages import pending_top_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["help_site"]  # fixture


def _second_queue() -> Any:
    from walletdesk.tickets.models import BusinessCalendar, Team

    return Team.objects.create(
        name="risk-desk",
        title_zh="风控专席",
        title_en="Risk desk",
        calendar=BusinessCalendar.objects.get(name="24x7"),
        position=2,
    )


@pytest.mark.usefixtures("help_site", "live_chat_assistant")
def test_the_agent_pushes_cards_opens_a_ticket_and_hands_the_chat_on(
    browser: Browser, asgi_live_server: str
) -> None:
    from walletdesk.chat.live_models import LiveChat
    from walletdesk.tickets.models import Ticket

    url = asgi_live_server
    _agent, customer, secret = _setup()
    risk = _second_queue()
    record: Any = pending_top_up(customer.pk)
    desk_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        desk = desk_context.new_page()
        desk.set_default_timeout(15_000)
        _sign_in(desk, url, "13800138301", secret)
        desk.goto(f"{url}/desk/chats/")
        desk.select_option("#presence", "online")

        phone = phone_context.new_page()
        phone.set_default_timeout(15_000)
        _sign_in(phone, url, customer.login_name)
        phone.goto(f"{url}/support/chat/")
        phone.fill("#chat-input", "提现到银行卡要多久")
        phone.click("#chat-send")
        expect(phone.locator("li.chat-assistant").first).to_be_visible(timeout=30_000)
        phone.locator("#chat-handoff").click()
        desk.locator(".console-accept").click()
        expect(phone.locator("#chat")).to_have_attribute("data-state", "assigned")

        # A record from the customer 360, as a card.
        send_record = desk.locator(
            f"#customer-360 .c360-send-card[data-card-id='{record.object_public_id}']"
        )
        send_record.click()
        record_card = phone.locator("li.chat-agent .chat-card-record")
        expect(record_card).to_contain_text("充值")
        expect(record_card).to_contain_text("+¥2,000.00")
        expect(record_card).to_have_attribute("href", f"/records/top_up/{record.object_public_id}/")

        # A help article from agent assist, as a card.
        send_article = desk.locator("#assist-suggestions .assist-send-card").first
        slug = send_article.get_attribute("data-slug")
        assert slug
        send_article.click()
        article_card = phone.locator(f"li.chat-agent a.chat-card[href$='/{slug}/']")
        expect(article_card).to_have_count(1)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        # A ticket carrying the conversation.
        desk.locator("#console-handover summary").click()
        desk.get_by_role("button", name="从此会话建工单").click()
        number_link = desk.locator("#console-ticket-link")
        expect(number_link).to_have_text(re.compile(r"^WD-"))
        ticket = Ticket.objects.get()
        assert (number_link.text_content(), ticket.channel) == (ticket.number, "chat")
        assert number_link.get_attribute("href") == f"/desk/{ticket.number}/"

        # Handed on to the risk queue with a note the customer never sees.
        desk.select_option("#console-transfer-to", f"team:{risk.pk}")
        desk.fill("#console-transfer-note", "疑似盗刷，请核实设备")
        desk.get_by_role("button", name="转交", exact=True).click()
        expect(desk.locator("#console-status")).to_contain_text("已转交")
        expect(desk.locator("#console-chats .console-chat")).to_have_count(0)
        expect(desk.locator("#console-thread")).to_be_hidden()
        row = LiveChat.objects.get()
        assert (row.team_id, row.state, row.handover_note) == (
            risk.pk,
            "waiting",
            "疑似盗刷，请核实设备",
        )
        expect(phone.locator("li.chat-system").last).to_contain_text("转接")
        expect(phone.locator("#chat-thread")).not_to_contain_text("疑似盗刷")
    finally:
        desk_context.close()
        phone_context.close()
