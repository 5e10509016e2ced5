"""A transfer's refusal must not tell who has a wallet (issue 12: `recipient_not_found` against
`insufficient_balance` listed the registered phone numbers for anyone with an empty wallet).

"No such wallet" is said only to a caller who could have sent the money; anyone else gets the
refusal a real recipient would have met. Those answers are audited, and ten in an hour pause the
caller's transfers. The suite runs on SQLite (Python path) and PostgreSQL (database function).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import AuditEvent
from walletdesk.payments import wallets
from walletdesk.payments.limits import invalidate_limit_cache
from walletdesk.payments.models import LimitRule, Transfer
from walletdesk.payments.tests.factories import credit_wallet

pytestmark = pytest.mark.django_db

UNKNOWN = "13900009999"


@pytest.fixture
def payee(user_factory: Any) -> Any:
    user = user_factory(display_name="刘洋")
    wallets.open_wallet(user.pk)
    return user


PAY_PASSWORD = "258036"


def _caller(user_factory: Any, balance: int) -> tuple[Any, Client]:
    user = user_factory(display_name="王小明")
    wallets.open_wallet(user.pk)
    set_payment_password(user.pk, PAY_PASSWORD)
    if balance:
        credit_wallet(user.pk, Money(balance, "CNY"))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return user, client


def _send(client: Client, recipient: str, amount: str) -> Any:
    return client.post(
        "/api/v1/transfers",
        json.dumps({"recipient": recipient, "amount": amount, "payment_password": PAY_PASSWORD}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )


def _answer(response: Any) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def test_an_empty_wallet_gets_the_same_answer_for_known_and_unknown_numbers(
    user_factory: Any, payee: Any
) -> None:
    _user, client = _caller(user_factory, 0)
    known = _answer(_send(client, payee.login_name, "1.00"))
    unknown = _answer(_send(client, UNKNOWN, "1.00"))
    unknown_email = _answer(_send(client, "nobody@example.com", "1.00"))
    assert known == unknown == unknown_email
    assert known[1] == "insufficient_balance"


def test_more_than_the_balance_gets_the_same_answer(user_factory: Any, payee: Any) -> None:
    _user, client = _caller(user_factory, 50_00)
    assert _answer(_send(client, payee.login_name, "50.01")) == _answer(
        _send(client, UNKNOWN, "50.01")
    )


def test_over_a_limit_gets_the_same_answer(user_factory: Any, payee: Any) -> None:
    LimitRule.objects.create(
        operation="transfer", kyc_level=0, currency="CNY", per_transaction=20_00, per_day=30_00
    )
    invalidate_limit_cache()
    _user, client = _caller(user_factory, 100_00)
    single = _answer(_send(client, payee.login_name, "25.00"))
    assert single[1] == "limit_exceeded"
    assert single == _answer(_send(client, UNKNOWN, "25.00"))
    assert _send(client, payee.login_name, "20.00").status_code == 201
    daily = _answer(_send(client, payee.login_name, "15.00"))
    assert daily[1] == "limit_exceeded"
    assert daily == _answer(_send(client, UNKNOWN, "15.00"))


def test_a_frozen_wallet_gets_the_same_answer(user_factory: Any, payee: Any) -> None:
    user, client = _caller(user_factory, 100_00)
    wallets.freeze_wallet(user.pk, reason="test", frozen_by="customer")
    known = _answer(_send(client, payee.login_name, "1.00"))
    assert known[1] == "account_frozen"
    assert known == _answer(_send(client, UNKNOWN, "1.00"))


def test_a_caller_who_could_pay_is_told_and_audited_and_ten_misses_pause_transfers(
    user_factory: Any, payee: Any, settings: Any
) -> None:
    # Out of the way here: the per-minute look-up limit of the API (tested in api/tests).
    rest = settings.REST_FRAMEWORK
    rates = {**rest["DEFAULT_THROTTLE_RATES"], "recipient_lookup": "100/min"}
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": rates}
    user, client = _caller(user_factory, 100_00)
    for n in range(10):
        response = _send(client, f"1390000{n:04d}", "1.00")
        assert _answer(response)[1] == "recipient_not_found", n
    assert (
        AuditEvent.objects.filter(
            subject_id=user.pk, action="recipient_lookup", result="not_found"
        ).count()
        == 10
    )
    assert AuditEvent.objects.filter(
        subject_id=user.pk, action="rate_limited", result="denied"
    ).exists()
    # Now every transfer is paused, to a real wallet too: the pause says nothing about anyone.
    for recipient in (payee.login_name, UNKNOWN):
        paused = _send(client, recipient, "1.00")
        assert paused.status_code == 429
        assert paused.json()["error"]["code"] == "recipient_lookups_limited"
        assert int(paused["Retry-After"]) == 3600
    assert not Transfer.objects.exists()


def test_the_pause_is_on_the_customers_row_for_an_hour(user_factory: Any, payee: Any) -> None:
    """Kept with the account, not in a cache: every process sees it, a cache flush does not lift
    it, and the signed-in customer's transfer checks it without a query of its own."""
    from datetime import timedelta

    from django.utils import timezone

    from walletdesk.identity.facade import (
        recipient_lookups_blocked,
        recipient_lookups_blocked_of,
        record_recipient_miss,
    )
    from walletdesk.identity.models import User

    user, client = _caller(user_factory, 100_00)
    for _ in range(9):
        record_recipient_miss(user.pk, "phone")
    assert not recipient_lookups_blocked(user.pk)
    record_recipient_miss(user.pk, "phone")
    paused_until = User.objects.get(pk=user.pk).recipient_lookups_paused_until
    assert paused_until is not None
    assert timedelta(minutes=59) < paused_until - timezone.now() <= timedelta(hours=1)
    assert recipient_lookups_blocked(user.pk)
    assert recipient_lookups_blocked_of(User.objects.get(pk=user.pk))
    assert _answer(_send(client, payee.login_name, "1.00"))[1] == "recipient_lookups_limited"
    # An hour on, the pause has ended by itself.
    User.objects.filter(pk=user.pk).update(
        recipient_lookups_paused_until=timezone.now() - timedelta(seconds=1)
    )
    assert not recipient_lookups_blocked(user.pk)
    assert _send(client, payee.login_name, "1.00").status_code == 201
    assert Transfer.objects.count() == 1


def test_the_payee_preview_answers_like_the_transfer(user_factory: Any, payee: Any) -> None:
    from walletdesk.core.errors import WalletDeskError
    from walletdesk.payments import operations

    def preview(user: Any, recipient: str, amount: str) -> str:
        try:
            found = operations.find_recipient(
                payer=operations.Payer.customer(user.pk),
                recipient=recipient,
                amount=amount,
                currency="CNY",
            )
        except WalletDeskError as error:
            return error.code
        return str(found.user_id)

    empty, _client = _caller(user_factory, 0)
    assert preview(empty, payee.login_name, "1.00") == preview(empty, UNKNOWN, "1.00")
    assert preview(empty, UNKNOWN, "1.00") == "insufficient_balance"

    funded, _client = _caller(user_factory, 100_00)
    assert preview(funded, payee.login_name, "1.00") == str(payee.pk)
    assert preview(funded, UNKNOWN, "1.00") == "recipient_not_found"
    assert AuditEvent.objects.filter(subject_id=funded.pk, action="recipient_lookup").count() == 1
