"""The customer's chat page in Chromium through what a phone on a train sees: the connection drops
and comes back, the server process restarts, and the agent freezes the account. The page keeps
every message exactly once (what it sent while cut off goes out once it is back, and what the
agent wrote meanwhile arrives), and a freeze closes the chat at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from walletdesk.chat import live_actions
from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.chat.models import Message
from walletdesk.chat.tests.conftest import AsgiServer
from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(transactional_db: None) -> Iterator[AsgiServer]:
    """The app served by uvicorn on a fixed port, so that it can be stopped and started again
    as a restarted process would be."""
    running = AsgiServer()
    running.start()
    try:
        yield running
    finally:
        if running.server is not None:
            running.stop()
        connections.close_all()


def _people() -> tuple[Any, Any, str]:
    from walletdesk.identity.models import User

    customer = User.objects.create_user(
        "+8613800138402", PASSWORD, phone="+8613800138402", display_name="李雷"
    )
    agent = User.objects.create_user(
        "+8613800138401", PASSWORD, phone="+8613800138401", role=Role.AGENT, display_name="小周"
    )
    conversation = str(live_actions.open_chat(Actor.customer(customer.pk)).public_id)
    LiveChat.objects.filter(conversation__public_id=conversation).update(
        state=ChatState.ASSIGNED, agent_id=agent.pk, assigned_at=timezone.now()
    )
    return customer, agent, conversation


def _open_chat(page: Page, url: str, login: str) -> None:
    page.goto(f"{url}/account/login/")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{url}/support/chat/")
    expect(page.locator("#chat")).to_have_attribute("data-state", "assigned")


def _elsewhere(work: Callable[[], Any]) -> Any:
    """`work` in a thread of its own, as another process would do it: Playwright's sync API
    keeps an event loop in the test's thread, where the actions' after-commit signals cannot
    be sent."""

    def in_thread() -> Any:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


def _agent_writes(agent: Any, conversation: str, text: str, client_id: str) -> None:
    _elsewhere(
        lambda: live_actions.send_message(
            Actor.agent(agent.pk), conversation, text=text, client_id=client_id, answer=False
        )
    )


def _write(page: Page, text: str) -> None:
    page.fill("#chat-input", text)
    page.click("#chat-send")


def _stored(conversation: str) -> list[str]:
    return list(
        Message.objects.filter(conversation__public_id=conversation)
        .order_by("seq")
        .values_list("body", flat=True)
    )


def test_the_chat_page_loses_and_doubles_nothing_through_a_drop_and_a_server_restart(
    browser: Browser, server: AsgiServer
) -> None:
    customer, agent, conversation = _elsewhere(_people)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    sockets: list[WebSocketRoute] = []

    def through_the_network(ws: WebSocketRoute) -> None:
        # Every chat socket passes here on its way to the server, so the test can cut one.
        ws.connect_to_server()
        sockets.append(ws)

    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.route_web_socket(re.compile(r".*/ws/chat/$"), through_the_network)
        _open_chat(page, server.url, customer.login_name)
        _write(page, "我的提现还没到账")
        expect(page.locator("li.chat-customer")).to_have_text(["我的提现还没到账"])
        _agent_writes(agent, conversation, "您好，我来查一下", "a1")
        expect(page.locator("li.chat-agent")).to_have_text(["您好，我来查一下"])

        # The connection drops (a tunnel): the page says so and keeps what is typed meanwhile.
        opened = len(sockets)
        sockets[-1].close(code=1006)
        expect(page.locator("#chat-status")).to_have_class(re.compile("chat-offline"))
        _write(page, "断线时写的")
        _agent_writes(agent, conversation, "查到了，正在处理", "a2")
        # Back: it reconnects, sends its message once and receives the agent's.
        expect(page.locator("li.chat-agent")).to_have_text(["您好，我来查一下", "查到了，正在处理"])
        expect(page.locator("li.chat-customer")).to_have_text(["我的提现还没到账", "断线时写的"])
        assert len(sockets) > opened

        # The server process restarts mid-conversation.
        server.stop()
        expect(page.locator("#chat-status")).to_have_class(re.compile("chat-offline"))
        _write(page, "服务重启时写的")
        _agent_writes(agent, conversation, "重启期间的回复", "a3")
        server.start()
        expect(page.locator("li.chat-agent")).to_have_text(
            ["您好，我来查一下", "查到了，正在处理", "重启期间的回复"]
        )
        expect(page.locator("li.chat-customer")).to_have_text(
            ["我的提现还没到账", "断线时写的", "服务重启时写的"]
        )
        expect(page.locator("#chat-status")).not_to_have_class(re.compile("chat-offline"))

        # What the database holds: each message exactly once (a message written while cut off
        # is stored when the page is back, after the agent's of the same outage).
        assert sorted(_stored(conversation)) == sorted(
            [
                "我的提现还没到账",
                "您好，我来查一下",
                "断线时写的",
                "查到了，正在处理",
                "服务重启时写的",
                "重启期间的回复",
            ]
        )
        # A reload shows the same conversation, nothing twice.
        page.reload()
        expect(page.locator("li.chat-customer")).to_have_count(3)
        expect(page.locator("li.chat-agent")).to_have_count(3)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_an_agent_freezing_the_account_closes_the_customers_chat_at_once(
    browser: Browser, server: AsgiServer
) -> None:
    from walletdesk.identity import facade as identity

    customer, agent, _conversation = _elsewhere(_people)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        _open_chat(page, server.url, customer.login_name)
        _write(page, "Someone is using my account")
        expect(page.locator("li.chat-customer")).to_have_text(["Someone is using my account"])

        # What the console's freeze runs once its checks pass (console.actions._execute).
        _elsewhere(
            lambda: identity.emergency_freeze_for_customer(
                customer.pk, source="console", actor=Actor.agent(agent.pk)
            )
        )
        expect(page.locator("#chat-status")).to_have_text(
            "You have been signed out. Sign in again to keep chatting."
        )
        # Closed for good (4401): nothing more goes out from this page.
        _write(page, "still there?")
        page.wait_for_timeout(1500)
        assert "still there?" not in [
            m.body for m in Message.objects.filter(conversation__customer_id=customer.pk)
        ]
    finally:
        context.close()
