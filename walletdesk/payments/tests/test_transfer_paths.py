"""The transfer runs as a database function on PostgreSQL and in Python elsewhere.

The refusals below run on both backends (the suite runs on each); the parity tests run both paths
on one PostgreSQL database and compare every row they write.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone, translation

from walletdesk.core.actors import Actor
from walletdesk.core.money import Money
from walletdesk.ledger.errors import (
    AccountFrozenError,
    IdempotencyKeyReusedError,
    InsufficientBalanceError,
)
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import IdempotencyRecord, JournalEntry, LedgerAccount
from walletdesk.notifications.actions import save_preferences
from walletdesk.notifications.facade import message_text
from walletdesk.notifications.models import Message
from walletdesk.payments import operations, wallets
from walletdesk.payments.errors import (
    LimitExceededError,
    RecipientCannotReceiveError,
    RecipientNotFoundError,
)
from walletdesk.payments.fees import invalidate_fee_cache
from walletdesk.payments.limits import invalidate_limit_cache
from walletdesk.payments.models import Activity, FeeRule, LimitRule, Transfer, UsageCounter
from walletdesk.payments.tests.factories import credit_wallet

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the database function exists on PostgreSQL"
)


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    invalidate_fee_cache()
    invalidate_limit_cache()


def wallet_user(user_factory: Any, name: str, balance: int = 0, currency: str = "CNY") -> Any:
    user = user_factory(display_name=name)
    wallets.open_wallet(user.pk)
    if balance:
        credit_wallet(user.pk, Money(balance, currency))
    return user


def send(sender: Any, recipient: str, amount: str, currency: str = "CNY", **kw: Any) -> Any:
    return operations.transfer(
        payer=operations.Payer.customer(sender.pk),
        recipient=recipient,
        amount=amount,
        currency=currency,
        idempotency_key=kw.pop("key", None) or uuid.uuid4().hex,
        **kw,
        confirmed=True,
    )


def test_a_closed_or_inactive_recipient_or_a_staff_member_cannot_receive(
    user_factory: Any,
) -> None:
    alice = wallet_user(user_factory, "王小明", 100_00)
    closed = wallet_user(user_factory, "已注销")
    wallets.close_wallet(closed.pk)
    inactive = wallet_user(user_factory, "停用")
    type(inactive).objects.filter(pk=inactive.pk).update(is_active=False)
    agent = user_factory(role="agent")
    wallets.open_wallet(agent.pk)

    with pytest.raises(RecipientCannotReceiveError):
        send(alice, closed.login_name, "1.00")
    for login_name in (inactive.login_name, agent.login_name, "not a phone", ""):
        with pytest.raises(RecipientNotFoundError):
            send(alice, login_name, "1.00")
    assert LedgerAccount.objects.get(code=f"wallet:{alice.pk}:CNY").posted == 100_00
    assert not Transfer.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_recipient_is_found_by_the_email_or_phone_bound_after_sign_up(
    user_factory: Any,
) -> None:
    """The field says "phone number or email": a customer who signed up with a phone and bound
    an email later (and one who signed up by email and bound a phone) is reached by either."""
    alice = wallet_user(user_factory, "王小明", 100_00)
    by_phone = wallet_user(user_factory, "李娜")
    type(by_phone).objects.filter(pk=by_phone.pk).update(email="li.na@example.com")
    by_email = wallet_user(user_factory, "张伟")
    type(by_email).objects.filter(pk=by_email.pk).update(
        login_name="zhang.wei@example.com", email="zhang.wei@example.com", phone="+8613900139000"
    )

    first = send(alice, "  Li.Na@Example.com ", "1.00")
    second = send(alice, "139 0013 9000", "2.00")
    third = send(alice, "zhang.wei@example.com", "3.00")

    assert (first.body["recipient"], second.body["recipient"]) == ("李娜", "张伟")
    assert third.body["recipient"] == "张伟"
    assert LedgerAccount.objects.get(code=f"wallet:{by_phone.pk}:CNY").posted == 1_00
    assert LedgerAccount.objects.get(code=f"wallet:{by_email.pk}:CNY").posted == 5_00
    with pytest.raises(RecipientNotFoundError):
        send(alice, "nobody@example.com", "1.00")


def _written() -> dict[str, Any]:
    return {
        "balances": sorted(LedgerAccount.objects.values_list("code", "posted", "held")),
        "entries": JournalEntry.objects.count(),
        "transfers": Transfer.objects.count(),
        # A refused transfer adds a failed record (payments.refusals) and nothing else.
        "records": Activity.objects.exclude(status="failed").count(),
        "messages": Message.objects.count(),
        "stored": IdempotencyRecord.objects.count(),
        "usage": sorted(UsageCounter.objects.values_list("user_id", "total", "count")),
    }


@pytest.mark.parametrize("sender_first", [True, False], ids=["sender-first", "recipient-first"])
def test_refusals_at_the_balance_write_nothing_whichever_account_is_locked_first(
    user_factory: Any, sender_first: bool
) -> None:
    """The database function updates balances in the ledger's lock order, so the recipient's
    wallet may be credited before the sender's debit is refused; the refusal must undo it. The
    precedence is the Python path's: the daily limit, then a frozen wallet, then the balance."""
    first = wallet_user(user_factory, "王小明")
    second = wallet_user(user_factory, "李华")
    sender, recipient = (first, second) if sender_first else (second, first)
    credit_wallet(sender.pk, Money(100_00, "CNY"))
    LimitRule.objects.create(
        operation="transfer", kyc_level=0, per_transaction=80_00, per_day=90_00
    )
    invalidate_limit_cache()
    send(sender, recipient.login_name, "60.00")
    before = _written()

    with pytest.raises(LimitExceededError):  # over the day's limit and the balance
        send(sender, recipient.login_name, "45.00", key="again")
    with pytest.raises(LimitExceededError):  # within the balance, over the day's limit
        send(sender, recipient.login_name, "30.01", key="again")
    assert _written() == before

    wallets.freeze_wallet(sender.pk, reason="phone lost", frozen_by="customer")
    frozen = _written()  # the freeze itself sends the customer a notice
    with pytest.raises(AccountFrozenError):
        send(sender, recipient.login_name, "1.00", key="again")
    assert _written() == frozen
    wallets.unfreeze_wallet(sender.pk, frozen_by="customer")
    LimitRule.objects.update(per_day=1_000_00)
    invalidate_limit_cache()
    before = _written()
    with pytest.raises(InsufficientBalanceError):
        send(sender, recipient.login_name, "40.01", key="again")
    assert _written() == before

    with transaction.atomic():
        # Inside the caller's transaction the refusal undoes only the call.
        with pytest.raises(InsufficientBalanceError):
            send(sender, recipient.login_name, "40.01", key="again")
        # the transaction is still usable
        assert Activity.objects.exclude(status="failed").count() == before["records"]
    assert _written() == before
    assert send(sender, recipient.login_name, "40.00", key="again").status == 201
    assert LedgerAccount.objects.get(code=f"wallet:{sender.pk}:CNY").posted == 0
    assert check_ledger().ok


