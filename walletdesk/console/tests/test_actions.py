"""Safe actions from the console: the role's permission (a refusal is audited), a reason code, a
fresh second factor for the sensitive ones, four eyes at or above the threshold, executed exactly
once, audited with the agent as actor and noted on the workspace (and the ticket's timeline)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from walletdesk.console.models import ConsoleAction
from walletdesk.console.tests.conftest import chat_with, pay, staff_client, stuck_top_up
from walletdesk.core.actors import Actor
from walletdesk.identity import approvals
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.enums import Role
from walletdesk.identity.models import ApprovalRequest, AuditEvent, UnfreezeRequest, User
from walletdesk.ledger.facade import wallet_balances
from walletdesk.payments import wallets
from walletdesk.payments.models import Refund
from walletdesk.tickets import actions as ticket_actions
from walletdesk.tickets.enums import Visibility
from walletdesk.tickets.models import TicketMessage

pytestmark = pytest.mark.django_db
META = RequestMeta(ip="10.0.0.9", user_agent="console")


def _act(client: Client, conversation: Any, key: str, **fields: str) -> Any:
    return client.post(
        "/desk/console/actions/",
        {"conversation": str(conversation.public_id), "key": key, **fields},
    )


def _cny(user_id: int) -> int:
    return next(b.posted.minor for b in wallet_balances(user_id) if b.currency == "CNY")


def test_an_emergency_freeze_needs_a_reason_and_a_fresh_second_factor_and_runs_once(
    customer: Any, agent: Any
) -> None:
    conversation = chat_with(customer, agent)
    stale = _act(
        staff_client(agent, stepped_up=False),
        conversation,
        "k1",
        action="freeze",
        reason="customer_lost_phone",
    )
    assert stale.status_code == 403 and b'data-error-code="step_up_required"' in stale.content
    client = staff_client(agent)
    no_reason = _act(client, conversation, "k2", action="freeze", reason="because")
    assert no_reason.status_code == 400
    assert b'data-error-code="console_reason_required"' in no_reason.content
    customer.refresh_from_db()
    assert customer.frozen_at is None and not ConsoleAction.objects.exists()

    for _ in range(2):  # a double click: the same form's key
        done = _act(client, conversation, "k3", action="freeze", reason="customer_lost_phone")
        assert done.status_code == 200 and b'id="c360-flash"' in done.content

    assert User.objects.get(pk=customer.pk).frozen_at is not None
    row = ConsoleAction.objects.get()
    assert (row.kind, row.outcome, row.agent_id, row.conversation) == (
        "freeze",
        "done",
        agent.pk,
        str(conversation.public_id),
    )
    freezes = AuditEvent.objects.filter(action="freeze", subject_id=customer.pk)
    assert [(e.actor_id, e.actor_type) for e in freezes] == [(agent.pk, "staff")]
    [audited] = AuditEvent.objects.filter(action="console_action", subject_id=customer.pk)
    assert audited.actor_id == agent.pk and audited.data["what"] == "freeze"
    # The internal note shows in the workspace's panel, never in the customer's messages.
    panel = client.get(f"/desk/console/chats/{conversation.public_id}/customer/").content
    assert b'data-action="freeze"' in panel and b'id="c360-frozen"' in panel
    assert not conversation.messages.exists()


def test_an_agent_without_the_permission_is_refused_and_audited(
    customer: Any, user_factory: Any
) -> None:
    agent = user_factory(role=Role.AGENT)
    conversation = chat_with(customer, agent)
    group = Group.objects.get(name="agent")
    group.permissions.remove(
        *group.permissions.filter(codename__in=["freeze_customer", "refund_payment"])
    )
    agent = User.objects.get(pk=agent.pk)  # drop the cached permissions
    client = staff_client(agent)
    refused = _act(client, conversation, "k1", action="freeze", reason="customer_lost_phone")
    assert refused.status_code == 403
    assert b'data-error-code="permission_denied"' in refused.content
    payment = pay(customer, "8.00").json()["id"]
    refund = _act(
        client,
        conversation,
        "k2",
        action="refund",
        reason="goodwill",
        payment=payment,
        amount="3.00",
    )
    assert refund.status_code == 403
    customer.refresh_from_db()
    assert customer.frozen_at is None and not Refund.objects.exists()
    denied = AuditEvent.objects.filter(actor_id=agent.pk, action="access_denied")
    assert {e.data.get("permission") for e in denied} == {
        "console.freeze_customer",
        "identity.refund_payment",
    }
    assert not ConsoleAction.objects.exists()


def test_a_small_refund_runs_at_once_and_exactly_once(customer: Any, agent: Any) -> None:
    payment = pay(customer, "8.00").json()["id"]
    conversation = chat_with(customer, agent)
    client = staff_client(agent)
    before = _cny(customer.pk)
    for _ in range(2):
        response = _act(
            client,
            conversation,
            "refund-1",
            action="refund",
            reason="goodwill",
            payment=payment,
            amount="3.00",
            note="缺货",
        )
        assert response.status_code == 200, response.content[:400]
    refund = Refund.objects.get()
    assert refund.requested_by == f"agent:{agent.pk}"
    assert _cny(customer.pk) == before + 3_00
    assert ConsoleAction.objects.get().outcome == "done"


def test_a_large_refund_waits_for_a_second_approver_and_runs_once(
    customer: Any, agent: Any, user_factory: Any
) -> None:
    payment = pay(customer, "800.00").json()["id"]
    conversation = chat_with(customer, agent)
    response = _act(
        staff_client(agent),
        conversation,
        "refund-big",
        action="refund",
        reason="merchant_agreed",
        payment=payment,
        amount="600.00",
    )
    assert response.status_code == 200
    row = ConsoleAction.objects.get()
    assert row.outcome == "waiting" and row.approval
    assert not Refund.objects.exists()
    approval = ApprovalRequest.objects.get(public_id=row.approval)
    assert (approval.kind, approval.status, approval.requested_by_id) == (
        "refund",
        "requested",
        agent.pk,
    )
    # The requester cannot approve their own request.
    with pytest.raises(Exception, match="permission_denied"):
        approvals.approve(approval.public_id, agent, decision_reason="checked", meta=META)
    senior = user_factory(role=Role.SENIOR_AGENT)
    approvals.approve(approval.public_id, senior, decision_reason="checked", meta=META)
    with pytest.raises(Exception, match="invalid_state_transition"):
        approvals.approve(approval.public_id, senior, decision_reason="checked", meta=META)
    refund = Refund.objects.get()
    assert refund.requested_by == f"agent:{senior.pk}"


def test_re_query_settles_a_stuck_top_up_and_notes_the_ticket(customer: Any, agent: Any) -> None:
    top_up = stuck_top_up(customer, "300.00")
    ticket = ticket_actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="充值没到账",
        body="……",
        category="topup_not_arrived",
    )
    before = _cny(customer.pk)
    response = staff_client(agent, stepped_up=False).post(
        "/desk/console/actions/",
        {
            "ticket": ticket.number,
            "key": "rq-1",
            "action": "requery",
            "reason": "customer_asks_status",
            "kind_of_record": "top_up",
            "id": str(top_up.public_id),
        },
    )
    assert response.status_code == 200, response.content[:400]
    top_up.refresh_from_db()
    assert top_up.status == "succeeded" and _cny(customer.pk) == before + 300_00
    row = ConsoleAction.objects.get()
    assert row.result["status"] == "succeeded" and row.ticket_number == ticket.number
    note = TicketMessage.objects.get(ticket__number=ticket.number, visibility=Visibility.INTERNAL)
    assert note.author_id == agent.pk


def test_another_customers_record_is_not_found(
    customer: Any, agent: Any, user_factory: Any
) -> None:
    other = user_factory()
    wallets.open_wallet(other.pk)
    top_up = stuck_top_up(other)
    conversation = chat_with(customer, agent)
    response = _act(
        staff_client(agent, stepped_up=False),
        conversation,
        "rq-2",
        action="requery",
        reason="overdue",
        kind_of_record="top_up",
        id=str(top_up.public_id),
    )
    assert response.status_code == 404
    top_up.refresh_from_db()
    assert top_up.status == "pending"


def test_an_unfreeze_asked_by_an_agent_needs_two_other_approvers(
    customer: Any, agent: Any, user_factory: Any
) -> None:
    conversation = chat_with(customer, agent)
    client = staff_client(agent)
    _act(client, conversation, "f", action="freeze", reason="customer_lost_phone")
    response = _act(client, conversation, "u", action="unfreeze", reason="phone_recovered")
    assert response.status_code == 200
    request = UnfreezeRequest.objects.get()
    assert request.approval is not None and request.approval.requested_by_id == agent.pk
    with pytest.raises(Exception, match="permission_denied"):
        approvals.approve(request.approval.public_id, agent, decision_reason="checked", meta=META)
    from walletdesk.identity.facade import approve_unfreeze_request

    first, second = (user_factory(role=Role.SENIOR_AGENT) for _ in range(2))
    assert approve_unfreeze_request(str(request.public_id), first.pk) is False
    customer.refresh_from_db()
    assert customer.frozen_at is not None
    assert approve_unfreeze_request(str(request.public_id), second.pk) is True
    customer.refresh_from_db()
    assert customer.frozen_at is None
