"""ACC-4 on money: staff refunds need the permission, a reason code, a fresh second factor, and
at or above the threshold a second approver who is not the requester; the approved refund runs
exactly once, as the approver."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections
from django.test import Client, override_settings

from walletdesk.core.errors import InvalidStateTransitionError, PermissionDeniedError
from walletdesk.core.money import Money
from walletdesk.core.statemachine import status_history
from walletdesk.identity import approvals
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.enums import Role
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import ApprovalRequest, AuditEvent
from walletdesk.identity.tests.conftest import PASSWORD, CommitClient, last_code
from walletdesk.ledger.facade import wallet_balances
from walletdesk.payments import wallets
from walletdesk.payments.models import Payment, Refund
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db
META = RequestMeta(ip="10.0.0.9", user_agent="console")


@pytest.fixture
def alice(user_factory: Any) -> Any:
    user = user_factory(display_name="张伟")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(2_000_00, "CNY"))
    set_payment_password(user.pk, "258036")
    return user


def _post(client: Client, path: str, body: Any, key: str = "key-1") -> Any:
    return client.post(
        path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def _pay(customer: Any, amount: str) -> str:
    client = Client()
    client.force_login(customer)
    shop = make_merchant()
    response = _post(
        client,
        "/api/v1/payments",
        {"merchant_id": str(shop.public_id), "amount": amount, "payment_password": "258036"},
        key=f"pay-{amount}",
    )
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def _staff_client(user: Any, *, stepped_up: bool = True) -> Client:
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


def _cny_balance(user_id: int) -> int:
    return next(b.posted.minor for b in wallet_balances(user_id) if b.currency == "CNY")


def test_customers_cannot_refund(alice):
    payment_id = _pay(alice, "8.00")
    client = Client()
    client.force_login(alice)
    body = {"amount": "3.00", "reason_code": "merchant_agreed"}
    assert _post(client, f"/api/v1/payments/{payment_id}/refunds", body).status_code == 403


def test_a_small_refund_needs_a_reason_code_and_a_fresh_second_factor(alice, user_factory):
    payment_id = _pay(alice, "8.00")
    agent = user_factory(role=Role.AGENT)
    url = f"/api/v1/payments/{payment_id}/refunds"
    stale = _post(
        _staff_client(agent, stepped_up=False), url, {"amount": "3.00", "reason_code": "goodwill"}
    )
    assert (stale.status_code, stale.json()["error"]["code"]) == (403, "step_up_required")
    client = _staff_client(agent)
    no_reason = _post(client, url, {"amount": "3.00"})
    assert (no_reason.status_code, no_reason.json()["error"]["code"]) == (400, "validation_failed")
    made_up = _post(client, url, {"amount": "3.00", "reason_code": "because"})
    assert made_up.status_code == 400
    assert not Refund.objects.exists()

    refunded = _post(client, url, {"amount": "3.00", "reason_code": "goodwill", "note": "缺货"})
    assert refunded.status_code == 201, refunded.content
    refund = Refund.objects.get()
    assert (refund.requested_by, refund.reason) == (f"agent:{agent.pk}", "goodwill: 缺货")


def test_staff_without_the_permission_are_refused_and_audited(alice, user_factory):
    payment_id = _pay(alice, "8.00")
    agent = user_factory(role=Role.AGENT)
    agent.groups.remove(Group.objects.get(name="agent"))
    response = _post(
        _staff_client(agent),
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "3.00", "reason_code": "goodwill"},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "permission_denied")
    denied = AuditEvent.objects.filter(actor_id=agent.pk, action="access_denied").get()
    assert denied.data["what"] == "identity.refund_payment"
    assert not Refund.objects.exists()


def test_at_the_threshold_the_refund_waits_for_a_second_approver(alice, user_factory):
    payment_id = _pay(alice, "900.00")
    requester = user_factory(role=Role.AGENT)
    balance = _cny_balance(alice.pk)
    response = _post(
        _staff_client(requester),
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "500.00", "reason_code": "duplicate_charge"},
    )
    assert response.status_code == 202, response.content
    approval_id = response.json()["approval"]["id"]
    assert response.json()["approval"]["status"] == "requested"
    assert _cny_balance(alice.pk) == balance and not Refund.objects.exists()

    # The requester cannot approve their own request; a plain agent has no approve permission.
    with pytest.raises(PermissionDeniedError):
        approvals.approve(approval_id, requester, decision_reason="checked", meta=META)
    with pytest.raises(PermissionDeniedError):
        approvals.approve(
            approval_id, user_factory(role=Role.AGENT), decision_reason="checked", meta=META
        )
    assert AuditEvent.objects.filter(action="access_denied").count() == 2
    assert not Refund.objects.exists()

    approver = user_factory(role=Role.SENIOR_AGENT)
    row = approvals.approve(approval_id, approver, decision_reason="checked", meta=META)
    refund = Refund.objects.get()
    assert refund.requested_by == f"agent:{approver.pk}" and refund.amount == 500_00
    assert row.result["refund"] == str(refund.public_id)
    assert _cny_balance(alice.pk) == balance + 500_00
    assert [(h.from_status, h.to_status, h.actor) for h in status_history(row)] == [
        ("requested", "approved", f"agent:{approver.pk}")
    ]
    # Approving again changes nothing.
    with pytest.raises(InvalidStateTransitionError):
        approvals.approve(
            approval_id, user_factory(role=Role.SUPERVISOR), decision_reason="checked", meta=META
        )
    assert Refund.objects.count() == 1
    assert Payment.objects.get(public_id=payment_id).refunded_amount == 500_00


def test_just_below_the_threshold_runs_at_once(alice, user_factory):
    payment_id = _pay(alice, "900.00")
    response = _post(
        _staff_client(user_factory(role=Role.AGENT)),
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "499.99", "reason_code": "merchant_agreed"},
    )
    assert response.status_code == 201
    assert not ApprovalRequest.objects.exists()


@override_settings(WALLETDESK_APPROVALS={"MONEY_THRESHOLDS": {"CNY": "10.00"}})
def test_the_threshold_is_a_setting(alice, user_factory):
    payment_id = _pay(alice, "30.00")
    response = _post(
        _staff_client(user_factory(role=Role.AGENT)),
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "10.00", "reason_code": "merchant_agreed"},
    )
    assert response.status_code == 202


def test_a_rejected_request_never_runs(alice, user_factory):
    payment_id = _pay(alice, "900.00")
    response = _post(
        _staff_client(user_factory(role=Role.AGENT)),
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "800.00", "reason_code": "goodwill"},
    )
    approval_id = response.json()["approval"]["id"]
    supervisor = user_factory(role=Role.SUPERVISOR)
    approvals.reject(approval_id, supervisor, decision_reason="not_justified", meta=META)
    with pytest.raises(InvalidStateTransitionError):
        approvals.approve(approval_id, supervisor, decision_reason="checked", meta=META)
    assert not Refund.objects.exists()
    assert ApprovalRequest.objects.get().status == "rejected"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_approvals_refund_exactly_once(user_factory):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot run two writers at once")
    customer = user_factory()
    wallets.open_wallet(customer.pk)
    credit_wallet(customer.pk, Money(2_000_00, "CNY"))
    set_payment_password(customer.pk, "258036")
    payment_id = _pay(customer, "900.00")
    requester = user_factory(role=Role.AGENT)
    response = _post(
        _staff_client(requester),
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "600.00", "reason_code": "duplicate_charge"},
    )
    approval_id = response.json()["approval"]["id"]
    approvers = [user_factory(role=Role.SENIOR_AGENT), user_factory(role=Role.SUPERVISOR)]
    results: list[str] = []
    barrier = threading.Barrier(2, timeout=30)

    def attempt(approver: Any) -> None:
        barrier.wait()
        try:
            approvals.approve(approval_id, approver, decision_reason="checked", meta=META)
            results.append("approved")
        except InvalidStateTransitionError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["approved", "refused"]
    assert Refund.objects.filter(payment__public_id=payment_id).count() == 1
    assert Payment.objects.get(public_id=payment_id).refunded_amount == 600_00


@override_settings(WALLETDESK_APPROVALS={"MONEY_THRESHOLDS": {"CNY": "500.00", "USD": "70.00"}})
def test_thresholds_per_currency_and_through_the_cny_equivalent():
    from django.utils import timezone

    from walletdesk.payments.models import FxRate
    from walletdesk.payments.staff_refunds import needs_second_approver

    assert needs_second_approver(Money(70_00, "USD"))
    assert not needs_second_approver(Money(69_99, "USD"))
    # JPY has no figure of its own: 10,000 JPY at 0.05 = 500.00 CNY reaches the CNY threshold.
    FxRate.objects.create(base="JPY", quote="CNY", rate="0.05", valid_from=timezone.now())
    assert needs_second_approver(Money(10_000, "JPY"))
    assert not needs_second_approver(Money(9_999, "JPY"))


def test_an_approval_whose_refund_fails_stays_requested(alice, user_factory):
    payment_id = _pay(alice, "900.00")
    response = _post(
        _staff_client(user_factory(role=Role.AGENT)),
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "800.00", "reason_code": "goodwill"},
    )
    approval_id = response.json()["approval"]["id"]
    # Meanwhile most of the payment was refunded another way: 800.00 no longer fits.
    from walletdesk.payments import operations

    operations.refund_payment(
        payment_id=payment_id,
        amount="200.00",
        reason="merchant_agreed",
        requested_by="agent:0",
        idempotency_key="other-refund",
    )
    with pytest.raises(Exception) as excinfo:
        approvals.approve(
            approval_id, user_factory(role=Role.SUPERVISOR), decision_reason="checked", meta=META
        )
    assert getattr(excinfo.value, "code", "") == "refund_exceeds_payment"
    row = ApprovalRequest.objects.get(public_id=approval_id)
    assert row.status == "requested" and not status_history(row).exists()
    assert Refund.objects.count() == 1


def test_the_expiry_job_expires_old_requests(alice, user_factory):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from walletdesk.identity.tasks import expire_approval_requests

    payment_id = _pay(alice, "900.00")
    _post(
        _staff_client(user_factory(role=Role.AGENT)),
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": "800.00", "reason_code": "goodwill"},
    )
    assert expire_approval_requests() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=72, seconds=1)):
        assert expire_approval_requests() == 1
    assert ApprovalRequest.objects.get().status == "expired"