def test_the_daily_limit_starts_again_at_midnight_beijing_time(
    user_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    LimitRule.objects.create(
        operation="transfer", kyc_level=0, per_transaction=80_00, per_day=100_00
    )
    sender = wallet_user(user_factory, "王小明", 500_00)
    recipient = wallet_user(user_factory, "李华")
    last_second = datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Beijing

    monkeypatch.setattr(timezone, "now", lambda: last_second)
    send(sender, recipient.login_name, "80.00")
    with pytest.raises(LimitExceededError):
        send(sender, recipient.login_name, "20.01")
    monkeypatch.setattr(timezone, "now", lambda: last_second + timedelta(seconds=1))
    assert send(sender, recipient.login_name, "80.00").status == 201
    with pytest.raises(LimitExceededError):
        send(sender, recipient.login_name, "20.01")
    monkeypatch.setattr(timezone, "now", lambda: last_second)  # a clock set back
    with pytest.raises(LimitExceededError):
        send(sender, recipient.login_name, "20.01")

    assert sorted(UsageCounter.objects.filter(user=sender).values_list("day", "total")) == [
        (date(2026, 11, 22), 80_00),
        (date(2026, 11, 23), 80_00),
    ]


def test_the_recipient_gets_an_account_in_a_new_currency(user_factory: Any) -> None:
    alice = wallet_user(user_factory, "王小明", 50_00, currency="USD")
    bob = wallet_user(user_factory, "李华")
    assert not LedgerAccount.objects.filter(code=f"wallet:{bob.pk}:USD").exists()

    outcome = send(alice, bob.login_name, "20.00", currency="USD")

    assert outcome.status == 201 and outcome.body["currency"] == "USD"
    assert LedgerAccount.objects.get(code=f"wallet:{bob.pk}:USD").posted == 20_00
    assert check_ledger().ok


def test_an_unusable_recipient_with_a_used_key_is_a_key_reuse(user_factory: Any) -> None:
    alice = wallet_user(user_factory, "王小明", 100_00)
    bob = wallet_user(user_factory, "李华")
    send(alice, bob.login_name, "1.00", key="same")
    with pytest.raises(IdempotencyKeyReusedError):
        send(alice, "nobody", "1.00", key="same")


def test_records_and_the_debit_alert(user_factory: Any) -> None:
    alice = wallet_user(user_factory, "王小明", 100_00)
    bob = wallet_user(user_factory, "李华")
    with translation.override("zh-hans"):
        outcome = send(alice, bob.login_name, "12.34", memo="午饭")

    out = Activity.objects.get(user=alice, type="transfer_out")
    incoming = Activity.objects.get(user=bob, type="transfer_in")
    assert (out.title, out.counterparty, out.amount) == ("转账给李华", "李华", -12_34)
    assert (incoming.amount, str(incoming.object_public_id)) == (12_34, outcome.body["id"])
    alert = Message.objects.select_related("user").get(user=alice, kind="debit")
    assert alert.channel == "inbox" and alert.status == "sent"
    subject, body = message_text(alert, "zh-hans")
    assert subject == "支出 ¥12.34" and f"转账（交易单号 transfer:{outcome.body['id']}"[:30] in body
    assert outcome.body == {
        "id": outcome.body["id"],
        "type": "transfer",
        "status": "succeeded",
        "amount": "12.34",
        "fee": "0.00",
        "currency": "CNY",
        "recipient": "李华",
        "memo": "午饭",
        "created_at": outcome.body["created_at"],
    }


def test_alerts_follow_the_senders_preferences(user_factory: Any) -> None:
    alice = wallet_user(user_factory, "王小明", 100_00)
    bob = wallet_user(user_factory, "李华")
    save_preferences(
        alice.pk, actor=Actor.customer(alice.pk), debit_alert_minor=10_00, transaction_sms=True
    )

    send(alice, bob.login_name, "9.99")
    assert not Message.objects.filter(user=alice, kind="debit").exists()
    send(alice, bob.login_name, "10.00")
    channels = sorted(Message.objects.filter(user=alice, kind="debit").values_list("channel"))
    assert channels == [("inbox",), ("sms",)]


# --- Both paths on one PostgreSQL database -------------------------------------------------------


def _snapshot(transfer_id: str) -> dict[str, Any]:
    """Every row one transfer wrote, without ids and timestamps."""
    transfer = Transfer.objects.get(public_id=transfer_id)
    entry = JournalEntry.objects.get(pk=transfer.entry_id)
    record = IdempotencyRecord.objects.get(response__contains=transfer_id)
    return {
        "transfer": (transfer.amount, transfer.fee, transfer.currency, transfer.memo),
        "entry": (
            entry.kind,
            entry.memo,
            entry.reference == f"transfer:{transfer_id}",
            entry.actor,
        ),
        "postings": sorted(
            (p.account.code.split(":")[0], p.amount, p.currency) for p in entry.postings.all()
        ),
        "activities": sorted(
            (a.type, a.status, a.currency, a.amount, a.fee, a.title, a.counterparty)
            for a in Activity.objects.filter(object_public_id=transfer_id)
        ),
        "alerts": sorted(
            (m.channel, m.category, m.status, m.destination, *message_text(m, "en"))
            for m in Message.objects.select_related("user").filter(
                kind="debit", context__reference=f"transfer:{transfer_id}"[:40]
            )
        ),
        "idempotency": (record.scope, record.response_status),
    }


@postgres_only
def test_both_paths_write_the_same_rows(user_factory: Any, monkeypatch: Any) -> None:
    FeeRule.objects.create(operation="transfer", currency="CNY", rate_bp=100, minimum=10)
    LimitRule.objects.create(
        operation="transfer", kyc_level=0, per_transaction=500_00, per_day=1000_00
    )
    alice = wallet_user(user_factory, "王小明", 300_00)
    bob = wallet_user(user_factory, "李华")
    save_preferences(alice.pk, actor=Actor.customer(alice.pk), transaction_sms=True)

    with translation.override("en"):
        in_database = send(alice, bob.login_name, "25.00", memo="rent")
        monkeypatch.setattr(operations, "is_postgres", lambda: False)
        in_python = send(alice, bob.login_name, "25.00", memo="rent")

    first, second = _snapshot(in_database.body["id"]), _snapshot(in_python.body["id"])
    for alert in first["alerts"]:
        assert in_database.body["id"][:20] in alert[-1]
    strip = {k: v for k, v in first.items() if k != "alerts"}
    assert strip == {k: v for k, v in second.items() if k != "alerts"}
    assert [a[:4] for a in first["alerts"]] == [a[:4] for a in second["alerts"]]
    assert {k for k in in_database.body} == {k for k in in_python.body}
    assert {k: v for k, v in in_database.body.items() if k not in ("id", "created_at")} == {
        k: v for k, v in in_python.body.items() if k not in ("id", "created_at")
    }
    counter = UsageCounter.objects.get(user=alice, operation="transfer")
    assert (counter.total, counter.count) == (50_00, 2)
    assert LedgerAccount.objects.get(code=f"wallet:{alice.pk}:CNY").posted == 300_00 - 2 * 25_25
    assert check_ledger().ok


@postgres_only
def test_the_transfer_call_is_prepared_on_the_server_and_the_orms_queries_are_not(
    user_factory: Any,
) -> None:
    alice = wallet_user(user_factory, "王小明", 100_00)
    bob = wallet_user(user_factory, "李华")
    first = send(alice, bob.login_name, "1.00")
    second = send(alice, bob.login_name, "2.00")

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert len(statements) == 1, statements
    assert statements[0].startswith("SELECT payments_transfer($1, $2,")
    assert (first.body["amount"], second.body["amount"]) == ("1.00", "2.00")
    assert LedgerAccount.objects.get(code=f"wallet:{bob.pk}:CNY").posted == 3_00


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_move_money_once(user_factory: Any) -> None:
    alice = wallet_user(user_factory, "王小明", 100_00)
    bob = wallet_user(user_factory, "李华")
    barrier = threading.Barrier(6, timeout=30)
    results: list[Any] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(send(alice, bob.login_name, "10.00", key="one-key"))
        except Exception as exc:  # collected and asserted below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 6 and all(not isinstance(r, Exception) for r in results), results
    assert len({r.body["id"] for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert Transfer.objects.count() == 1
    assert LedgerAccount.objects.get(code=f"wallet:{alice.pk}:CNY").posted == 90_00
    assert connection.vendor == "postgresql" and check_ledger().ok


def test_the_database_keeps_a_customer_with_transfers_and_records(user_factory: Any) -> None:
    """Transfer and Activity have no foreign-key constraint of their own on their users
    (see payments.models.Transfer): the wallet's constraint is what keeps such a customer's row.
    Deleting it behind the ORM's back is refused by the database."""
    alice = wallet_user(user_factory, "王小明", 100_00)
    bob = wallet_user(user_factory, "李华")
    send(alice, bob.login_name, "1.00")
    assert Activity.objects.filter(user=bob).exists()
    assert Transfer.objects.filter(recipient=bob).exists()

    table = type(bob)._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [bob.pk])
        # The wallet's constraint refuses it (and, since transfers tell the recipient, the
        # recipient's notice's too: either may be the one reported first).
        with pytest.raises(IntegrityError, match=r"payments_wallet|notifications_message"):
            connection.check_constraints()
        transaction.set_rollback(True)
    assert type(bob).objects.filter(pk=bob.pk).exists()
