"""JSON API of top-ups, withdrawals and cards: idempotency (MON-4), bad amounts (MON-1), access."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from walletdesk.ledger.models import Hold, IdempotencyRecord, JournalEntry, Posting
from walletdesk.payments.models import Activity, TopUp, Withdrawal
from walletdesk.payments.tests.conftest import PAY_PASSWORD, available

pytestmark = pytest.mark.django_db

TOP_UPS = "/api/v1/top-ups"
WITHDRAWALS = "/api/v1/withdrawals"


def _post(client: Any, url: str, body: Any, key: str | None = "k-1", raw: bool = False) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    if url == WITHDRAWALS and isinstance(body, dict):
        body = {"payment_password": PAY_PASSWORD, **body}  # the customer confirms withdrawals
    data = body if raw else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


def _counts() -> tuple[int, ...]:
    return (
        Posting.objects.count(),
        JournalEntry.objects.count(),
        Hold.objects.count(),
        TopUp.objects.count(),
        Withdrawal.objects.count(),
        IdempotencyRecord.objects.count(),
        Activity.objects.count(),
    )


@pytest.fixture
def funded(wallet_factory: Any, card_factory: Any, client_for: Any) -> tuple[Any, Any, Any]:
    user = wallet_factory(balance="100.00")
    return user, card_factory(user), client_for(user)


def test_top_up_replay_is_byte_identical_and_moves_money_once(
    funded: Any, run_on_commit: Any
) -> None:
    user, _card, client = funded
    body = {"amount": "25.00", "method": "bank_transfer"}
    with run_on_commit():
        first = _post(client, TOP_UPS, body, key="top-1")
    replays = [_post(client, TOP_UPS, body, key="top-1") for _ in range(3)]
    assert first.status_code == 201 and first.json()["status"] == "created"
    for replay in replays:
        assert replay.status_code == 201
        assert replay.content == first.content
        assert replay["Idempotent-Replayed"] == "true"
    assert TopUp.objects.filter(user=user).count() == 2  # the funding top-up and this one
    assert available(user) == 125_00
    detail = client.get(f"{TOP_UPS}/{first.json()['id']}").json()
    assert detail["status"] == "succeeded" and detail["trace_id"].startswith("SBXT")
    assert [step["to"] for step in detail["timeline"]] == ["created", "pending", "succeeded"]


def test_same_key_different_body_is_422_and_missing_key_400(funded: Any) -> None:
    _user, card, client = funded
    assert (
        _post(client, TOP_UPS, {"amount": "5.00", "method": "bank_transfer"}, key="a").status_code
        == 201
    )
    before = _counts()
    reused = _post(client, TOP_UPS, {"amount": "6.00", "method": "bank_transfer"}, key="a")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    for url, body in (
        (TOP_UPS, {"amount": "5.00", "method": "bank_transfer"}),
        (WITHDRAWALS, {"amount": "5.00", "card_id": str(card.public_id)}),
    ):
        missing = _post(client, url, body, key=None)
        assert missing.status_code == 400
        assert missing.json()["error"]["code"] == "idempotency_key_missing"
    assert _counts() == before


def test_withdrawal_replay_and_mismatch(funded: Any, run_on_commit: Any) -> None:
    user, card, client = funded
    body = {"amount": "10.00", "card_id": str(card.public_id)}
    with run_on_commit():
        first = _post(client, WITHDRAWALS, body, key="w-1")
    assert first.status_code == 201
    again = _post(client, WITHDRAWALS, body, key="w-1")
    assert again.status_code == 201 and again.content == first.content
    assert _post(client, WITHDRAWALS, {**body, "amount": "11.00"}, key="w-1").status_code == 422
    assert Withdrawal.objects.count() == 1 and available(user) == 90_00
    quote = client.post(
        f"{WITHDRAWALS}/quote", data=json.dumps(body), content_type="application/json"
    )
    assert quote.status_code == 200 and quote.json()["total_debit"] == "10.00"


BAD_AMOUNTS: list[Any] = [
    "0",
    "0.00",
    "-5",
    "-0.01",
    "+5",
    " 7 ",
    "7 ",
    "1e3",
    "1E+3",
    "NaN",
    "Infinity",
    "-Infinity",
    "10.005",
    "1,000",
    "1_000",
    "0x10",
    "",
    ".5",
    "5.",
    "١٢",
    "１２",
    "12\u00a0",
    "00.10",
    "10000.01",
    "99999999999",
    12.5,
    100,
    True,
    None,
    [],
    {},
    "1.2.3",
    "５",
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=[repr(a) for a in BAD_AMOUNTS])
def test_bad_amounts_are_400_with_a_code_and_change_nothing(funded: Any, amount: Any) -> None:
    _user, card, client = funded
    before = _counts()
    for url, body in (
        (TOP_UPS, {"amount": amount, "method": "bank_transfer"}),
        (WITHDRAWALS, {"amount": amount, "card_id": str(card.public_id)}),
    ):
        response = _post(client, url, body, key=f"bad-{uuid.uuid4().hex}")
        assert response.status_code == 400, (url, amount, response.content)
        assert response.json()["error"]["code"]
    assert _counts() == before


def test_raw_json_tricks_are_refused(funded: Any) -> None:
    _user, _card, client = funded
    before = _counts()
    for raw in (
        '{"amount": NaN, "method": "bank_transfer"}',
        '{"amount": "1.00", "amount": "1000.00", "method": "bank_transfer"}',
        '{"amount": 1e400, "method": "bank_transfer"}',
        '{"amount": "5.00", "method": "bank_transfer", "fee": "0"}',
        "[1, 2]",
        "not json",
    ):
        response = _post(client, TOP_UPS, raw, key=f"raw-{uuid.uuid4().hex}", raw=True)
        assert response.status_code == 400, raw
    assert _counts() == before


def test_insufficient_balance_is_409_and_changes_nothing(funded: Any) -> None:
    _user, card, client = funded
    before = _counts()
    response = _post(client, WITHDRAWALS, {"amount": "100.01", "card_id": str(card.public_id)})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_balance"
    assert _counts() == before


def test_bank_card_top_up_needs_a_card(funded: Any) -> None:
    _user, card, client = funded
    response = _post(client, TOP_UPS, {"amount": "5.00", "method": "bank_card"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "card_required"
    ok = _post(
        client,
        TOP_UPS,
        {"amount": "5.00", "method": "bank_card", "card_id": str(card.public_id)},
        key="k-2",
    )
    assert ok.status_code == 201 and ok.json()["card"]["last4"] == card.last4


def _owned_objects(funded: Any, run_on_commit: Any) -> dict[str, str]:
    _user, card, client = funded
    with run_on_commit():
        top_up = _post(client, TOP_UPS, {"amount": "5.00", "method": "bank_transfer"}, key="t")
        withdrawal = _post(
            client, WITHDRAWALS, {"amount": "5.00", "card_id": str(card.public_id)}, key="w"
        )
    return {
        "top_up": top_up.json()["id"],
        "withdrawal": withdrawal.json()["id"],
        "card": str(card.public_id),
    }


def test_access_matrix_anonymous_401_other_customer_404(
    funded: Any, run_on_commit: Any, wallet_factory: Any, client_for: Any, client: Any
) -> None:
    ids = _owned_objects(funded, run_on_commit)
    stranger = client_for(wallet_factory())
    missing = str(uuid.uuid4())
    gets = [f"{TOP_UPS}/{{top_up}}", f"{WITHDRAWALS}/{{withdrawal}}", "/api/v1/cards/{card}"]
    posts = [f"{TOP_UPS}/{{top_up}}/requery", f"{WITHDRAWALS}/{{withdrawal}}/requery"]
    for template in gets + posts:
        url = template.format(**ids)
        call = client.post if template in posts else client.get
        assert call(url).status_code == 401, url
        other_call = stranger.post if template in posts else stranger.get
        theirs = other_call(url)
        absent = other_call(template.format(top_up=missing, withdrawal=missing, card=missing))
        assert theirs.status_code == 404, url
        assert theirs.json()["error"] == absent.json()["error"]
    assert stranger.delete(f"/api/v1/cards/{ids['card']}").status_code == 404
    for url in (TOP_UPS, WITHDRAWALS, "/api/v1/cards"):
        assert client.get(url).status_code == 401
        assert stranger.get(url).json()["results"] == []


def test_lists_show_only_own_operations(funded: Any, run_on_commit: Any) -> None:
    ids = _owned_objects(funded, run_on_commit)
    _user, _card, client = funded
    top_ups = client.get(TOP_UPS).json()["results"]
    assert ids["top_up"] in {item["id"] for item in top_ups}
    assert [item["id"] for item in client.get(WITHDRAWALS).json()["results"]] == [ids["withdrawal"]]


def test_openapi_documents_the_rail_endpoints(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/top-ups",
        "/api/v1/top-ups/{public_id}/requery",
        "/api/v1/withdrawals",
        "/api/v1/withdrawals/quote",
        "/api/v1/cards",
        "/api/v1/rails/{method}/callback",
    ):
        assert path in schema["paths"], path
    params = schema["paths"]["/api/v1/top-ups"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in params)


def test_list_endpoints_use_a_fixed_number_of_queries(
    funded: Any, run_on_commit: Any, django_assert_num_queries: Any
) -> None:
    _user, card, client = funded
    for n in range(3):
        with run_on_commit():
            _post(client, TOP_UPS, {"amount": "1.00", "method": "bank_transfer"}, key=f"q{n}")
            _post(
                client, WITHDRAWALS, {"amount": "1.00", "card_id": str(card.public_id)}, key=f"w{n}"
            )
    # Pinned relative to the same request with fewer rows: the count includes the session and
    # identity middleware (owned elsewhere), and must not grow with the number of rows.
    counts = {}
    for url in (TOP_UPS, WITHDRAWALS, "/api/v1/cards"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured)
    with run_on_commit():
        for n in range(3, 6):
            _post(client, TOP_UPS, {"amount": "1.00", "method": "bank_transfer"}, key=f"q{n}")
    for url, expected in counts.items():
        with django_assert_num_queries(expected):
            client.get(url)
    assert len(client.get(TOP_UPS).json()["results"]) == 7
