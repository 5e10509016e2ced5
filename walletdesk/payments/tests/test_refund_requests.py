"""Refund requests: a customer asks the merchant; requested → accepted / refused / expired. Money
moves only on acceptance, once, through the refund action; the merchant's answer is recorded by
staff with the refund permission and a fresh second factor (merchants have no logins)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from walletdesk.core.errors import InvalidStateTransitionError
from walletdesk.core.money import Money
from walletdesk.core.statemachine import status_history
from walletdesk.identity import approvals
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.enums import Role
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import ApprovalRequest
from walletdesk.ledger.facade import entries_touching, last_entry_id, wallet_balances
from walletdesk.ledger.invariants import check_ledger
from walletdesk.notifications.models import Message
from walletdesk.payments import facade, refund_requests, tasks, wallets
from walletdesk.payments.models import Payment, Refund, RefundRequest
from walletdesk.payments.tests.factories import credit_wallet, make_merchant
from walletdesk.payments.tests.test_staff_refunds import _staff_client

pytestmark = pytest.mark.django_db
META = RequestMeta(ip="10.0.0.9", user_agent="console")


@pytest.fixture
def alice(user_factory: Any) -> Any:
    user = user_factory(display_name="张伟")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(2_000_00, "CNY"))
    set_payment_password(user.pk, "258036")
    return user


def _post(client: Client, path: str, body: Any, key: str | None = "key-1") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pay(customer: Any, amount: str) -> str:
    shop = make_merchant(name_en="Meiyijia")
    response = _post(
        _client(customer),
        "/api/v1/payments",
        {"merchant_id": str(shop.public_id), "amount": amount, "payment_password": "258036"},
        key=f"pay-{amount}-{shop.pk}",
    )
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def _ask(customer: Any, payment_id: str, key: str = "ask-1", **body: Any) -> Any:
    return _post(
        _client(customer),
        f"/api/v1/payments/{payment_id}/refund-requests",
        {"reason": "not_received", **body},
        key=key,
    )


def _cny(user_id: int) -> int:
    return next(b.posted.minor for b in wallet_balances(user_id) if b.currency == "CNY")


def _answer_url(payment_id: str, request_id: str) -> str:
    return f"/api/v1/payments/{payment_id}/refund-requests/{request_id}/answer"


def _notices(user: Any) -> list[str]:
    return list(
        Message.objects.filter(user_id=user.pk).order_by("pk").values_list("kind", flat=True)
    )


# --- The customer's request ---------------------------------------------------------------------


def test_a_customer_asks_for_part_of_a_payment_and_no_money_moves(alice):
    payment_id = _pay(alice, "80.00")
    balance, marker = _cny(alice.pk), last_entry_id()
    response = _ask(alice, payment_id, amount="30.00", note="没收到货")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["amount"], body["currency"], body["reason"]) == (
        "requested",
        "30.00",
        "CNY",
        "not_received",
    )
    assert (body["note"], body["refund_id"], body["answer_reason"]) == ("没收到货", None, None)
    row = RefundRequest.objects.get()
    assert row.expires_at - row.created_at == timedelta(days=7)
    assert _cny(alice.pk) == balance and entries_touching(alice.pk, marker) == []
    assert _notices(alice)[-1] == "refund_request_sent"


def test_without_an_amount_the_request_is_for_all_that_is_left(alice):
    payment_id = _pay(alice, "80.00")
    assert _ask(alice, payment_id).json()["amount"] == "80.00"


def test_the_same_key_replays_the_request(alice):
    payment_id = _pay(alice, "80.00")
    first = _ask(alice, payment_id, amount="10.00")
    again = _ask(alice, payment_id, amount="10.00")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and RefundRequest.objects.count() == 1
    reused = _ask(alice, payment_id, amount="11.00")
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")
    missing = _ask(alice, payment_id, key="")
    assert missing.status_code == 400


def test_one_open_request_per_payment(alice):
    payment_id = _pay(alice, "80.00")
    assert _ask(alice, payment_id, key="a").status_code == 201
    second = _ask(alice, payment_id, key="b")
    assert (second.status_code, second.json()["error"]["code"]) == (409, "refund_request_open")
    # The database holds the rule too (partial unique index).
    payment = Payment.objects.get(public_id=payment_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        RefundRequest.objects.create(
            payment=payment,
            user_id=alice.pk,
            amount=1,
            currency="CNY",
            reason="other",
            expires_at=timezone.now(),
        )


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        ("80.01", 409, "refund_exceeds_payment"),
        ("0.00", 400, "amount_not_positive"),
        ("abc", 400, "amount_invalid"),
    ],
)
def test_bad_amounts_are_refused_with_stable_codes(alice, amount, status, code):
    payment_id = _pay(alice, "80.00")
    response = _ask(alice, payment_id, amount=amount)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert not RefundRequest.objects.exists()


def test_an_unknown_reason_is_a_validation_error(alice):
    payment_id = _pay(alice, "80.00")
    response = _ask(alice, payment_id, reason="because")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "validation_failed")


def test_another_customers_payment_answers_404_like_a_missing_one(alice, user_factory):
    payment_id = _pay(alice, "80.00")
    mallory = user_factory()
    wallets.open_wallet(mallory.pk)
    for target in (payment_id, "00000000-0000-4000-8000-000000000000"):
        response = _ask(mallory, target)
        assert (response.status_code, response.json()["error"]["code"]) == (
            404,
            "operation_not_found",
        )
        listed = _client(mallory).get(f"/api/v1/payments/{target}/refund-requests")
        assert listed.status_code == 404
    assert not RefundRequest.objects.exists()


def test_a_fully_refunded_payment_cannot_be_asked_again(alice):
    payment_id = _pay(alice, "80.00")
    facade.refund_payment(
        payment_id=payment_id,
        amount="80.00",
        reason="test",
        requested_by="system",
        idempotency_key="full",
    )
    response = _ask(alice, payment_id)
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "payment_not_refundable",
    )


def test_the_customer_lists_their_requests_for_a_payment(alice, django_assert_num_queries):
    payment_id = _pay(alice, "80.00")
    _ask(alice, payment_id, amount="5.00")
    client = _client(alice)
    client.get(f"/api/v1/payments/{payment_id}/refund-requests")  # warm the session
    # The API's own per-request reads, then the payment and the requests (one query, merchant
    # and refund joined): the same whatever the number of requests.
    with django_assert_num_queries(7):
        response = client.get(f"/api/v1/payments/{payment_id}/refund-requests")
    assert [r["amount"] for r in response.json()] == ["5.00"]


# --- The merchant's answer (recorded by staff) --------------------------------------------------


def _open_request(customer: Any, amount: str = "80.00", ask: str | None = None) -> tuple[str, str]:
    payment_id = _pay(customer, amount)
    response = _ask(customer, payment_id, **({"amount": ask} if ask else {}))
    assert response.status_code == 201
    return payment_id, str(response.json()["id"])


def test_acceptance_refunds_once_through_the_refund_action(alice, user_factory):
    payment_id, request_id = _open_request(alice, "80.00", ask="30.00")
    agent = user_factory(role=Role.AGENT)
    client = _staff_client(agent)
    balance = _cny(alice.pk)
    response = _post(client, _answer_url(payment_id, request_id), {"decision": "accept"})
    assert response.status_code == 200, response.content
    refund = Refund.objects.get()
    assert response.json()["status"] == "accepted"
    assert response.json()["refund_id"] == str(refund.public_id)
    assert (refund.amount, refund.requested_by) == (30_00, f"agent:{agent.pk}")
    assert _cny(alice.pk) == balance + 30_00
    payment = Payment.objects.get(public_id=payment_id)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 30_00)
    assert check_ledger().ok
    row = RefundRequest.objects.get()
    assert [(h.from_status, h.to_status, h.actor) for h in status_history(row)] == [
        ("requested", "accepted", f"agent:{agent.pk}")
    ]
    assert _notices(alice)[-1] == "refund_request_accepted"

    # A retry (the same answer again, or accept() called again) moves nothing more.
    again = _post(client, _answer_url(payment_id, request_id), {"decision": "accept"})
    assert again.status_code == 200 and again.json()["refund_id"] == str(refund.public_id)
    refund_requests.accept(request_id=request_id, actor="system")
    assert Refund.objects.count() == 1 and _cny(alice.pk) == balance + 30_00
    # An accepted request cannot be refused afterwards.
    refused = _post(
        client, _answer_url(payment_id, request_id), {"decision": "refuse", "reason_code": "other"}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        409,
        "invalid_state_transition",
    )


def test_the_refund_runs_under_a_key_tied_to_the_request(alice):
    payment_id, request_id = _open_request(alice, "80.00")
    refund_requests.accept(request_id=request_id, actor="system")
    # The refund action with the request's key replays the same refund instead of paying twice.
    outcome = facade.refund_payment(
        payment_id=payment_id,
        amount="80.00",
        reason=f"merchant_agreed: refund request {request_id}",
        requested_by="system",
        idempotency_key=f"refund-request:{request_id}",
    )
    assert outcome.replayed and Refund.objects.count() == 1


def test_a_failed_refund_leaves_the_request_open(alice):
    payment_id, request_id = _open_request(alice, "80.00", ask="50.00")
    # Staff refunded part meanwhile: 50.00 no longer fits in what is left (40.00).
    facade.refund_payment(
        payment_id=payment_id,
        amount="40.00",
        reason="test",
        requested_by="system",
        idempotency_key="part",
    )
    with pytest.raises(Exception) as refused:
        refund_requests.accept(request_id=request_id, actor="system")
    assert getattr(refused.value, "code", "") == "refund_exceeds_payment"
    assert RefundRequest.objects.get().status == "requested"
    assert Refund.objects.count() == 1


def test_refusal_moves_no_money_and_tells_the_customer_why(alice, user_factory):
    payment_id, request_id = _open_request(alice)
    client = _staff_client(user_factory(role=Role.AGENT))
    balance, marker = _cny(alice.pk), last_entry_id()
    no_reason = _post(client, _answer_url(payment_id, request_id), {"decision": "refuse"})
    assert (no_reason.status_code, no_reason.json()["error"]["code"]) == (
        400,
        "money_action_reason_required",
    )
    response = _post(
        client,
        _answer_url(payment_id, request_id),
        {"decision": "refuse", "reason_code": "already_delivered", "note": "已签收"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["answer_reason"], body["answer_note"]) == (
        "refused",
        "already_delivered",
        "已签收",
    )
    assert _cny(alice.pk) == balance and entries_touching(alice.pk, marker) == []
    assert not Refund.objects.exists()
    notice = Message.objects.filter(user_id=alice.pk).order_by("pk").last()
    assert notice is not None and notice.kind == "refund_request_refused"
    # A new request may be made once the first one is closed.
    assert _ask(alice, payment_id, key="again").status_code == 201


def test_expiry_moves_no_money_and_the_job_is_scheduled(alice, settings):
    _payment_id, request_id = _open_request(alice)
    balance, marker = _cny(alice.pk), last_entry_id()
    assert tasks.expire_refund_requests.name in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert refund_requests.expire_due() == 0  # not due yet
    later = timezone.now() + timedelta(days=7, seconds=1)
    assert refund_requests.expire_due(later) == 1
    assert refund_requests.expire_due(later) == 0
    row = RefundRequest.objects.get()
    assert row.status == "expired"
    assert [(h.from_status, h.to_status, h.actor) for h in status_history(row)] == [
        ("requested", "expired", "system")
    ]
    assert _cny(alice.pk) == balance and entries_touching(alice.pk, marker) == []
    assert _notices(alice)[-1] == "refund_request_expired"
    with pytest.raises(InvalidStateTransitionError):
        refund_requests.accept(request_id=request_id, actor="system")
    assert not Refund.objects.exists()


def test_the_expiry_is_a_setting(alice, settings):
    settings.WALLETDESK = {**settings.WALLETDESK, "REFUND_REQUEST_EXPIRES_DAYS": 2}
    _open_request(alice)
    row = RefundRequest.objects.get()
    assert row.expires_at - row.created_at == timedelta(days=2)


def test_answering_needs_the_permission_and_a_fresh_second_factor(alice, user_factory):
    payment_id, request_id = _open_request(alice)
    url = _answer_url(payment_id, request_id)
    assert _post(_client(alice), url, {"decision": "accept"}).status_code == 403
    stale = _post(
        _staff_client(user_factory(role=Role.AGENT), stepped_up=False), url, {"decision": "accept"}
    )
    assert (stale.status_code, stale.json()["error"]["code"]) == (403, "step_up_required")
    agent = user_factory(role=Role.AGENT)
    agent.groups.remove(Group.objects.get(name="agent"))
    denied = _post(_staff_client(agent), url, {"decision": "accept"})
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "permission_denied")
    assert RefundRequest.objects.get().status == "requested" and not Refund.objects.exists()


def test_an_unknown_request_answers_404(alice, user_factory):
    payment_id, _request_id = _open_request(alice)
    response = _post(
        _staff_client(user_factory(role=Role.AGENT)),
        _answer_url(payment_id, "00000000-0000-4000-8000-000000000000"),
        {"decision": "accept"},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (
        404,
        "refund_request_not_found",
    )


def test_a_large_acceptance_waits_for_a_second_approver(alice, user_factory):
    payment_id, request_id = _open_request(alice, "900.00")
    requester = user_factory(role=Role.AGENT)
    balance = _cny(alice.pk)
    response = _post(
        _staff_client(requester), _answer_url(payment_id, request_id), {"decision": "accept"}
    )
    assert response.status_code == 202, response.content
    assert RefundRequest.objects.get().status == "requested"
    assert _cny(alice.pk) == balance and not Refund.objects.exists()
    approval_id = response.json()["approval"]["id"]
    approver = user_factory(role=Role.SENIOR_AGENT)
    row = approvals.approve(approval_id, approver, decision_reason="checked", meta=META)
    refund = Refund.objects.get()
    assert refund.requested_by == f"agent:{approver.pk}" and refund.amount == 900_00
    assert row.result["refund_request"] == request_id
    assert RefundRequest.objects.get().status == "accepted"
    assert _cny(alice.pk) == balance + 900_00
    assert ApprovalRequest.objects.get().status == "approved"


# --- Facade, page --------------------------------------------------------------------------------


def test_the_facade_requests_and_reports_the_status(alice):
    payment_id = _pay(alice, "80.00")
    assert facade.refund_request_status(alice.pk, payment_id) is None
    summary = facade.request_refund(
        customer_id=alice.pk, payment_id=payment_id, reason="other", idempotency_key="f-1"
    )
    assert (summary.status, summary.amount, summary.is_open) == (
        "requested",
        Money(80_00, "CNY"),
        True,
    )
    assert summary.url == f"/records/payment/{payment_id}/"
    status = facade.refund_request_status(alice.pk, payment_id)
    assert status == summary
    assert facade.recent_refund_requests(alice.pk) == [summary]


def test_the_payment_page_offers_the_form_and_shows_the_status(alice, django_assert_num_queries):
    payment_id = _pay(alice, "80.00")
    client = _client(alice)
    page_url = f"/records/payment/{payment_id}/"
    client.get(page_url)  # warm the session
    with django_assert_num_queries(10):
        page = client.get(page_url)
    html = page.content.decode()
    assert 'class="refund-request-form"' in html and 'value="80.00"' in html
    response = client.post(
        f"/records/payment/{payment_id}/refund-request/",
        {"idempotency_key": "page-1", "amount": "20.00", "reason": "cancelled", "note": ""},
    )
    assert response.status_code == 302
    with django_assert_num_queries(10):
        page = client.get(page_url)
    html = page.content.decode()
    assert 'data-status="requested"' in html and 'class="refund-request-form"' not in html
    assert RefundRequest.objects.get().amount == 20_00


def test_the_page_form_shows_errors_in_place(alice):
    payment_id = _pay(alice, "80.00")
    response = _client(alice).post(
        f"/records/payment/{payment_id}/refund-request/",
        {"idempotency_key": "page-1", "amount": "99.00", "reason": "cancelled"},
    )
    assert response.status_code == 400
    assert "refund-request-form" in response.content.decode()
    assert not RefundRequest.objects.exists()


def test_another_customers_payment_page_form_is_404(alice, user_factory):
    payment_id = _pay(alice, "80.00")
    response = _client(user_factory()).post(
        f"/records/payment/{payment_id}/refund-request/",
        {"idempotency_key": "x", "amount": "1.00", "reason": "other"},
    )
    assert response.status_code == 404


def test_openapi_documents_the_refund_request_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    asked = schema["paths"]["/api/v1/payments/{public_id}/refund-requests"]
    assert set(asked) >= {"get", "post"}
    assert set(asked["post"]["responses"]) >= {"201", "400", "404", "409", "422"}
    assert any(
        p["name"] == "Idempotency-Key" and p["required"] for p in asked["post"]["parameters"]
    )
    created = asked["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/RefundRequestOutput")
    output = schema["components"]["schemas"]["RefundRequestOutput"]["properties"]
    status = output["status"]
    enum = (
        schema["components"]["schemas"][status["$ref"].rsplit("/", 1)[-1]]
        if "$ref" in status
        else status
    )
    assert enum["enum"] == ["requested", "accepted", "refused", "expired"]
    answered = schema["paths"]["/api/v1/payments/{public_id}/refund-requests/{request_id}/answer"][
        "post"
    ]
    assert set(answered["responses"]) >= {"200", "202", "400", "403", "404", "409"}
