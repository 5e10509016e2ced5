"""A passkey assertion that is not a JSON credential is refused like a wrong one, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.models import JournalEntry
from walletdesk.payments import wallets
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "assertion",
    ["{", "not json", "[" * 4000 + "]" * 4000, '{"id": "\\ud800"}', '{"id": 1, "id": 2}'],
)
def test_a_malformed_passkey_assertion_is_passkey_invalid(
    user_factory: Any, assertion: str
) -> None:
    user = user_factory()
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(100_00, "CNY"))
    set_payment_password(user.pk, "258036")
    merchant = make_merchant("瑞幸咖啡")
    client = Client()
    client.force_login(user)
    assert client.post("/api/v1/identity/passkeys/payment-options").status_code == 200
    entries = JournalEntry.objects.count()
    body = {
        "merchant_id": str(merchant.public_id),
        "amount": "19.90",
        "passkey_assertion": assertion,
    }
    response = client.post(
        "/api/v1/payments",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "passkey_invalid")
    assert JournalEntry.objects.count() == entries
