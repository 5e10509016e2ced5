"""Console fixtures: a customer with a real wallet history (money moved through the payments
actions, a stuck top-up on the sandbox rail, a refused payment), a ticket and a live chat, and
staff clients that signed in and confirmed their second factor as on the real pages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, TestCase

from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.chat.models import Conversation
from walletdesk.core.actors import Actor
from walletdesk.core.money import Money
from walletdesk.identity.enums import LoginResult, Role
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import LoginEvent
from walletdesk.identity.tests.conftest import PASSWORD, CommitClient, last_code
from walletdesk.payments import wallets
from walletdesk.payments.models import TopUp
from walletdesk.payments.rails import sandbox
from walletdesk.payments.tests.factories import credit_wallet, make_merchant
from walletdesk.payments.topups import create_top_up
from walletdesk.tickets import actions as ticket_actions

PAY_PASSWORD = "258036"


@pytest.fixture(autouse=True)
def _instant_rail(settings: Any) -> None:
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "SANDBOX_RAIL_LATENCY_SECONDS": 0,
        "SANDBOX_CALLBACK_BASE_URL": "",
        "SANDBOX_RAIL_FORCE_MODE": "",
    }


def pay(customer: Any, amount: str, key: str | None = None) -> Any:
    client = Client()
    client.force_login(customer)
    shop = make_merchant()
    return client.post(
        "/api/v1/payments",
        json.dumps(
            {"merchant_id": str(shop.public_id), "amount": amount, "payment_password": PAY_PASSWORD}
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex,
    )


def stuck_top_up(customer: Any, amount: str = "300.00") -> TopUp:
    with sandbox.force_mode("awaiting_requery"), TestCase.captureOnCommitCallbacks(execute=True):
        outcome = create_top_up(
            user_id=customer.pk,
            kyc_level=0,
            amount=amount,
            currency="CNY",
            method="third_party_wallet",
            card_id=None,
            idempotency_key=uuid.uuid4().hex,
        )
    return TopUp.objects.get(public_id=outcome.body["id"])


def chat_with(customer: Any, agent: Any | None = None, **live: Any) -> Conversation:
    conversation = Conversation.objects.create(customer=customer, channel="live")
    LiveChat.objects.create(
        conversation=conversation,
        state=ChatState.ASSIGNED if agent is not None else ChatState.ENDED,
        agent=agent,
        **live,
    )
    return conversation


def add_history(customer: Any, n: int) -> None:
    """`n` more of everything the panel lists."""
    for i in range(n):
        assert pay(customer, f"{i + 1}.00").status_code == 201
        stuck_top_up(customer, f"{i + 10}.00")
        LoginEvent.objects.create(user=customer, result=LoginResult.FAILED, new_device=True)
        ticket_actions.open_ticket(
            Actor.customer(customer.pk),
            customer_id=customer.pk,
            subject=f"问题 {i}",
            body="钱没到账",
            category="topup_not_arrived",
        )
        chat_with(customer, csat_score=4)
    # A refused payment: more than the balance.
    assert pay(customer, "5000.00").status_code >= 400


@pytest.fixture
def customer(user_factory: Callable[..., Any]) -> Any:
    user = user_factory(display_name="王芳", phone="+8613812341234")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(2_000_00, "CNY"))
    set_payment_password(user.pk, PAY_PASSWORD)
    return user


@pytest.fixture
def agent(user_factory: Callable[..., Any]) -> Any:
    return user_factory(role=Role.AGENT, display_name="客服小周")


def staff_client(user: Any, *, stepped_up: bool = True) -> Client:
    client = CommitClient()
    client.force_login(user)
    if stepped_up:
        assert client.post("/account/security/verify/send/").status_code == 200
        response = client.post(
            "/account/security/verify/",
            {"password": PASSWORD, "method": "code", "code": last_code(user.phone)},
        )
        assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def agent_client(agent: Any) -> Client:
    return staff_client(agent)
