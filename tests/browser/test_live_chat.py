"""The live chat in Chromium, two browser contexts against the real ASGI server: a customer opens
the chat from Contact support, writes, asks for a person; an agent in the console (another
context) goes online, accepts the offer, sees the message and replies; the customer sees the
reply. Then the customer's page reloads and shows the same conversation, nothing doubled."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from walletdesk.identity import totp
from walletdesk.identity.enums import Role
from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _setup() -> tuple[Any, Any, str]:
    from walletdesk.identity.models import TotpDevice, User
    from walletdesk.tickets.models import BusinessCalendar, Team, TeamMembership

    team = Team.objects.create(
        name="chat-desk",
        title_zh="在线客服",
        title_en="Live chat",
        calendar=BusinessCalendar.objects.get(name="24x7"),
        position=1,
    )
    agent = User.objects.create_user(
        "+8613800138301", PASSWORD, phone="+8613800138301", role=Role.AGENT, display_name="客服小周"
    )
    secret = totp.new_secret()
    TotpDevice.objects.create(user=agent, secret=secret, confirmed_at=timezone.now())
    TeamMembership.objects.create(team=team, agent=agent)
    customer = User.objects.create_user(
        "+8613800138302", PASSWORD, phone="+8613800138302", display_name="王芳"
    )
    return agent, customer, secret


def _sign_in(page: Page, url: str, login: str, secret: str | None = None) -> None:
    page.goto(f"{url}/account/login/")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    if secret is not None:
        page.wait_for_url("**/account/login/verify/")
        page.fill("input[name=code]", totp.code_at(secret, totp.current_step()))
        page.locator("form button[type=submit]").click()
        page.wait_for_url(f"{url}/account/staff/")
    else:
        page.wait_for_load_state("networkidle")


def test_a_customer_asks_for_a_person_and_an_agent_answers(
    browser: Browser, asgi_live_server: str
) -> None:
    url = asgi_live_server
    _agent, customer, secret = _setup()
    desk_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        desk = desk_context.new_page()
        desk.set_default_timeout(10_000)
        _sign_in(desk, url, "13800138301", secret)
        desk.goto(f"{url}/desk/chats/")
        expect(desk.locator("h1")).to_have_text("在线会话")
        desk.select_option("#presence", "online")

        phone = phone_context.new_page()
        phone.set_default_timeout(10_000)
        _sign_in(phone, url, customer.login_name)
        phone.goto(f"{url}/support/")
        phone.click("#start-chat")
        phone.wait_for_url("**/support/chat/")
        expect(phone.locator("#chat")).to_have_attribute("data-state", "bot")
        phone.fill("#chat-input", "我的提现三天还没到账")
        phone.click("#chat-send")
        expect(phone.locator("li.chat-customer")).to_have_text("我的提现三天还没到账")
        expect(phone.locator("li.chat-system").first).to_contain_text("转人工")
        phone.locator("li.chat-system button[data-quick=handoff]").click()
        expect(phone.locator("#chat-status")).to_contain_text("第 1 位")
        # At phone width the chat never scrolls sideways.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        desk.locator(".console-accept").click()
        expect(desk.locator("#console-messages")).to_contain_text("我的提现三天还没到账")
        desk.fill("#console-input", "您好，我来帮您查这笔提现")
        desk.click("#console-send")

        expect(phone.locator("li.chat-agent")).to_have_text("您好，我来帮您查这笔提现")
        expect(phone.locator("#chat-status")).to_have_text("人工客服正在为你服务。")
        # The agent's console read the customer's message: the receipt reached the phone.
        expect(phone.locator("li.chat-customer")).to_have_attribute("data-read", "已读")

        # A reload finds the same conversation and shows each message once.
        phone.reload()
        expect(phone.locator("li.chat-agent")).to_have_text("您好，我来帮您查这笔提现")
        expect(phone.locator("li.chat-customer")).to_have_count(1)
    finally:
        desk_context.close()
        phone_context.close()
