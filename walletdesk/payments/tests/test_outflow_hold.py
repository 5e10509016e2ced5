"""The hold on every outflow after a security change (issue 12, "Account takeover").

These run on whichever database the suite runs on: on PostgreSQL the transfer goes through the
database function (the hold is checked before the call), elsewhere through the Python command, so
the PostgreSQL pass and the SQLite pass each prove their path. The last test runs both paths on
one PostgreSQL database.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection  # noqa: F401  (read by the skipif condition)
from django.utils import timezone, translation

from walletdesk.core.errors import WalletDeskError
from walletdesk.identity.actions import mark_security_change
from walletdesk.identity.models import User
from walletdesk.ledger.models import Posting
from walletdesk.payments import operations
from walletdesk.payments.errors import OutflowHoldError, WithdrawalsOnHoldError
from walletdesk.payments.models import Merchant, Transfer
from walletdesk.payments.tests.factories import make_merchant
from walletdesk.payments.withdrawals import create_withdrawal

pytestmark = pytest.mark.django_db
PAY_PASSWORD = "246810"


@pytest.fixture
def people(wallet_factory: Any) -> dict[str, Any]:
    from walletdesk.identity.payment_password import set_payment_password

    owner = wallet_factory(balance="500.00", display_name="李雷")
    set_payment_password(owner.pk, PAY_PASSWORD)
    return {
        "owner": owner,
        "friend": wallet_factory(display_name="韩梅梅"),
        "stranger": wallet_factory(display_name="陌生人"),
    }


def send(sender: Any, recipient: Any, amount: str = "10.00", key: str | None = None) -> Any:
    return operations.transfer(
        payer=operations.Payer.customer(sender.pk),
        recipient=recipient.login_name,
        amount=amount,
        currency="CNY",
        idempotency_key=key or uuid.uuid4().hex,
        payment_password=PAY_PASSWORD,
    )


def pay(user: Any, merchant: Merchant, amount: str = "10.00") -> Any:
    return operations.pay_merchant(
        payer=operations.Payer.customer(user.pk),
        merchant_id=str(merchant.public_id),
        amount=amount,
        payment_password=PAY_PASSWORD,
        idempotency_key=uuid.uuid4().hex,
    )


def refused(call: Any) -> WalletDeskError:
    postings = Posting.objects.count()
    with pytest.raises(WalletDeskError) as caught:
        call()
    assert Posting.objects.count() == postings
    return caught.value


def test_after_a_password_change_only_payees_paid_before_can_be_paid(people: dict[str, Any]):
    owner, friend, stranger = people["owner"], people["friend"], people["stranger"]
    shop, new_shop = make_merchant("老地方面馆"), make_merchant("新开的店")
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        send(owner, friend)
        pay(owner, shop)
    mark_security_change(owner.pk)

    assert isinstance(refused(lambda: send(owner, stranger)), OutflowHoldError)
    assert isinstance(refused(lambda: pay(owner, new_shop)), OutflowHoldError)
    assert send(owner, friend).status == 201
    assert pay(owner, shop).status == 201
    # A payee first paid during the hold does not become "known" by it.
    assert Transfer.objects.filter(sender=owner, recipient=stranger).count() == 0


def test_an_unknown_recipient_during_the_hold_gets_the_same_refusal(people: dict[str, Any]):
    owner = people["owner"]
    mark_security_change(owner.pk)
    ghost = User(login_name="+8613900000000")
    assert isinstance(refused(lambda: send(owner, ghost)), OutflowHoldError)


def test_the_hold_ends_after_24_hours(people: dict[str, Any]):
    owner, stranger = people["owner"], people["stranger"]
    mark_security_change(owner.pk)
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        assert send(owner, stranger).status == 201
        assert pay(owner, make_merchant()).status == 201


def test_the_message_says_when_it_ends_in_the_customers_language_and_time_zone(
    people: dict[str, Any],
):
    owner, stranger = people["owner"], people["stranger"]
    with time_machine.travel("2026-11-20 02:30:00+00:00", tick=False):
        mark_security_change(owner.pk)
        with translation.override("zh-hans"):
            error = refused(lambda: send(owner, stranger))
            assert error.code == "outflow_hold"
            # 02:30 UTC + 24 h is 10:30 the next day in Beijing, as every page shows times.
            assert "2026年11月21日 10:30" in str(error.user_message)
            assert "付款" in str(error.user_message)
        with translation.override("en"):
            message = str(refused(lambda: send(owner, stranger)).user_message)
            assert "Nov. 21, 2026, 10:30 a.m." in message


def test_withdrawals_keep_their_code_after_a_contact_change_and_get_the_new_one_otherwise(
    people: dict[str, Any], card_factory: Any, run_on_commit: Any
):
    owner = people["owner"]
    card = card_factory(owner)

    def withdraw() -> Any:
        with run_on_commit():
            return create_withdrawal(
                user_id=owner.pk,
                kyc_level=0,
                amount="10.00",
                currency="CNY",
                card_id=str(card.public_id),
                idempotency_key=uuid.uuid4().hex,
                payment_password=PAY_PASSWORD,
            )

    mark_security_change(owner.pk)
    assert isinstance(refused(withdraw), OutflowHoldError)
    User.objects.filter(pk=owner.pk).update(contact_changed_at=timezone.now())
    assert isinstance(refused(withdraw), WithdrawalsOnHoldError)


def test_the_api_answers_403_outflow_hold(people: dict[str, Any], client_for: Any):
    owner, stranger = people["owner"], people["stranger"]
    mark_security_change(owner.pk)
    response = client_for(owner).post(
        "/api/v1/transfers",
        {
            "recipient": stranger.login_name,
            "amount": "10.00",
            "payment_password": PAY_PASSWORD,
        },
        content_type="application/json",
        headers={"Idempotency-Key": "held-1"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "outflow_hold"


def test_a_retry_of_a_transfer_made_before_the_hold_replays(people: dict[str, Any]):
    owner, stranger = people["owner"], people["stranger"]
    first = send(owner, stranger, key="before-the-change")
    mark_security_change(owner.pk)
    again = send(owner, stranger, key="before-the-change")
    assert (again.replayed, again.body["id"]) == (True, first.body["id"])


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="both paths on PostgreSQL")
def test_both_transfer_paths_hold_alike(people: dict[str, Any], monkeypatch: Any):
    owner, friend, stranger = people["owner"], people["friend"], people["stranger"]
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        send(owner, friend)
    mark_security_change(owner.pk)
    for database_function in (True, False):
        monkeypatch.setattr(operations, "is_postgres", lambda value=database_function: value)
        assert isinstance(refused(lambda: send(owner, stranger)), OutflowHoldError)
        assert send(owner, friend).status == 201
