"""The chat page in the wallet app and the agent's chat console: who gets in, what they show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from walletdesk.identity.enums import Role

pytestmark = pytest.mark.django_db
#: Session, user, the page's shell and the customer's latest records, however many.
QUERIES_OF_THE_CHAT_PAGE = 7


def test_the_chat_page_is_reachable_from_contact_support(customer_client: Client) -> None:
    home = customer_client.get("/support/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'href="/support/chat/"' in home.content.decode()
    page = customer_client.get("/support/chat/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-socket="/ws/chat/"' in body and "chat/chatlink.js" in body
    assert "cdn" not in body.lower()


def test_the_chat_page_needs_a_sign_in(client: Client) -> None:
    response = client.get("/support/chat/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_only_agents_and_above_open_the_console(
    user_factory: Callable[..., Any], customer_client: Client, django_assert_num_queries: Any
) -> None:
    assert customer_client.get("/desk/chats/").status_code == 403
    from walletdesk.chat import live_actions
    from walletdesk.chat.live_models import LiveChat
    from walletdesk.core.actors import Actor

    agent = user_factory(role=Role.AGENT)
    for _ in range(3):
        customer = Actor.customer(user_factory().pk)
        row = live_actions.open_chat(customer)
        LiveChat.objects.filter(conversation=row).update(state="assigned", agent=agent)
    client = Client()
    client.force_login(agent)
    # Session, user, permissions, presence, the chat list and the transfer targets (colleagues
    # online with their load, the queues): none per chat.
    with django_assert_num_queries(12):
        response = client.get("/desk/chats/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="presence"' in body and body.count('class="console-chat"') == 3


def test_the_chat_page_offers_the_customers_latest_records_to_share(
    customer: Any, customer_client: Client, django_assert_num_queries: Any
) -> None:
    from walletdesk.tickets.tests.test_pages import pending_top_up

    def page() -> str:
        with django_assert_num_queries(QUERIES_OF_THE_CHAT_PAGE):
            response = customer_client.get("/support/chat/")
        assert response.status_code == 200
        return response.content.decode()

    assert "你还没有可以分享的记录。" in page()
    records = [pending_top_up(customer.pk) for _ in range(12)]
    body = page()
    assert "分享一笔记录" in body
    # The 10 latest, newest first, each named by its kind and public id only.
    shown = [r for r in records if f'data-id="{r.object_public_id}"' in body]
    assert shown == records[2:] and body.count('class="chat-record-pick"') == 10
    assert 'data-kind="top_up"' in body and "+¥2,000.00" in body and "处理中" in body
