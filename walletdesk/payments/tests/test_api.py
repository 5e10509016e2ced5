from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.models import IdempotencyRecord, JournalEntry, LedgerAccount, Posting
from walletdesk.payments import wallets
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db
PAY_PASSWORD = "258036"


@pytest.fixture
def alice(user_factory: Any) -> Any:
    user = user_factory(display_name="张伟")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(100_00, "CNY"))
    set_payment_password(user.pk, PAY_PASSWORD)
    return user


@pytest.fixture
def bob(user_factory: Any) -> Any:
    user = user_factory(display_name="刘洋")
    wallets.open_wallet(user.pk)
    return user


def api(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(
    client: Client, path: str, body: Any, key: str | None = "key-1", raw: str | None = None
) -> Any:
    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    if path == "/api/v1/transfers" and isinstance(body, dict):
        # Transfers are confirmed with the sender's payment password (alice's); the tests of
        # that rule send their own bodies.
        body = {"payment_password": PAY_PASSWORD, **body}
    return client.post(
        path,
        raw if raw is not None else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def ledger_rows() -> tuple[int, int, int]:
    return JournalEntry.objects.count(), Posting.objects.count(), IdempotencyRecord.objects.count()


BAD_AMOUNTS = [
    12.5,
    12,
    True,
    None,
    "1E+3",
    "1e3",
    "NaN",
    "Infinity",
    "-5",
    "+5",
    " 7 ",
    "١٢",
    "１２",
    "1,000",
    "01.5",
    ".5",
    "10.005",
    "0",
    "0.00",
    "1000000000",
    "",
    "12.3.4",
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_bad_amounts_are_refused_with_a_code_and_move_nothing(
    alice: Any, bob: Any, amount: Any
) -> None:
    before = ledger_rows()
    response = post(
        api(alice), "/api/v1/transfers", {"recipient": bob.login_name, "amount": amount}
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"]["code"] in {
        "amount_invalid",
        "amount_must_be_string",
        "amount_too_many_decimals",
        "amount_not_positive",
        "amount_too_large",
        "validation_failed",
    }
    assert body["error"]["message"]
    assert ledger_rows() == before


def test_transfer_api_replays_byte_identical_responses(alice: Any, bob: Any) -> None:
    client = api(alice)
    body = {"recipient": bob.login_name, "amount": "12.30", "memo": "午饭"}
    first = post(client, "/api/v1/transfers", body, key="same")
    replays = [post(client, "/api/v1/transfers", body, key="same") for _ in range(3)]
    assert first.status_code == 201
    assert all(r.status_code == 201 and r.content == first.content for r in replays)
    assert replays[0]["Idempotent-Replayed"] == "true"
    assert JournalEntry.objects.filter(kind="transfer").count() == 1
    assert LedgerAccount.objects.get(code=f"wallet:{bob.pk}:CNY").posted == 12_30


def test_transfer_api_key_rules(alice: Any, bob: Any) -> None:
    client = api(alice)
    body = {"recipient": bob.login_name, "amount": "1.00"}
    missing = post(client, "/api/v1/transfers", body, key=None)
    assert (missing.status_code, missing.json()["error"]["code"]) == (
        400,
        "idempotency_key_missing",
    )
    post(client, "/api/v1/transfers", body, key="k")
    changed = post(client, "/api/v1/transfers", {**body, "amount": "2.00"}, key="k")
    assert (changed.status_code, changed.json()["error"]["code"]) == (422, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (
            '{"recipient": "x", "amount": "1", "amount": "9999"}',
            "application/json",
            400,
            "duplicate_json_key",
        ),
        ('{"recipient": "x", "amount": NaN}', "application/json", 400, "malformed_json"),
        ("{not json", "application/json", 400, "malformed_json"),
        ("amount=1", "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_strict_json(alice: Any, raw: str, content_type: str, status: int, code: str) -> None:
    response = api(alice).post(
        "/api/v1/transfers", raw, content_type=content_type, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_unknown_fields_are_refused(alice: Any, bob: Any) -> None:
    response = post(
        api(alice),
        "/api/v1/transfers",
        {"recipient": bob.login_name, "amount": "1.00", "balance": "1e6", "is_staff": True},
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["fields"]) == {"balance", "is_staff"}
    assert ledger_rows()[0] == 1


def test_errors_are_translated(alice: Any, bob: Any) -> None:
    body = {"recipient": bob.login_name, "amount": "500.00"}
    body["payment_password"] = PAY_PASSWORD
    zh = api(alice).post(
        "/api/v1/transfers",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="a",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    en = api(alice).post(
        "/api/v1/transfers",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="b",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert zh.json()["error"]["code"] == en.json()["error"]["code"] == "insufficient_balance"
    assert en.json()["error"]["message"] == "Your available balance is not enough for this."
    assert zh.json()["error"]["message"] != en.json()["error"]["message"]


def test_frozen_wallet_answers_423_and_keeps_the_ledger(alice: Any, bob: Any) -> None:
    wallets.freeze_wallet(alice.pk, reason="stolen phone", frozen_by="customer")
    before = ledger_rows()
    response = post(
        api(alice), "/api/v1/transfers", {"recipient": bob.login_name, "amount": "1.00"}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (423, "account_frozen")
    assert ledger_rows() == before


def test_payment_api_and_object_scoping(alice: Any, bob: Any) -> None:
    shop = make_merchant()
    paid = post(
        api(alice),
        "/api/v1/payments",
        {"merchant_id": str(shop.public_id), "amount": "8.00", "payment_password": "258036"},
    )
    assert paid.status_code == 201, paid.content
    payment_id = paid.json()["id"]
    assert "payment_password" not in paid.json()
    assert api(alice).get(f"/api/v1/payments/{payment_id}").status_code == 200
    other = api(bob).get(f"/api/v1/payments/{payment_id}")
    missing = api(bob).get(f"/api/v1/payments/{uuid.uuid4()}")
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"] == missing.json()["error"]
    assert api(None).get(f"/api/v1/payments/{payment_id}").status_code == 401


def test_only_staff_can_refund(alice: Any, user_factory: Any) -> None:
    shop = make_merchant()
    payment_id = post(
        api(alice),
        "/api/v1/payments",
        {"merchant_id": str(shop.public_id), "amount": "8.00", "payment_password": "258036"},
    ).json()["id"]
    body = {"amount": "3.00", "reason_code": "merchant_agreed", "note": "缺货"}
    assert post(api(alice), f"/api/v1/payments/{payment_id}/refunds", body).status_code == 403
    agent = user_factory(role="agent")
    # Staff refunds also need a fresh second factor (test_staff_refunds.py has the rest).
    from walletdesk.payments.tests.test_staff_refunds import _staff_client

    refunded = post(_staff_client(agent), f"/api/v1/payments/{payment_id}/refunds", body)
    assert refunded.status_code == 201
    assert refunded.json()["payment_status"] == "partially_refunded"


def test_records_list_filters_and_pins_queries(
    alice: Any, bob: Any, django_assert_num_queries: Any
) -> None:
    client = api(alice)
    for n in range(5):
        post(
            client,
            "/api/v1/transfers",
            {"recipient": bob.login_name, "amount": f"{n + 1}.00"},
            key=f"r{n}",
        )
    # session, user, one page query; then the session is saved for the idle timeout:
    # savepoint, update, release
    with django_assert_num_queries(6):
        response = client.get("/api/v1/records?type=transfer_out&min_amount=3")
    rows = response.json()["results"]
    assert [r["amount"] for r in rows] == ["-5.00", "-4.00", "-3.00"]
    bad = client.get("/api/v1/records?date_from=yesterday")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "validation_failed")


def test_csv_statement(alice: Any, bob: Any) -> None:
    post(
        api(alice),
        "/api/v1/transfers",
        {"recipient": bob.login_name, "amount": "6.60", "memo": "=cmd"},
        key="c",
    )
    response = api(alice).get("/api/v1/records/export.csv")
    chunks = cast(Iterator[bytes], cast(StreamingHttpResponse, response).streaming_content)
    text = b"".join(chunks).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "time,type,status,title,counterparty,amount,fee,currency,id"
    assert len(lines) == 2  # header and the transfer (test funding writes no record)
    assert "-6.60" in text


def test_fx_quote_api(alice: Any) -> None:
    from walletdesk.payments import fx

    fx.load_rates(fx.FileRateProvider())
    response = api(alice).post(
        "/api/v1/fx/quotes",
        json.dumps({"buy_currency": "USD", "buy_amount": "10.00"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["sell_currency"] == "CNY" and body["spread_bp"] == 50
    assert body["sell_amount"] == "71.41"


def test_a_transfer_needs_the_payment_password_and_a_wrong_one_moves_nothing(
    alice: Any, bob: Any
) -> None:
    client = api(alice)
    before = ledger_rows()
    bare = client.post(
        "/api/v1/transfers",
        json.dumps({"recipient": bob.login_name, "amount": "1.00"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="bare",
    )
    assert (bare.status_code, bare.json()["error"]["code"]) == (
        400,
        "payment_confirmation_required",
    )
    wrong = post(
        client,
        "/api/v1/transfers",
        {"recipient": bob.login_name, "amount": "1.00", "payment_password": "135790"},
        key="wrong",
    )
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "wrong_payment_password")
    assert ledger_rows() == before
    right = post(client, "/api/v1/transfers", {"recipient": bob.login_name, "amount": "1.00"})
    assert right.status_code == 201


def test_the_transfer_preview_names_the_recipient_masked(alice: Any, bob: Any) -> None:
    from walletdesk.identity.models import KycSubmission

    KycSubmission.objects.create(
        user=bob, real_name="李雷", id_number_last4="1234", id_number_hash="x", status="approved"
    )
    before = ledger_rows()
    response = api(alice).post(
        "/api/v1/transfers/preview",
        json.dumps({"recipient": bob.login_name, "amount": "12.30"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["recipient"] == {
        "name": "李*",
        "name_verified": True,
        "contact": f"{bob.phone[3:6]}****{bob.phone[-4:]}",
    }
    assert (body["amount"], body["total"]) == ("12.30", "12.30")
    assert ledger_rows() == before
