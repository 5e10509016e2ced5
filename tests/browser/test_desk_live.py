"""The desk follows the live chats in Chromium, against the real ASGI server (HTTP and the event
socket): a customer asks for a person in another browser context, and without a reload the
agent's ticket list shows the offer as a row (which opens it in the chat console), and the
supervisor's live-queues board shows the chat waiting (Chinese)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_live_chat import _sign_in
from walletdesk.identity import totp
from walletdesk.identity.enums import Role
from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _team() -> Any:
    from walletdesk.tickets.models import BusinessCalendar, Team

    return Team.objects.create(
        name="chat-desk",
        title_zh="在线客服",
        title_en="Live chat",
        calendar=BusinessCalendar.objects.get(name="24x7"),
        position=1,
    )


def _staff(phone: str, role: str) -> tuple[Any, str]:
    from walletdesk.identity.models import TotpDevice, User

    user = User.objects.create_user(phone, PASSWORD, phone=phone, role=role, display_name="小周")
    secret = totp.new_secret()
    TotpDevice.objects.create(user=user, secret=secret, confirmed_at=timezone.now())
    return user, secret


def _in_a_thread(work: Callable[..., object], *args: object) -> None:
    from django.db import connection

    failures: list[BaseException] = []

    def run() -> None:
        try:
            work(*args)
        except BaseException as failure:
            failures.append(failure)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():
        raise AssertionError("the database work in a thread did not finish within 60 s")
    if failures:
        raise failures[0]


def _desk(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _customer_asks_for_a_person(browser: Browser, url: str) -> BrowserContext:
    from walletdesk.identity.models import User

    customer = User.objects.create_user(
        "+8613800138402", PASSWORD, phone="+8613800138402", display_name="王芳"
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    _sign_in(phone, url, customer.login_name)
    phone.goto(f"{url}/support/")
    phone.click("#start-chat")
    phone.wait_for_url("**/support/chat/")
    phone.fill("#chat-input", "我的提现三天还没到账")
    phone.click("#chat-send")
    expect(phone.locator("li.chat-customer")).to_have_text("我的提现三天还没到账")
    # The assistant answers first; its first answer in a fresh server process loads the
    # language model, which takes longer than a page's default wait on a busy machine.
    handoff = phone.locator("li.chat-system button[data-quick=handoff]")
    expect(handoff).to_be_visible(timeout=30_000)
    handoff.click()
    expect(phone.locator("#chat-status")).to_contain_text("第 1 位")
    return context


def test_an_offered_chat_appears_as_a_row_of_the_agents_list_without_a_reload(
    browser: Browser, asgi_live_server: str
) -> None:
    from walletdesk.chat import live_actions
    from walletdesk.core.actors import Actor
    from walletdesk.tickets.models import TeamMembership

    url = asgi_live_server
    agent, secret = _staff("+8613800138401", Role.AGENT)
    TeamMembership.objects.create(team=_team(), agent=agent)
    # Playwright's sync API runs an event loop in this thread, where the event sent after commit
    # (async_to_sync) cannot go out: set the presence from a thread of its own, as a request does.
    _in_a_thread(live_actions.set_presence, Actor.agent(agent.pk), "online")
    desk_context, desk = _desk(browser)
    phone_context = None
    try:
        _sign_in(desk, url, "13800138401", secret)
        desk.goto(f"{url}/desk/")
        expect(desk.locator("html")).to_have_attribute("data-live-state", "ready")
        expect(desk.locator("#inbox-strip")).to_be_visible()
        expect(desk.locator("#desk-chats tr")).to_have_count(0)
        desk.evaluate("window.stillTheSamePage = true")

        phone_context = _customer_asks_for_a_person(browser, url)

        row = desk.locator("#desk-chats tr[data-state=offered]")
        # At once on the desk.inbox event; the 15 s re-read would bring it too.
        expect(row).to_have_count(1, timeout=20_000)
        expect(row.locator(".desk-chat-channel")).to_have_text("在线聊天")
        expect(row).to_contain_text("新会话待接入")
        expect(row).to_contain_text("王芳")
        # The chat row comes before the ticket rows, in the same table.
        assert desk.locator("#desk-list tbody").first.get_attribute("id") == "desk-chats"
        expect(desk.locator("#inbox-offers")).to_have_text("1 个待接入")
        assert desk.evaluate("window.stillTheSamePage") is True

        conversation = row.get_attribute("data-chat")
        row.locator("a[data-open]").click()
        desk.wait_for_url(f"**/desk/chats/?c={conversation}")
        accept = desk.locator(
            f"li.console-chat[data-conversation='{conversation}'] .console-accept"
        )
        expect(accept).to_be_focused()
        # Leave the polling pages before the contexts close.
        desk.goto("about:blank")
    finally:
        desk_context.close()
        if phone_context is not None:
            phone_context.close()


def test_a_new_waiting_chat_appears_on_the_supervisors_board_without_a_reload(
    browser: Browser, asgi_live_server: str
) -> None:
    url = asgi_live_server
    _team()
    _supervisor, secret = _staff("+8613800138403", Role.SUPERVISOR)
    board_context, board = _desk(browser)
    phone_context = None
    try:
        _sign_in(board, url, "13800138403", secret)
        board.goto(f"{url}/desk/console/supervisor/")
        expect(board.locator("html")).to_have_attribute("data-live-state", "ready")
        expect(board.locator("#board-chats")).to_contain_text("当前没有进行中的会话")
        board.evaluate("window.stillTheSamePage = true")

        # Nobody is online: the chat waits in the team's queue.
        phone_context = _customer_asks_for_a_person(browser, url)

        waiting = board.locator("#board-chats li[data-state=waiting]")
        expect(waiting).to_have_count(1)
        expect(board.locator("#board-queues tr[data-team='在线客服'] .q-waiting")).to_have_text("1")
        assert board.evaluate("window.stillTheSamePage") is True
        board.goto("about:blank")
    finally:
        board_context.close()
        if phone_context is not None:
            phone_context.close()
