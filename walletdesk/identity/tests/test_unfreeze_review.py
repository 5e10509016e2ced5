"""ACC-4: the two-agent unfreeze hook (`approve_unfreeze_request`)."""

from __future__ import annotations

from typing import Any

import pytest

from walletdesk.core.actors import Actor
from walletdesk.core.errors import PermissionDeniedError
from walletdesk.identity import facade
from walletdesk.identity.actions import emergency_freeze, request_unfreeze_review
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.enums import Role
from walletdesk.identity.models import AuditEvent, UnfreezeRequest, User

pytestmark = [pytest.mark.django_db]

META = RequestMeta(ip="10.0.0.8", user_agent="console")


def _frozen_with_request(customer: Any) -> UnfreezeRequest:
    emergency_freeze(
        customer, source="app", actor=Actor.customer(customer.pk, ip="10.0.0.8", device="console")
    )
    return request_unfreeze_review(
        User.objects.get(pk=customer.pk),
        actor=Actor.customer(customer.pk, ip="10.0.0.8", device="console"),
    )


def _wallet_status(user_id: int) -> str:
    from walletdesk.payments.models import Wallet

    return str(Wallet.objects.get(user_id=user_id).status)


def _approval_rows(*agents: Any) -> Any:
    return AuditEvent.objects.filter(actor_id__in=[a.pk for a in agents]).order_by("pk")


def test_an_agent_approving_their_own_request_twice_is_refused_and_audited(customer, user_factory):
    agent = user_factory(role=Role.SENIOR_AGENT)
    request = _frozen_with_request(customer)
    assert facade.approve_unfreeze_request(str(request.public_id), agent.pk) is False
    with pytest.raises(PermissionDeniedError):
        facade.approve_unfreeze_request(str(request.public_id), agent.pk)

    rows = list(_approval_rows(agent).values_list("action", "result", "data"))
    assert [(action, result) for action, result, _data in rows] == [
        ("unfreeze_request", "approved_once"),
        ("access_denied", "denied"),
    ]
    assert rows[1][2]["what"] == "self_approval"
    request.refresh_from_db()
    assert request.status == "pending" and request.second_approver_id is None
    assert User.objects.get(pk=customer.pk).frozen_at is not None
    assert _wallet_status(customer.pk) == "frozen"


def test_a_second_agent_unfreezes_the_wallet_with_two_audit_rows(customer, user_factory):
    first, second = user_factory(role=Role.SENIOR_AGENT), user_factory(role=Role.ADMIN)
    request = _frozen_with_request(customer)
    assert facade.approve_unfreeze_request(str(request.public_id), first.pk) is False
    assert User.objects.get(pk=customer.pk).frozen_at is not None
    assert facade.approve_unfreeze_request(str(request.public_id), second.pk) is True

    rows = list(_approval_rows(first, second).values_list("action", "result", "actor_id"))
    assert rows == [
        ("unfreeze_request", "approved_once", first.pk),
        ("unfreeze", "ok", second.pk),
    ]
    assert User.objects.get(pk=customer.pk).frozen_at is None
    assert _wallet_status(customer.pk) == "active"
    request.refresh_from_db()
    assert request.status == "completed" and request.second_approver_id == second.pk
    # A completed request cannot be approved again.
    with pytest.raises(Exception) as excinfo:
        facade.approve_unfreeze_request(
            str(request.public_id), user_factory(role=Role.SENIOR_AGENT).pk
        )
    assert getattr(excinfo.value, "code", "") == "not_found"


def test_customers_and_the_account_holder_cannot_approve(customer, user_factory):
    request = _frozen_with_request(customer)
    other = user_factory()
    with pytest.raises(PermissionDeniedError):
        facade.approve_unfreeze_request(str(request.public_id), other.pk)
    with pytest.raises(PermissionDeniedError):
        facade.approve_unfreeze_request(str(request.public_id), customer.pk)
    assert AuditEvent.objects.filter(action="access_denied", result="denied").count() == 2
    request.refresh_from_db()
    assert request.first_approver_id is None
    assert User.objects.get(pk=customer.pk).frozen_at is not None


def test_the_approvers_address_is_on_their_audit_rows(customer, user_factory):
    first, second = user_factory(role=Role.SENIOR_AGENT), user_factory(role=Role.SUPERVISOR)
    request = _frozen_with_request(customer)
    facade_meta = RequestMeta(ip="10.0.0.8", user_agent="console")
    from walletdesk.identity.actions import approve_unfreeze_request

    approve_unfreeze_request(str(request.public_id), first, meta=facade_meta)
    approve_unfreeze_request(str(request.public_id), second, meta=facade_meta)
    rows = _approval_rows(first, second)
    assert [row.ip for row in rows] == ["10.0.0.8", "10.0.0.8"]
