"""Refused merchant payments and transfers are kept (payments.refusals): the caller gets the same
refusal as before, nothing moves, and the customer's records, the records API and the facade show
what was tried, why, and what to do next. Runs on SQLite and, with DATABASE_URL, PostgreSQL (where
the transfer is the database function and the refusal is recorded from Python after it)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import JournalEntry, LedgerAccount
from walletdesk.payments import facade, operations, refusals, wallets
from walletdesk.payments.models import Activity, LimitRule, Payment, RefusedAttempt, Transfer
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db

PIN = "258036"


@pytest.fixture
def payer(user_factory: Any) -> Any:
    user = user_factory(display_name="王小明")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(100_00, "CNY"))
    set_payment_password(user.pk, PIN)
    return user


@pytest.fixture
def payee(user_factory: Any) -> Any:
    user = user_factory(display_name="李华", phone="+8613900001234")
    wallets.open_wallet(user.pk)
    return user


@pytest.fixture
def shop() -> Any:
    return make_merchant("美宜佳便利店")


def money_state() -> dict[str, Any]:
    return {
        "balances": sorted(LedgerAccount.objects.values_list("code", "posted", "held")),
        "entries": JournalEntry.objects.count(),
        "payments": Payment.objects.count(),
        "transfers": Transfer.objects.count(),
    }


def pay(user: Any, merchant: Any, amount: str, *, key: str | None = None, pin: str = PIN) -> Any:
    return operations.pay_merchant(
        payer=operations.Payer.customer(user.pk),
        merchant_id=str(merchant.public_id),
        amount=amount,
        payment_password=pin,
        idempotency_key=key or uuid.uuid4().hex,
    )


def send(user: Any, to: str, amount: str, *, key: str | None = None, pin: str = PIN) -> Any:
    return operations.transfer(
        payer=operations.Payer.customer(user.pk),
        recipient=to,
        amount=amount,
        currency="CNY",
        payment_password=pin,
        idempotency_key=key or uuid.uuid4().hex,
    )


def refused(call: Callable[[], Any]) -> WalletDeskError:
    with pytest.raises(WalletDeskError) as caught:
        call()
    return caught.value


def only_attempt(user: Any) -> RefusedAttempt:
    (row,) = RefusedAttempt.objects.filter(user_id=user.pk)
    return row


class TestEachRefusalIsKept:
    def test_insufficient_balance_payment(self, payer: Any, shop: Any) -> None:
        before = money_state()
        error = refused(lambda: pay(payer, shop, "100.01"))
        assert (error.code, error.http_status) == ("insufficient_balance", 409)
        assert money_state() == before
        attempt = only_attempt(payer)
        assert (attempt.kind, attempt.reason, attempt.amount, attempt.currency) == (
            "payment",
            "insufficient_balance",
            100_01,
            "CNY",
        )
        assert attempt.merchant_id == shop.pk
        row = Activity.objects.get(object_public_id=attempt.public_id)
        assert (row.type, row.status, row.failure_reason, row.amount, row.fee) == (
            "payment",
            "failed",
            "insufficient_balance",
            -100_01,
            0,
        )
        assert row.title == "美宜佳便利店"
        assert check_ledger().ok

    def test_wrong_then_locked_payment_password(self, payer: Any, shop: Any) -> None:
        before = money_state()
        for _ in range(4):
            assert refused(lambda: pay(payer, shop, "1.00", pin="000000")).code == (
                "wrong_payment_password"
            )
        error = refused(lambda: pay(payer, shop, "1.00", pin="000000"))
        assert (error.code, error.http_status) == ("payment_password_locked", 423)
        error = refused(lambda: pay(payer, shop, "1.00"))  # even the right one, while locked
        assert error.code == "payment_password_locked"
        assert money_state() == before
        reasons = list(
            RefusedAttempt.objects.filter(user_id=payer.pk)
            .order_by("created_at", "id")
            .values_list("reason", flat=True)
        )
        assert reasons == ["wrong_payment_password"] * 4 + ["payment_password_locked"] * 2
        locked = RefusedAttempt.objects.filter(reason="payment_password_locked").first()
        assert locked is not None
        assert locked.details["locked_until"] == error.details["locked_until"]
        with translation.override("zh-hans"):
            step = refusals.next_step(locked.reason, locked.details)
        assert step == f"可以重置支付密码，或等到 {error.details['locked_until']} 后再试。"

    def test_frozen_wallet(self, payer: Any, payee: Any, shop: Any) -> None:
        wallets.freeze_wallet(payer.pk, reason="phone lost", frozen_by="customer")
        before = money_state()
        assert refused(lambda: pay(payer, shop, "1.00")).code == "account_frozen"
        error = refused(lambda: send(payer, payee.login_name, "1.00"))
        assert (error.code, error.http_status) == ("account_frozen", 423)
        assert money_state() == before
        assert sorted(
            RefusedAttempt.objects.filter(user_id=payer.pk).values_list("kind", "reason")
        ) == [("payment", "account_frozen"), ("transfer", "account_frozen")]

    def test_limit_reached_transfer(self, payer: Any, payee: Any, limit_rule: Any) -> None:
        limit_rule("transfer", per_transaction=10_00, per_day=20_00)
        before = money_state()
        error = refused(lambda: send(payer, payee.login_name, "10.01"))
        assert (error.code, error.http_status) == ("limit_exceeded", 403)
        assert money_state() == before
        attempt = only_attempt(payer)
        assert (attempt.kind, attempt.reason, attempt.amount) == (
            "transfer",
            "limit_exceeded",
            10_01,
        )
        assert attempt.recipient == payee.login_name
        row = Activity.objects.get(object_public_id=attempt.public_id)
        # The recipient is shown as the customer typed it, masked: never the wallet's name.
        assert row.counterparty == "139****1234"
        assert "李" not in row.title
        LimitRule.objects.all().delete()

    def test_risk_declined(self, payer: Any, shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(operations, "PAYMENTS_PER_MINUTE", 1)
        pay(payer, shop, "1.00")
        before = money_state()
        error = refused(lambda: pay(payer, shop, "1.00"))
        assert (error.code, error.http_status) == ("risk_rejected", 403)
        assert money_state() == before
        assert only_attempt(payer).reason == "risk_rejected"

    def test_closed_merchant_answers_as_before_and_is_kept_as_closed(
        self, payer: Any, shop: Any
    ) -> None:
        shop.is_active = False
        shop.save()
        before = money_state()
        error = refused(lambda: pay(payer, shop, "5.00"))
        assert (error.code, error.http_status) == ("merchant_not_found", 404)
        assert money_state() == before
        assert only_attempt(payer).reason == "merchant_closed"
        # An unusable amount still answers merchant_not_found, and keeps nothing.
        assert refused(lambda: pay(payer, shop, "abc")).code == "merchant_not_found"
        assert RefusedAttempt.objects.count() == 1

    def test_recipient_cannot_receive(self, payer: Any, payee: Any) -> None:
        wallets.close_wallet(payee.pk)
        error = refused(lambda: send(payer, payee.login_name, "1.00"))
        assert (error.code, error.http_status) == ("recipient_cannot_receive", 409)
        assert only_attempt(payer).reason == "recipient_cannot_receive"

    def test_what_names_no_payee_is_not_kept(self, payer: Any, shop: Any) -> None:
        assert refused(lambda: send(payer, "+8613700000000", "1.00")).code == (
            "recipient_not_found"
        )
        assert refused(lambda: send(payer, payer.login_name, "1.00")).code == "transfer_to_self"
        unknown = str(uuid.uuid4())
        with pytest.raises(WalletDeskError):
            operations.pay_merchant(
                payer=operations.Payer.customer(payer.pk),
                merchant_id=unknown,
                amount="1.00",
                payment_password=PIN,
                idempotency_key="k",
            )
        assert not RefusedAttempt.objects.exists()

    def test_unknown_recipient_hidden_behind_the_balance_is_kept_without_a_name(
        self, payer: Any
    ) -> None:
        """A caller without the balance is told insufficient_balance whoever the recipient is
        (issue 12); the record shows only what they typed."""
        error = refused(lambda: send(payer, "+8613700000000", "500.00"))
        assert error.code == "insufficient_balance"
        attempt = only_attempt(payer)
        assert attempt.recipient == "+8613700000000"
        assert Activity.objects.get(object_public_id=attempt.public_id).counterparty == (
            "137****0000"
        )


class TestGrowthIsBounded:
    def test_the_same_key_refused_again_updates_its_row(self, payer: Any, shop: Any) -> None:
        for _ in range(3):
            refused(lambda: pay(payer, shop, "100.01", key="retry-me"))
        attempt = only_attempt(payer)
        assert attempt.repeat_count == 3
        assert attempt.last_refused_at >= attempt.created_at
        assert Activity.objects.filter(status="failed").count() == 1
        # Topped up, the same key goes through: a refused command stored no outcome.
        credit_wallet(payer.pk, Money(1_00, "CNY"))
        assert pay(payer, shop, "100.01", key="retry-me").status == 201

    def test_a_flood_of_new_keys_is_counted_not_stored(self, payer: Any, shop: Any) -> None:
        for _ in range(refusals.NEW_PER_HOUR + 15):
            refused(lambda: pay(payer, shop, "100.01"))
        rows = RefusedAttempt.objects.filter(user_id=payer.pk)
        assert rows.count() == refusals.NEW_PER_HOUR
        assert sum(rows.values_list("repeat_count", flat=True)) == refusals.NEW_PER_HOUR + 15
        assert Activity.objects.filter(status="failed").count() == refusals.NEW_PER_HOUR

    def test_only_the_newest_are_kept(
        self, payer: Any, shop: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(refusals, "KEPT_PER_CUSTOMER", 3)
        for _ in range(5):
            refused(lambda: pay(payer, shop, "100.01"))
        kept = RefusedAttempt.objects.filter(user_id=payer.pk)
        assert kept.count() == 3
        assert set(
            Activity.objects.filter(status="failed").values_list("object_public_id", flat=True)
        ) == set(kept.values_list("public_id", flat=True))


class TestWhereItShows:
    def test_facade_recent_refused_attempts(self, payer: Any, payee: Any, shop: Any) -> None:
        refused(lambda: pay(payer, shop, "100.01"))
        wallets.freeze_wallet(payer.pk, reason="phone lost", frozen_by="customer")
        refused(lambda: send(payer, payee.login_name, "2.00"))
        with translation.override("zh-hans"):
            newest, older = facade.recent_refused_attempts(payer.pk)
        assert (newest.kind, newest.reason, newest.reason_label) == (
            "transfer",
            "account_frozen",
            "账户已冻结",
        )
        assert newest.recipient == "139****1234" and newest.merchant == ""
        assert (older.reason, older.reason_label, older.next_step) == (
            "insufficient_balance",
            "余额不足",
            "先充值，再重新付款。",
        )
        assert (older.merchant, older.amount) == ("美宜佳便利店", "¥100.01")
        assert older.url == f"/records/payment/{older.public_id}/"
        later = timezone.now() + timedelta(minutes=1)
        assert facade.recent_refused_attempts(payer.pk, since=later) == []
        assert len(facade.recent_refused_attempts(payer.pk, limit=1)) == 1
        assert facade.recent_refused_attempts(payee.pk) == []

    def test_facade_customer_records_carry_the_reason(self, payer: Any, shop: Any) -> None:
        refused(lambda: pay(payer, shop, "100.01"))
        attempt = only_attempt(payer)
        with translation.override("en"):
            found = facade.customer_records(payer.pk, [("payment", str(attempt.public_id))])
        summary = found[("payment", str(attempt.public_id))]
        assert (summary.status, summary.failure_reason, summary.failure_reason_label) == (
            "failed",
            "insufficient_balance",
            "Not enough balance",
        )
        assert summary.next_step == "Top up your wallet, then pay again."

    def test_records_page_and_detail(
        self,
        payer: Any,
        shop: Any,
        client_for: Callable[[Any], Client],
        user_factory: Callable[..., Any],
    ) -> None:
        refused(lambda: pay(payer, shop, "100.01"))
        attempt = only_attempt(payer)
        client = client_for(payer)
        page = client.get("/records/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "余额不足" in page and "美宜佳便利店" in page
        detail = client.get(
            f"/records/payment/{attempt.public_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
        assert "余额不足" in detail and "先充值，再重新付款。" in detail
        assert "这笔没有成功，钱包里的钱没有扣。" in detail
        # Another customer's attempt is a 404 like a missing one.
        other = client_for(user_factory())
        assert other.get(f"/records/payment/{attempt.public_id}/").status_code == 404

    def test_records_api(self, payer: Any, shop: Any, client_for: Callable[[Any], Client]) -> None:
        refused(lambda: pay(payer, shop, "100.01"))
        pay(payer, shop, "1.00")
        client = client_for(payer)
        body = client.get("/api/v1/records?status=failed", HTTP_ACCEPT_LANGUAGE="en").json()
        (row,) = body["results"]
        assert row["status"] == "failed" and row["amount"] == "-100.01"
        assert row["failure_reason"] == "insufficient_balance"
        assert row["failure_reason_text"] == "Not enough balance"
        assert row["next_step"] == "Top up your wallet, then pay again."
        paid = client.get("/api/v1/records?status=succeeded").json()["results"]
        assert [r["failure_reason"] for r in paid if r["type"] == "payment"] == [None]
        schema = json.loads(client.get("/api/v1/openapi.json").content)
        record = schema["components"]["schemas"]["RecordOutput"]["properties"]
        assert {"failure_reason", "failure_reason_text", "next_step"} <= set(record)


class TestQueryCounts:
    """The records list and API cost the same with refused attempts on the page."""

    def _fill(self, payer: Any, shop: Any, refusals_count: int) -> None:
        for _ in range(refusals_count):
            refused(lambda: pay(payer, shop, "100.01"))
        for _ in range(3):
            pay(payer, shop, "1.00")

    @pytest.mark.parametrize("refusals_count", [1, 6])
    def test_records_page(
        self,
        payer: Any,
        shop: Any,
        client_for: Callable[[Any], Client],
        django_assert_num_queries: Any,
        refusals_count: int,
    ) -> None:
        self._fill(payer, shop, refusals_count)
        client = client_for(payer)
        client.get("/records/")  # warm the session and caches
        with django_assert_num_queries(QUERIES_RECORDS_PAGE):
            response = client.get("/records/")
        assert response.content.decode().count("refusal-reason") == refusals_count

    @pytest.mark.parametrize("refusals_count", [0, 1, 6])
    def test_records_api(
        self,
        payer: Any,
        shop: Any,
        client_for: Callable[[Any], Client],
        django_assert_num_queries: Any,
        refusals_count: int,
    ) -> None:
        self._fill(payer, shop, refusals_count)
        client = client_for(payer)
        client.get("/api/v1/records")
        # One more query (the refused attempts' next-step values) only when there are some.
        with django_assert_num_queries(QUERIES_RECORDS_API + (1 if refusals_count else 0)):
            body = client.get("/api/v1/records").json()
        assert sum(1 for row in body["results"] if row["failure_reason"]) == refusals_count


# session, user, count, one page of records, announcements; session save (3): as without them
QUERIES_RECORDS_PAGE = 8
# as without refused attempts (test_api.py pins the list), plus one for their next-step values
QUERIES_RECORDS_API = 6
