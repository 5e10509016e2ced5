"""The chat console from the keyboard and its panels, in Chromium. An agent moves to a chat with
j, opens it with Enter, replies after r, ends it with e and accepts a waiting offer with a, never
touching the mouse (Chinese, desktop, over the real socket). Agent assist shows what the customer
wants and inserting a suggestion fills the reply box without sending it; n opens the internal
note (English)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_console_360 import _agent_signs_in
from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _customer(phone: str, language: str = "zh-hans") -> Any:
    from walletdesk.identity.models import User

    return User.objects.create_user(
        phone, PASSWORD, phone=phone, display_name="王芳", preferred_language=language
    )


def _assigned_chat(customer: Any, agent: Any, text: str, *, intent: str = "") -> str:
    """A live chat the agent holds, with the customer's message (and the assistant's answer
    before the handoff, when `intent` is given). Returns its public id."""
    from walletdesk.chat import facade as chat
    from walletdesk.chat.live_models import ChatState, LiveChat
    from walletdesk.chat.models import Conversation
    from walletdesk.core.actors import Actor

    conversation = Conversation.objects.create(customer=customer, channel="live")
    LiveChat.objects.create(conversation=conversation, state=ChatState.ASSIGNED, agent=agent)
    chat.post_message(Actor.customer(customer.pk), conversation.public_id, body=text)
    if intent:
        chat.post_message(
            Actor.assistant(),
            conversation.public_id,
            body="……",
            payload={"intent": intent, "confidence": 0.91},
        )
    return str(conversation.public_id)


def _offered_chat(customer: Any, agent: Any) -> str:
    from datetime import timedelta

    from django.utils import timezone

    from walletdesk.chat.live_models import ChatState, LiveChat
    from walletdesk.chat.models import Conversation

    conversation = Conversation.objects.create(customer=customer, channel="live")
    LiveChat.objects.create(
        conversation=conversation,
        state=ChatState.OFFERED,
        offered_to=agent,
        offer_expires_at=timezone.now() + timedelta(minutes=5),
    )
    return str(conversation.public_id)


def test_an_agent_moves_to_a_chat_replies_and_ends_it_with_the_keyboard_only(
    browser: Browser, asgi_live_server: str
) -> None:
    from walletdesk.chat.live_models import ChatState, LiveChat
    from walletdesk.chat.models import Message

    url = asgi_live_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        agent, _secret = _agent_signs_in(page, url, "+8613800138321")
        customer = _customer("+8613812340021")
        offered = _offered_chat(customer, agent)
        older = _assigned_chat(customer, agent, "我的提现三天还没到账")
        newer = _assigned_chat(customer, agent, "充值500块没到账")

        page.goto(f"{url}/desk/chats/")
        # The newest chat opens by itself once the socket has joined the agent's chats.
        expect(page.locator("#console-title")).to_have_text(newer[:8])
        expect(page.locator("#console-messages")).to_contain_text("充值500块没到账")

        page.keyboard.press("?")
        help_box = page.locator("#console-keys-help")
        expect(help_box).to_be_visible()
        expect(help_box).to_contain_text("列表中的下一个 / 上一个会话")
        page.keyboard.press("Escape")
        expect(help_box).to_be_hidden()

        page.keyboard.press("j")
        expect(page.locator(f"li.console-chat[data-conversation='{older}']")).to_have_class(
            re.compile("is-highlighted")
        )
        page.keyboard.press("Enter")
        expect(page.locator("#console-title")).to_have_text(older[:8])
        expect(page.locator("#console-messages")).to_contain_text("我的提现三天还没到账")

        page.keyboard.press("r")
        reply = page.locator("#console-input")
        expect(reply).to_be_focused()
        # While typing, letters are text, not shortcuts; Escape leaves the box.
        page.keyboard.type("e")
        expect(reply).to_have_value("e")
        page.keyboard.press("Backspace")
        page.keyboard.type("您好，我来帮您查这笔提现")
        page.keyboard.press("Enter")
        expect(page.locator("#console-messages li.chat-agent p")).to_have_text(
            "您好，我来帮您查这笔提现"
        )
        page.keyboard.press("Escape")
        expect(reply).not_to_be_focused()

        page.once("dialog", lambda dialog: dialog.accept())
        page.keyboard.press("e")
        expect(page.locator("#console-messages li.chat-system")).to_contain_text("本次会话已结束")
        assert LiveChat.objects.get(conversation__public_id=older).state == ChatState.ENDED
        assert LiveChat.objects.get(conversation__public_id=newer).state == ChatState.ASSIGNED
        assert list(
            Message.objects.filter(conversation__public_id=older, author_kind="agent").values_list(
                "body", flat=True
            )
        ) == ["您好，我来帮您查这笔提现"]

        # a accepts the offer waiting in the list, which then opens.
        page.keyboard.press("a")
        expect(page.locator("#console-title")).to_have_text(offered[:8])
        chat = LiveChat.objects.get(conversation__public_id=offered)
        assert (chat.state, chat.agent_id) == (ChatState.ASSIGNED, agent.pk)
        page.goto("about:blank")
    finally:
        context.close()


def test_agent_assist_shows_the_intent_and_a_suggestion_fills_the_reply_box(
    browser: Browser, live_server: Any
) -> None:
    from tests.browser.helpers import choose_language
    from walletdesk.chat.models import Message
    from walletdesk.console.models import ChatNote

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page: Page = context.new_page()
        page.set_default_timeout(10_000)
        agent, _secret = _agent_signs_in(page, live_server.url, "+8613800138322")
        customer = _customer("+8613812340022", "en")
        conversation = _assigned_chat(
            customer, agent, "I topped up 500 yuan and it never arrived", intent="topup_not_arrived"
        )

        page.goto(f"{live_server.url}/desk/chats/")
        if page.locator("html").get_attribute("lang") != "en":
            choose_language(page, "en")
        page.click(f"li.console-chat[data-conversation='{conversation}'] .console-open")
        intent = page.locator("#assist-intent")
        # The panel loads beside the customer 360 through the test server, one request at a time.
        expect(intent).to_have_text("Top-up not arrived", timeout=20_000)
        expect(page.locator("#assist-summary")).to_contain_text(
            "I topped up 500 yuan and it never arrived"
        )
        first = page.locator("#assist-suggestions .assist-suggestion").first
        expect(first).to_have_attribute("data-kind", "macro")
        text = first.locator(".assist-insert").get_attribute("data-text") or ""
        assert text
        first.locator(".assist-insert").click()
        reply = page.locator("#console-input")
        expect(reply).to_have_value(text)
        expect(reply).to_be_focused()
        # Inserting never sends: the thread still has the customer's and the assistant's only.
        assert Message.objects.filter(conversation__public_id=conversation).count() == 2

        # n opens the internal note; Enter adds it beside the thread, never to the customer.
        # The notes panel loads after the assist panel on the test server: as an agent would,
        # press n once it is there.
        expect(page.locator("#console-note")).to_be_attached()
        page.keyboard.press("Escape")
        page.keyboard.press("n")
        note = page.locator("#console-note")
        expect(note).to_be_focused()
        page.keyboard.type("Asked for the bank reference")
        page.keyboard.press("Enter")
        expect(page.locator("#console-notes-list")).to_contain_text("Asked for the bank reference")
        assert ChatNote.objects.get().body == "Asked for the bank reference"
        assert Message.objects.filter(conversation__public_id=conversation).count() == 2
        page.goto("about:blank")
    finally:
        context.close()
