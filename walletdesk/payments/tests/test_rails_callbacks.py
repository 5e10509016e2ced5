"""Signed rail callbacks (security guide API-7) and the top-up life cycle they drive."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

import pytest

from walletdesk.ledger.enums import EntryKind
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import JournalEntry, Posting
from walletdesk.payments.models import Activity, RailCallback, RailOperationEvent, TopUp
from walletdesk.payments.rails import sandbox
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord
from walletdesk.payments.rails.signing import SIGNATURE_HEADER, signature_header
from walletdesk.payments.tests.conftest import available
from walletdesk.payments.topups import create_top_up

pytestmark = pytest.mark.django_db
CALLBACK_URL = "/api/v1/rails/third_party_wallet/callback"


def _start(
    user: Any, run_on_commit: Any, amount: str = "100.00", mode: str = "callback_lost"
) -> TopUp:
    """A top-up the rail accepted and settled, whose callback we deliver by hand."""
    with sandbox.force_mode(mode), run_on_commit():
        outcome = create_top_up(
            user_id=user.pk,
            kyc_level=0,
            amount=amount,
            currency="CNY",
            method="third_party_wallet",
            card_id=None,
            idempotency_key=uuid.uuid4().hex,
        )
    return TopUp.objects.get(public_id=outcome.body["id"])


def _record(top_up: TopUp) -> SandboxRailRecord:
    return sandbox.settle(SandboxRailRecord.objects.get(reference=str(top_up.public_id)).pk)


def _post(client: Any, body: bytes, header: str | None) -> Any:
    headers = {} if header is None else {SIGNATURE_HEADER: header}
    return client.post(CALLBACK_URL, data=body, content_type="application/json", headers=headers)


def test_success_callback_credits_once_even_when_delivered_three_times(
    client: Any, wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _start(user, run_on_commit)
    assert top_up.status == "pending" and top_up.rail_trace_id
    body = sandbox.callback_payload(_record(top_up), "succeeded")
    answers = [_post(client, body, signature_header(body)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["result"] for a in answers] == ["applied", "duplicate", "duplicate"]
    top_up.refresh_from_db()
    assert top_up.status == "succeeded" and top_up.entry_id is not None
    assert JournalEntry.objects.filter(reference=f"top_up:{top_up.public_id}").count() == 1
    assert RailCallback.objects.count() == 1
    assert available(user) == 100_00
    assert Activity.objects.get(object_public_id=top_up.public_id).status == "succeeded"
    assert check_ledger().ok


def test_bad_signature_is_refused_logged_and_changes_nothing(
    client: Any, wallet_factory: Any, run_on_commit: Any, caplog: Any
) -> None:
    user = wallet_factory()
    top_up = _start(user, run_on_commit)
    body = sandbox.callback_payload(_record(top_up), "succeeded")
    postings = Posting.objects.count()
    bad_headers = [
        signature_header(body, secret=b"not-the-secret"),
        signature_header(body + b" "),  # signed over another body
        f"t={int(time.time())},v1={'0' * 64}",
        "garbage",
        None,
    ]
    with caplog.at_level(logging.WARNING, logger="walletdesk.payments.rails"):
        for header in bad_headers:
            response = _post(client, body, header)
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "callback_signature_invalid"
    assert "bad signature" in caplog.text
    assert "test-rail-callback-secret" not in caplog.text
    assert Posting.objects.count() == postings
    assert RailCallback.objects.count() == 0
    top_up.refresh_from_db()
    assert top_up.status == "pending"


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_stale_or_future_timestamp_is_refused(
    client: Any, wallet_factory: Any, run_on_commit: Any, offset: int
) -> None:
    user = wallet_factory()
    top_up = _start(user, run_on_commit)
    body = sandbox.callback_payload(_record(top_up), "succeeded")
    response = _post(client, body, signature_header(body, timestamp=int(time.time()) + offset))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "callback_stale"
    top_up.refresh_from_db()
    assert top_up.status == "pending" and available(user) == 0


def test_pending_after_succeeded_and_failed_after_succeeded_change_nothing(
    client: Any, wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _start(user, run_on_commit)
    record = _record(top_up)
    for status in ("succeeded", "pending", "failed"):
        body = sandbox.callback_payload(record, status)
        assert _post(client, body, signature_header(body)).status_code == 200
    top_up.refresh_from_db()
    assert top_up.status == "succeeded" and top_up.failure_reason == ""
    assert available(user) == 100_00
    events = list(
        RailOperationEvent.objects.filter(operation_type="top_up", operation_id=top_up.pk)
        .order_by("id")
        .values_list("new_status", "source")
    )
    assert events == [("created", "customer"), ("pending", "rail"), ("succeeded", "callback")]


def test_failed_then_succeeded_stays_failed_and_credits_nothing(
    client: Any, wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _start(user, run_on_commit)
    record = _record(top_up)
    failed = sandbox.callback_payload(record, "failed", "insufficient_funds_at_bank")
    succeeded = sandbox.callback_payload(record, "succeeded")
    assert _post(client, failed, signature_header(failed)).json()["result"] == "applied"
    assert _post(client, succeeded, signature_header(succeeded)).json()["result"] == "unchanged"
    top_up.refresh_from_db()
    assert (top_up.status, top_up.failure_reason) == ("failed", "insufficient_funds_at_bank")
    assert available(user) == 0 and top_up.entry_id is None


def test_callback_for_unknown_operation_or_wrong_amount_is_refused(
    client: Any, wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _start(user, run_on_commit)
    payload = json.loads(sandbox.callback_payload(_record(top_up), "succeeded"))
    unknown = json.dumps({**payload, "reference": str(uuid.uuid4()), "event_id": "e1"}).encode()
    assert _post(client, unknown, signature_header(unknown)).status_code == 404
    wrong = json.dumps({**payload, "amount": "1000.00", "event_id": "e2"}).encode()
    response = _post(client, wrong, signature_header(wrong))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "callback_mismatch"
    invalid = b'{"event_id": "e3", "event_id": "e4"}'
    assert _post(client, invalid, signature_header(invalid)).json()["error"]["code"] == (
        "callback_invalid"
    )
    # Refused callbacks are not recorded, so the rail's retry is processed normally.
    assert RailCallback.objects.count() == 0
    top_up.refresh_from_db()
    assert top_up.status == "pending"


def test_callback_needs_no_session_or_csrf_and_answers_get_with_405(client: Any) -> None:
    csrf_client = type(client)(enforce_csrf_checks=True)
    body = b"{}"
    response = csrf_client.post(
        CALLBACK_URL,
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature_header(body)},
    )
    assert response.status_code == 400  # reached the handler: not a CSRF 403
    assert response.json()["error"]["code"] == "callback_invalid"
    assert client.get(CALLBACK_URL).status_code == 405


def test_unknown_rail_in_url_is_404(client: Any) -> None:
    body = b"{}"
    response = client.post(
        "/api/v1/rails/paypal/callback",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature_header(body)},
    )
    assert response.status_code == 404


def test_top_up_entry_posts_fee_to_fee_revenue(
    wallet_factory: Any, fund: Any, fee_rule: Any
) -> None:
    fee_rule("top_up", rate_bp=100, minimum=1)  # 1 %
    user = wallet_factory()
    top_up = fund(user, "200.00")
    assert top_up.fee == 2_00
    entry = JournalEntry.objects.get(pk=top_up.entry_id)
    assert entry.kind == EntryKind.TOP_UP
    amounts = sorted(entry.postings.values_list("account__code", "amount"))
    assert amounts == [
        ("fees:CNY", 2_00),
        ("rail:third_party_wallet:CNY", -200_00),
        (f"wallet:{user.pk}:CNY", 198_00),
    ]
    assert available(user) == 198_00
    assert check_ledger().ok
