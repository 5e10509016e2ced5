from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.core.money import Money
from walletdesk.identity.errors import PaymentPasswordLockedError, WrongPaymentPasswordError
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.errors import (
    AccountFrozenError,
    IdempotencyKeyReusedError,
    InsufficientBalanceError,
)
from walletdesk.ledger.idempotency import IdempotentOutcome
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import JournalEntry, LedgerAccount
from walletdesk.payments import fx, operations, wallets
from walletdesk.payments.errors import (
    FxQuoteExpiredError,
    FxQuoteUsedError,
    LimitExceededError,
    PaymentNotRefundableError,
    RecipientNotFoundError,
    RefundExceedsPaymentError,
    SelfTransferError,
)
from walletdesk.payments.fees import invalidate_fee_cache
from walletdesk.payments.limits import invalidate_limit_cache
from walletdesk.payments.models import Activity, FeeRule, LimitRule, Payment, Transfer
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db

PIN = "258036"


def available(user_id: int, currency: str = "CNY") -> int:
    account = LedgerAccount.objects.get(code=f"wallet:{user_id}:{currency}")
    return account.posted - account.held


@pytest.fixture
def alice(user_factory: Any) -> Any:
    user = user_factory(display_name="王小明")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(100_00, "CNY"))
    set_payment_password(user.pk, PIN)
    return user


@pytest.fixture
def bob(user_factory: Any) -> Any:
    user = user_factory(display_name="李华")
    wallets.open_wallet(user.pk)
    return user


def send(sender: Any, recipient: Any, amount: str, key: str | None = None) -> IdempotentOutcome:
    return operations.transfer(
        payer=operations.Payer.customer(sender.pk),
        recipient=recipient.login_name,
        amount=amount,
        currency="CNY",
        idempotency_key=key or uuid.uuid4().hex,
        confirmed=True,
    )


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    invalidate_fee_cache()
    invalidate_limit_cache()


class TestTransfer:
    def test_moves_money_and_writes_records_for_both_sides(self, alice: Any, bob: Any) -> None:
        outcome = send(alice, bob, "30.50")

        assert outcome.status == 201 and not outcome.replayed
        assert available(alice.pk) == 69_50
        assert available(bob.pk) == 30_50
        rows = {row.user_id: row for row in Activity.objects.filter(type__startswith="transfer")}
        assert rows[alice.pk].amount == -30_50
        assert rows[bob.pk].amount == 30_50
        assert check_ledger().ok

    def test_replay_with_the_same_key_moves_no_more_money(self, alice: Any, bob: Any) -> None:
        first = send(alice, bob, "10.00", key="k-1")
        again = send(alice, bob, "10.00", key="k-1")

        assert again.replayed and again.body == first.body and again.status == first.status
        assert Transfer.objects.count() == 1
        assert available(alice.pk) == 90_00

    def test_same_key_with_another_amount_is_refused(self, alice: Any, bob: Any) -> None:
        send(alice, bob, "10.00", key="k-2")
        with pytest.raises(IdempotencyKeyReusedError):
            send(alice, bob, "11.00", key="k-2")
        assert available(alice.pk) == 90_00

    def test_insufficient_balance_changes_nothing(self, alice: Any, bob: Any) -> None:
        entries = JournalEntry.objects.count()
        with pytest.raises(InsufficientBalanceError):
            send(alice, bob, "100.01")
        assert available(alice.pk) == 100_00
        assert JournalEntry.objects.count() == entries
        # Only the refused attempt is in the records: failed, and nothing moved.
        (row,) = Activity.objects.filter(type="transfer_out")
        assert (row.status, row.failure_reason) == ("failed", "insufficient_balance")

    def test_refused_transfer_can_be_retried_with_the_same_key(self, alice: Any, bob: Any) -> None:
        with pytest.raises(InsufficientBalanceError):
            send(alice, bob, "150.00", key="retry")
        credit_wallet(alice.pk, Money(100_00, "CNY"))
        assert send(alice, bob, "150.00", key="retry").status == 201

    def test_to_self_and_to_unknown_recipient(self, alice: Any) -> None:
        with pytest.raises(SelfTransferError):
            send(alice, alice, "1.00")
        with pytest.raises(RecipientNotFoundError):
            operations.transfer(
                payer=operations.Payer.customer(alice.pk),
                recipient="+8613900000000",
                amount="1.00",
                currency="CNY",
                idempotency_key="x",
                confirmed=True,
            )

    def test_frozen_sender_cannot_send_but_can_receive(self, alice: Any, bob: Any) -> None:
        wallets.freeze_wallet(alice.pk, reason="phone lost", frozen_by="customer")
        with pytest.raises(AccountFrozenError):
            send(alice, bob, "1.00")
        credit_wallet(bob.pk, Money(5_00, "CNY"))
        send(bob, alice, "5.00")
        assert available(alice.pk) == 105_00
        wallets.unfreeze_wallet(alice.pk, frozen_by="customer")
        assert send(alice, bob, "1.00").status == 201

    def test_fee_is_a_posting_in_the_same_entry(self, alice: Any, bob: Any) -> None:
        FeeRule.objects.create(operation="transfer", currency="CNY", rate_bp=100, minimum=10)
        invalidate_fee_cache()
        outcome = send(alice, bob, "10.00")
        entry = JournalEntry.objects.get(reference=f"transfer:{outcome.body['id']}")
        assert sorted(p.amount for p in entry.postings.all()) == [-10_10, 10, 10_00]
        assert outcome.body["fee"] == "0.10"

    def test_daily_limit(self, alice: Any, bob: Any) -> None:
        LimitRule.objects.create(
            operation="transfer", kyc_level=0, per_transaction=50_00, per_day=60_00
        )
        invalidate_limit_cache()
        with pytest.raises(LimitExceededError):
            send(alice, bob, "50.01")
        send(alice, bob, "50.00")
        with pytest.raises(LimitExceededError) as caught:
            send(alice, bob, "10.01")
        assert caught.value.code == "limit_exceeded"
        assert available(alice.pk) == 50_00


