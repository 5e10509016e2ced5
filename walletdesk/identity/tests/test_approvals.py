"""The approval queue (ACC-4): the staff page, early unfreeze through it, rejection, expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.core.statemachine import status_history
from walletdesk.identity import approvals
from walletdesk.identity.actions import emergency_freeze
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.enums import Role
from walletdesk.identity.errors import ApprovalExpiredError
from walletdesk.identity.models import ApprovalRequest, UnfreezeRequest, User
from walletdesk.identity.tests.conftest import CommitClient, last_code

pytestmark = pytest.mark.django_db
META = RequestMeta(ip="10.0.0.8", user_agent="console")


@pytest.fixture
def staff_client(step_up: Any) -> Any:
    def make(user: Any, *, stepped_up: bool = True) -> CommitClient:
        client = CommitClient()
        client.force_login(user)
        if stepped_up:
            step_up(client, user)
        return client

    return make


def _ask_for_unfreeze(customer: Any) -> Any:
    emergency_freeze(
        customer, source="app", actor=Actor.customer(customer.pk, ip="10.0.0.8", device="console")
    )
    client = CommitClient()
    client.force_login(User.objects.get(pk=customer.pk))
    assert client.post("/account/unfreeze/review/").status_code == 302
    return UnfreezeRequest.objects.get(user=customer)


def test_an_early_unfreeze_waits_on_the_staff_page_for_two_approvers(
    customer, user_factory, staff_client, step_up
):
    request = _ask_for_unfreeze(customer)
    approval = request.approval
    assert approval is not None and approval.kind == "unfreeze"
    first, second = user_factory(role=Role.SENIOR_AGENT), user_factory(role=Role.SUPERVISOR)

    first_client = staff_client(first, stepped_up=False)
    page = first_client.get("/account/staff/")
    assert str(approval.public_id) in page.content.decode()
    url = f"/account/staff/approvals/{approval.public_id}/"
    # Without a fresh second factor the decision is not taken: step-up first.
    stale = first_client.post(url, {"decision": "approve", "reason": "identity_confirmed"})
    assert stale["Location"].startswith("/account/security/verify/")
    approval.refresh_from_db()
    assert approval.first_approver_id is None

    step_up(first_client, first)
    first_client.post(url, {"decision": "approve", "reason": "identity_confirmed"})
    approval.refresh_from_db()
    assert approval.first_approver_id == first.pk and approval.status == "requested"
    assert User.objects.get(pk=customer.pk).frozen_at is not None

    staff_client(second).post(url, {"decision": "approve", "reason": "identity_confirmed"})
    approval.refresh_from_db()
    request.refresh_from_db()
    assert approval.status == "approved" and approval.decided_by_id == second.pk
    assert request.status == "completed" and request.second_approver_id == second.pk
    assert User.objects.get(pk=customer.pk).frozen_at is None
    assert [(h.from_status, h.to_status) for h in status_history(approval)] == [
        ("requested", "approved")
    ]
    assert [(h.from_status, h.to_status, h.actor) for h in status_history(request)] == [
        ("pending", "completed", f"agent:{second.pk}")
    ]
    assert str(approval.public_id) not in first_client.get("/account/staff/").content.decode()


def test_a_rejected_unfreeze_keeps_the_freeze(customer, user_factory, staff_client):
    request = _ask_for_unfreeze(customer)
    supervisor = user_factory(role=Role.SUPERVISOR)
    staff_client(supervisor).post(
        f"/account/staff/approvals/{request.approval.public_id}/",
        {"decision": "reject", "reason": "suspected_fraud"},
    )
    request.refresh_from_db()
    assert request.status == "rejected"
    assert request.approval.status == "rejected"
    assert request.approval.decision_reason == "suspected_fraud"
    assert User.objects.get(pk=customer.pk).frozen_at is not None


def test_a_plain_agent_sees_the_page_but_cannot_approve(customer, user_factory, staff_client):
    request = _ask_for_unfreeze(customer)
    agent = user_factory(role=Role.AGENT)
    client = staff_client(agent)
    assert str(request.approval.public_id) not in client.get("/account/staff/").content.decode()
    client.post(
        f"/account/staff/approvals/{request.approval.public_id}/",
        {"decision": "approve", "reason": "checked"},
    )
    request.approval.refresh_from_db()
    assert request.approval.first_approver_id is None


def test_a_request_expires_after_its_time_to_live(customer, user_factory):
    request = _ask_for_unfreeze(customer)
    approver = user_factory(role=Role.SENIOR_AGENT)
    with (
        time_machine.travel(timezone.now() + timedelta(hours=73)),
        pytest.raises(ApprovalExpiredError),
    ):
        approvals.approve(
            request.approval.public_id, approver, decision_reason="checked", meta=META
        )
    row = ApprovalRequest.objects.get(pk=request.approval_id)
    assert row.status == "expired"
    assert [(h.to_status, h.actor) for h in status_history(row)] == [("expired", "system")]


def test_the_customer_self_unfreeze_completes_the_waiting_request(customer, step_up):
    request = _ask_for_unfreeze(customer)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        client = CommitClient()
        client.force_login(User.objects.get(pk=customer.pk))
        step_up(client, customer)
        assert client.post("/account/unfreeze/send/").status_code == 200
        response = client.post("/account/unfreeze/", {"code": last_code(customer.phone)})
        assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "completed"
    assert request.approval.status == "expired"


@pytest.mark.parametrize(
    ("language", "heading", "kind", "reason"),
    [
        ("zh-hans", "待审批", "提前解冻", "用户申请提前解冻"),
        ("en", "Waiting for approval", "Early unfreeze", "The customer asked to unfreeze early"),
    ],
)
def test_the_approval_page_speaks_both_languages(
    customer, user_factory, language, heading, kind, reason
):
    _ask_for_unfreeze(customer)
    client = CommitClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user_factory(role=Role.SUPERVISOR))
    page = client.get("/account/staff/").content.decode()
    assert heading in page and kind in page and reason in page
