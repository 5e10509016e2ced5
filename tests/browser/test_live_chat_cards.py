"""A record card in the live chat, in Chromium against the real ASGI server: the customer (phone
width) taps 「分享一笔记录」, picks their pending top-up from their latest records, and both the
customer and the agent in the console (another browser context) see the card with the record's
title, amount and status; the agent's card points at the record in the customer 360."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests.browser.test_live_chat import _setup, _sign_in
from walletdesk.tickets.tests.test_pages import pending_top_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_shares_a_record_and_the_agent_sees_the_card(
    browser: Browser, asgi_live_server: str
) -> None:
    url = asgi_live_server
    _agent, customer, secret = _setup()
    record: Any = pending_top_up(customer.pk)
    when = timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M")
    desk_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        desk = desk_context.new_page()
        desk.set_default_timeout(10_000)
        _sign_in(desk, url, "13800138301", secret)
        desk.goto(f"{url}/desk/chats/")
        desk.select_option("#presence", "online")

        phone = phone_context.new_page()
        phone.set_default_timeout(10_000)
        _sign_in(phone, url, customer.login_name)
        phone.goto(f"{url}/support/chat/")
        expect(phone.locator("#chat")).to_have_attribute("data-state", "bot")
        phone.locator("#chat-handoff").click()
        desk.locator(".console-accept").click()
        expect(phone.locator("#chat")).to_have_attribute("data-state", "assigned")

        phone.get_by_role("button", name="分享一笔记录").click()
        picker = phone.locator("#chat-records")
        expect(picker).to_be_visible()
        pick = picker.locator(f".chat-record-pick[data-id='{record.object_public_id}']")
        expect(pick).to_contain_text("充值")
        expect(pick).to_contain_text("+¥2,000.00")
        pick.click()
        expect(picker).to_be_hidden()

        mine = phone.locator("li.chat-customer .chat-card-record")
        expect(mine).to_have_count(1)
        expect(mine).to_contain_text("充值")
        expect(mine).to_contain_text("处理中")
        expect(mine).to_contain_text("金额: +¥2,000.00")
        expect(mine).to_have_attribute("href", f"/records/top_up/{record.object_public_id}/")
        expect(phone.locator("li.chat-customer.chat-pending")).to_have_count(0)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        seen = desk.locator("#console-messages .chat-card-record")
        expect(seen).to_have_count(1)
        expect(seen).to_contain_text("充值")
        expect(seen).to_contain_text(when)
        expect(seen).to_contain_text("+¥2,000.00")
        expect(seen).to_contain_text("处理中")
        expect(seen).to_have_attribute("data-record", str(record.object_public_id))
        # The card leads to the record in the customer 360 beside the thread.
        entry = desk.locator(f"#customer-360 li[data-record='{record.object_public_id}']")
        expect(entry).to_be_visible()
        seen.click()
        expect(entry).to_have_class("chat-card-target")
        # The customer 360 drawn again (a late load, an action's answer) keeps the mark.
        desk.evaluate(
            """() => new Promise((resolve) => {
              document.addEventListener("htmx:afterSwap", () => resolve(true), {once: true});
              const current = document.querySelector(".console-chat.is-current");
              document.getElementById("console").dispatchEvent(new CustomEvent("console:open",
                {detail: {conversation: current.dataset.conversation}}));
            })"""
        )
        expect(entry).to_have_class("chat-card-target")
    finally:
        desk_context.close()
        phone_context.close()
