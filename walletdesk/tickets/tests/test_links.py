"""Tickets linked to a bank card, a device or a sign-in: only the customer's own can be linked,
and both the desk and the customer's page show them with their state now."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.identity.models import Device, LoginEvent
from walletdesk.payments import facade as payments_facade
from walletdesk.tickets import actions
from walletdesk.tickets.enums import EventKind, LinkKind
from walletdesk.tickets.errors import TicketRecordNotFoundError
from walletdesk.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit/605.1.15 Safari/604.1"


@pytest.fixture
def agent_client(user_factory: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(user_factory(role=Role.AGENT, display_name="客服小周"))
    return client


def sign_in(user: Any) -> Client:
    """A password sign-in through the login page, which records the device and the sign-in."""
    client = Client(HTTP_USER_AGENT=UA)
    response = client.post(
        "/account/login/", {"username": user.login_name, "password": "correct horse battery"}
    )
    assert response.status_code == 302, response.content[:300]
    return client


def own_objects(user: Any) -> dict[LinkKind, str]:
    sign_in(user)
    card = payments_facade.bind_customer_card(
        user_id=user.pk, number="4111111111111111", expiry="12/39", cvv="123"
    )
    device = Device.objects.get(user=user)
    login = LoginEvent.objects.get(user=user)
    return {
        LinkKind.CARD: card,
        LinkKind.DEVICE: str(device.public_id),
        LinkKind.LOGIN: str(login.pk),
    }


def open_about(user: Any, kind: LinkKind, object_id: str) -> Ticket:
    return actions.open_ticket(
        Actor.customer(user.pk),
        customer_id=user.pk,
        subject="这张卡/设备不是我的",
        body="我没有在这台设备上登录过，请帮我看看。",
        category="topup_not_arrived",
        records=[actions.RecordRef(kind, object_id)],
    )


@pytest.mark.parametrize("kind", [LinkKind.CARD, LinkKind.DEVICE, LinkKind.LOGIN])
def test_a_customer_links_their_own_card_device_or_sign_in(customer: Any, kind: LinkKind) -> None:
    object_id = own_objects(customer)[kind]
    ticket = open_about(customer, kind, object_id)
    assert list(ticket.links.values_list("kind", "object_id")) == [(kind.value, object_id)]
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=EventKind.LINKED, to_value=f"{kind.value}:{object_id}"
    ).exists()


@pytest.mark.parametrize("kind", [LinkKind.CARD, LinkKind.DEVICE, LinkKind.LOGIN])
def test_another_customers_card_device_or_sign_in_is_refused(
    customer: Any, user_factory: Callable[..., Any], kind: LinkKind
) -> None:
    theirs = own_objects(user_factory())[kind]
    own_objects(customer)
    with pytest.raises(TicketRecordNotFoundError):
        open_about(customer, kind, theirs)
    with pytest.raises(TicketRecordNotFoundError):
        open_about(customer, kind, "not-an-id")
    assert not Ticket.objects.exists()


def test_the_api_links_a_card_and_refuses_someone_elses(
    customer: Any, customer_client: Client, user_factory: Callable[..., Any]
) -> None:
    mine = own_objects(customer)[LinkKind.CARD]
    theirs = own_objects(user_factory())[LinkKind.CARD]

    def create(card: str) -> Any:
        return customer_client.post(
            "/api/v1/tickets",
            json.dumps(
                {
                    "subject": "银行卡问题",
                    "body": "这张卡绑不上",
                    "category": "topup_not_arrived",
                    "records": [{"kind": "card", "id": card}],
                }
            ),
            content_type="application/json",
        )

    refused = create(theirs)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ticket_record_not_found"
    assert not Ticket.objects.exists()
    created = create(mine)
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    records = customer_client.get(f"/api/v1/tickets/{number}").json()["records"]
    assert [(r["kind"], r["id"], r["status"], r["title"]) for r in records] == [
        ("card", mine, "active", "Visa •••• 1111")
    ]


def test_both_ticket_pages_show_card_device_and_sign_in_with_their_state_now(
    customer: Any, customer_client: Client, agent_client: Client
) -> None:
    mine = own_objects(customer)
    ticket = actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="有陌生设备登录",
        body="我没有在这台设备上登录过。",
        category="topup_not_arrived",
        records=[actions.RecordRef(kind, object_id) for kind, object_id in mine.items()],
    )
    # Removed after the ticket was opened: the pages show what the record is now.
    Device.objects.filter(public_id=mine[LinkKind.DEVICE]).update(forgotten_at=ticket.created_at)

    desk = agent_client.get(f"/desk/{ticket.number}/").content.decode()
    for kind, object_id in mine.items():
        assert f'data-record="{kind.value}:{object_id}"' in desk
    assert "Visa •••• 1111" in desk and "已绑定" in desk
    assert "Safari · iOS" in desk and "已移除" in desk
    assert "登录成功" in desk

    page = customer_client.get(f"/support/{ticket.number}/").content.decode()
    for kind, object_id in mine.items():
        assert f'data-record="{kind.value}:{object_id}"' in page
    assert "Visa •••• 1111" in page and "已移除" in page and "登录成功" in page


def test_the_desk_page_costs_one_query_per_kind_of_link_not_per_link(
    customer: Any, agent_client: Client
) -> None:
    sign_in(customer)
    cards = [
        payments_facade.bind_customer_card(
            user_id=customer.pk, number=number, expiry="12/39", cvv="123"
        )
        for number in ("4111111111111111", "5555555555554444", "4012888888881881")
    ]

    def ticket_about(ids: list[str]) -> str:
        return actions.open_ticket(
            Actor.customer(customer.pk),
            customer_id=customer.pk,
            subject="银行卡问题",
            body="卡片状态不对",
            category="topup_not_arrived",
            records=[actions.RecordRef(LinkKind.CARD, card) for card in ids],
        ).number

    one, three = ticket_about(cards[:1]), ticket_about(cards)
    agent_client.get(f"/desk/{one}/")
    with CaptureQueriesContext(connection) as for_one:
        assert agent_client.get(f"/desk/{one}/").status_code == 200
    with CaptureQueriesContext(connection) as for_three:
        page = agent_client.get(f"/desk/{three}/").content.decode()
    assert page.count('data-record="card:') == 3
    assert len(for_three) == len(for_one), [q["sql"] for q in for_three.captured_queries]