class TestMerchantPayment:
    def pay(self, user: Any, merchant: Any, amount: str, pin: str = PIN, **kw: Any) -> Any:
        return operations.pay_merchant(
            payer=operations.Payer.customer(user.pk),
            merchant_id=str(merchant.public_id),
            amount=amount,
            payment_password=pin,
            idempotency_key=kw.pop("key", uuid.uuid4().hex),
            **kw,
        )

    def test_pays_a_domestic_merchant(self, alice: Any) -> None:
        shop = make_merchant()
        outcome = self.pay(alice, shop, "25.80")
        assert outcome.body["debit_amount"] == "25.80"
        assert available(alice.pk) == 74_20
        assert LedgerAccount.objects.get(code=f"merchant:{shop.pk}:CNY").posted == 25_80

    def test_wrong_password_five_times_locks_payments(self, alice: Any) -> None:
        shop = make_merchant()
        for attempt in range(4):
            with pytest.raises(WrongPaymentPasswordError) as caught:
                self.pay(alice, shop, "1.00", pin="000000")
            assert caught.value.details["attempts_left"] == 4 - attempt
        with pytest.raises(PaymentPasswordLockedError):
            self.pay(alice, shop, "1.00", pin="000000")
        with pytest.raises(PaymentPasswordLockedError):
            self.pay(alice, shop, "1.00")
        assert available(alice.pk) == 100_00
        assert not Payment.objects.exists()

    def test_international_payment_converts_through_fx_without_losing_money(
        self, alice: Any
    ) -> None:
        fx.load_rates(fx.FileRateProvider())
        FeeRule.objects.create(operation="international", currency="CNY", rate_bp=150)
        invalidate_fee_cache()
        store = make_merchant("Blue Bottle Coffee", currency="USD")
        quote = fx.create_quote(user_id=alice.pk, sell_currency="CNY", buy=Money(3_00, "USD"))
        # 3.00 USD × 7.1050 × 1.005 = 21.4216…, rounded up to the fen
        assert quote.sell_amount == 21_43
        assert quote.fee == 32  # 1.5 % of 21.43, rounded half up

        outcome = self.pay(alice, store, "3.00", fx_quote_id=str(quote.public_id))

        assert outcome.body["debit_amount"] == "21.43"
        assert available(alice.pk) == 100_00 - 21_43 - 32
        assert LedgerAccount.objects.get(code=f"merchant:{store.pk}:USD").posted == 3_00
        report = check_ledger()
        assert report.ok, report.violations
        assert report.totals_by_currency == {"CNY": 0, "USD": 0}

    def test_a_quote_is_used_once_and_expires(self, alice: Any) -> None:
        fx.load_rates(fx.FileRateProvider())
        store = make_merchant("Uniqlo US", currency="USD")
        quote = fx.create_quote(user_id=alice.pk, sell_currency="CNY", buy=Money(1_00, "USD"))
        self.pay(alice, store, "1.00", fx_quote_id=str(quote.public_id))
        with pytest.raises(FxQuoteUsedError):
            self.pay(alice, store, "1.00", fx_quote_id=str(quote.public_id))
        stale = fx.create_quote(user_id=alice.pk, sell_currency="CNY", buy=Money(1_00, "USD"))
        type(stale).objects.filter(pk=stale.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        with pytest.raises(FxQuoteExpiredError):
            self.pay(alice, store, "1.00", fx_quote_id=str(stale.public_id))


class TestRefund:
    def refund(self, payment_id: str, amount: str) -> Any:
        return operations.refund_payment(
            payment_id=payment_id,
            amount=amount,
            reason="商品缺货",
            requested_by="agent:1",
            idempotency_key=uuid.uuid4().hex,
        )

    def test_partial_refunds_never_exceed_the_payment(self, alice: Any) -> None:
        shop = make_merchant()
        payment = TestMerchantPayment().pay(alice, shop, "100.00").body
        self.refund(payment["id"], "60.00")
        with pytest.raises(RefundExceedsPaymentError):
            self.refund(payment["id"], "50.00")
        last = self.refund(payment["id"], "40.00")
        assert last.body["payment_status"] == "refunded"
        with pytest.raises(PaymentNotRefundableError):
            self.refund(payment["id"], "0.01")
        assert available(alice.pk) == 100_00
        assert Activity.objects.get(type="payment").status == "refunded"
        assert check_ledger().ok

    def test_international_refunds_add_up_to_what_was_paid(self, alice: Any) -> None:
        fx.load_rates(fx.FileRateProvider())
        store = make_merchant("Steam", currency="USD")
        quote = fx.create_quote(user_id=alice.pk, sell_currency="CNY", buy=Money(9_99, "USD"))
        payment = (
            TestMerchantPayment().pay(alice, store, "9.99", fx_quote_id=str(quote.public_id)).body
        )
        credits = [
            self.refund(payment["id"], part).body["credit_amount"]
            for part in ("3.33", "3.33", "3.33")
        ]
        assert sum(int(c.replace(".", "")) for c in credits) == quote.sell_amount
        assert available(alice.pk) == 100_00
        assert check_ledger().ok


class TestWalletLifecycle:
    def test_closure_lists_what_blocks_it(self, alice: Any) -> None:
        codes = [b.code for b in wallets.closure_blockers(alice.pk)]
        assert codes == ["balance_not_zero"]

    def test_closure_of_an_empty_wallet(self, bob: Any) -> None:
        assert wallets.closure_blockers(bob.pk) == []
        wallets.close_wallet(bob.pk)
        assert bob.wallet.__class__.objects.get(pk=bob.wallet.pk).status == "closed"
        assert LedgerAccount.objects.get(code=f"wallet:{bob.pk}:CNY").debits_blocked

    def test_frozen_wallet_history_is_recorded(self, alice: Any) -> None:
        wallets.freeze_wallet(alice.pk, reason="手机丢了", frozen_by="customer")
        wallets.freeze_wallet(alice.pk, reason="again", frozen_by="customer")
        wallet = alice.wallet.__class__.objects.get(user=alice)
        assert wallet.status == "frozen" and wallet.frozen_by == "customer"
        assert [c.new_status for c in wallet.status_changes.all()] == ["frozen"]
        assert [b.code for b in wallets.closure_blockers(alice.pk)] == [
            "wallet_frozen",
            "balance_not_zero",
        ]
