"""Supervisors and the offer resync in Chromium. A supervisor signs in with the authenticator,
opens the live queues from the desk's menu and reassigns a chat (Chinese, 390 px). An agent's
console shows an offer that was only stored, its socket frame never sent (English, desktop)."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from tests.browser.test_console_360 import _agent_signs_in
from walletdesk.identity.enums import Role
from walletdesk.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _customer(phone: str) -> Any:
    from walletdesk.identity.models import User

    return User.objects.create_user(phone, PASSWORD, phone=phone, display_name="王芳")


def test_a_supervisor_reassigns_a_chat_at_phone_width(page: Page, live_server: Any) -> None:
    from walletdesk.chat.live_models import AgentPresence, ChatState, LiveChat
    from walletdesk.chat.models import Conversation
    from walletdesk.identity.models import User

    customer = _customer("+8613812340011")
    first = User.objects.create_user(
        "+8613800138311", PASSWORD, phone="+8613800138311", role=Role.AGENT, display_name="小周"
    )
    second = User.objects.create_user(
        "+8613800138312", PASSWORD, phone="+8613800138312", role=Role.AGENT, display_name="小王"
    )
    AgentPresence.objects.create(agent=first, status="online", max_chats=2)
    AgentPresence.objects.create(agent=second, status="online", max_chats=3)
    conversation = Conversation.objects.create(customer=customer, channel="live")
    LiveChat.objects.create(conversation=conversation, state=ChatState.ASSIGNED, agent=first)

    _agent_signs_in(page, live_server.url, "+8613800138313", Role.SUPERVISOR)

    page.goto(f"{live_server.url}/desk/")
    page.click("#nav-supervisor")
    page.wait_for_url("**/desk/console/supervisor/")
    assert page.locator("h1").inner_text() == "实时队列"
    assert "1 / 2" in page.locator(f"tr[data-agent='{first.pk}']").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    row = page.locator(f"li[data-conversation='{conversation.public_id}']")
    row.locator("select[name=to]").select_option(f"agent:{second.pk}")
    row.locator("input[name=note]").fill("客户是 VIP")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#board-flash")
    assert "已重新分配" in page.locator("#board-flash").inner_text()
    chat = LiveChat.objects.get(conversation=conversation)
    assert (chat.state, chat.offered_to_id) == (ChatState.OFFERED, second.pk)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason=(
        "the ASGI test server's threads share the in-memory SQLite database, whose tables lock "
        "under concurrent requests; this runs in the PostgreSQL + Redis pass"
    ),
)
def test_the_console_shows_an_offer_whose_frame_was_never_sent(
    browser: Browser, live_server: Any
) -> None:
    from tests.browser.helpers import choose_language
    from walletdesk.chat.live_models import ChatState, LiveChat
    from walletdesk.chat.models import Conversation

    customer = _customer("+8613812340012")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        agent, _secret = _agent_signs_in(page, live_server.url, "+8613800138314")
        page.goto(f"{live_server.url}/desk/chats/")
        if page.locator("html").get_attribute("lang") != "en":
            choose_language(page, "en")
        assert page.locator(".console-chat").count() == 0

        # Stored by the router, but no socket frame reaches this page (the layer dropped it).
        conversation = Conversation.objects.create(customer=customer, channel="live")
        LiveChat.objects.create(
            conversation=conversation,
            state=ChatState.OFFERED,
            offered_to=agent,
            offer_expires_at=timezone.now() + timedelta(seconds=60),
        )

        offer = page.locator(
            f"li.console-chat[data-conversation='{conversation.public_id}'] .console-accept"
        )
        offer.wait_for()  # the console's periodic resync brings it
        assert offer.inner_text() == "Accept"

        # The unified inbox above the desk's list counts it too.
        page.goto(f"{live_server.url}/desk/")
        page.wait_for_selector("#inbox-offers")
        assert page.locator("#inbox-offers").inner_text() == "1 offer"
        assert page.locator("#inbox-unassigned strong").inner_text() == "0"
    finally:
        context.close()
