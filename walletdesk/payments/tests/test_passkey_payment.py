"""Merchant payments confirmed with a passkey instead of the payment password (API and page)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import AuditEvent
from walletdesk.identity.tests.softauthn import SoftAuthenticator
from walletdesk.ledger.models import IdempotencyRecord, JournalEntry, LedgerAccount, Posting
from walletdesk.payments import wallets
from walletdesk.payments.models import Payment
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db

OPTIONS = "/api/v1/identity/passkeys/payment-options"


@pytest.fixture
def alice(user_factory: Any) -> Any:
    user = user_factory(display_name="张伟")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(100_00, "CNY"))
    set_payment_password(user.pk, "258036")
    return user


@pytest.fixture
def merchant() -> Any:
    return make_merchant("瑞幸咖啡")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _options(client: Client) -> dict[str, Any]:
    response = client.post(OPTIONS)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _pay(client: Client, merchant: Any, key: str, **confirm: Any) -> Any:
    body = {"merchant_id": str(merchant.public_id), "amount": "19.90", **confirm}
    return client.post(
        "/api/v1/payments",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def _ledger() -> tuple[int, int, int, int]:
    return (
        JournalEntry.objects.count(),
        Posting.objects.count(),
        IdempotencyRecord.objects.count(),
        Payment.objects.count(),
    )


def _balance(user: Any) -> int:
    return int(LedgerAccount.objects.get(code=f"wallet:{user.pk}:CNY").posted)


def test_a_passkey_assertion_pays_and_cannot_be_replayed(alice, merchant):
    authenticator = SoftAuthenticator()
    authenticator.register(alice)
    client = _client(alice)
    options = _options(client)
    assert options["userVerification"] == "required"
    assert [c["id"] for c in options["allowCredentials"]] == [
        json.loads(authenticator.assertion(options))["id"]
    ]
    authenticator.sign_count = 0  # the assertion above was only built, never sent

    assertion = authenticator.assertion(options)
    paid = _pay(client, merchant, "k1", passkey_assertion=assertion)
    assert paid.status_code == 201, paid.content
    assert paid.json()["status"] == "completed"
    assert _balance(alice) == 80_10
    assert AuditEvent.objects.filter(
        action="passkey_assert", result="ok", subject_id=alice.pk
    ).exists()

    before = _ledger()
    replay = _pay(client, merchant, "k2", passkey_assertion=assertion)
    assert replay.status_code == 400 and replay.json()["error"]["code"] == "passkey_invalid"
    _options(client)  # a fresh challenge does not revive the old signature either
    again = _pay(client, merchant, "k3", passkey_assertion=assertion)
    assert again.status_code == 400 and again.json()["error"]["code"] == "passkey_invalid"
    assert _ledger() == before and _balance(alice) == 80_10

    # The same idempotency key replays the stored outcome (no second charge, no new check).
    same = _pay(client, merchant, "k1", passkey_assertion=assertion)
    assert same.status_code == 201 and same.json() == paid.json()
    assert _ledger() == before


def test_a_foreign_or_unverified_assertion_is_refused_with_the_ledger_unchanged(
    alice, merchant, user_factory
):
    mallory = user_factory()
    theirs = SoftAuthenticator()
    theirs.register(mallory)
    mine = SoftAuthenticator()
    mine.register(alice)
    client = _client(alice)
    before = _ledger()

    # Another customer's passkey signing Alice's challenge.
    foreign = _pay(client, merchant, "f1", passkey_assertion=theirs.assertion(_options(client)))
    assert foreign.status_code == 400 and foreign.json()["error"]["code"] == "passkey_invalid"
    # Alice's passkey, but the challenge was issued to another session.
    other_session = _client(alice)
    stolen = mine.assertion(_options(other_session))
    _options(client)
    wrong_session = _pay(client, merchant, "f2", passkey_assertion=stolen)
    assert wrong_session.json()["error"]["code"] == "passkey_invalid"
    # Without user verification (no fingerprint / face).
    unverified = mine.assertion(_options(client), user_verified=False)
    assert _pay(client, merchant, "f3", passkey_assertion=unverified).status_code == 400
    # Garbage.
    _options(client)
    assert _pay(client, merchant, "f4", passkey_assertion="{}").status_code == 400

    assert _ledger() == before and _balance(alice) == 100_00
    assert AuditEvent.objects.filter(action="passkey_assert", result="failed").count() >= 3


def test_exactly_one_confirmation_method(alice, merchant):
    authenticator = SoftAuthenticator()
    authenticator.register(alice)
    client = _client(alice)
    before = _ledger()
    neither = _pay(client, merchant, "n1")
    assert neither.status_code == 400
    assert neither.json()["error"]["code"] == "payment_confirmation_required"
    both = _pay(
        client,
        merchant,
        "n2",
        payment_password="258036",
        passkey_assertion=authenticator.assertion(_options(client)),
    )
    assert both.status_code == 400
    assert both.json()["error"]["code"] == "payment_confirmation_ambiguous"
    assert _ledger() == before
    # The password path is unchanged.
    assert _pay(client, merchant, "n3", payment_password="258036").status_code == 201


def test_the_pay_page_accepts_a_passkey(alice, merchant):
    authenticator = SoftAuthenticator()
    authenticator.register(alice)
    client = _client(alice)
    page = client.get("/pay/")
    assert b'id="passkey-pay"' in page.content and b"payments/passkey-pay.js" in page.content
    options = client.post("/account/security/passkeys/payment-options/")
    assert options.status_code == 200
    response = client.post(
        "/pay/",
        {
            "merchant": str(merchant.public_id),
            "amount": "19.90",
            "payment_password": "",
            "passkey_assertion": authenticator.assertion(options.content.decode()),
            "idempotency_key": "page-1",
            "step": "pay",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert _balance(alice) == 80_10


def test_customers_without_a_passkey_see_no_passkey_button(alice):
    page = _client(alice).get("/pay/")
    assert page.status_code == 200 and b"passkey-pay" not in page.content
