"""Property-based test over random sequences of wallet operations (security guide MON-2).

A Hypothesis state machine drives transfers, merchant payments (domestic and through an FX
quote), refunds, holds and their capture, release and expiry, freezes and idempotent replays
against three funded customers. It keeps its own model of every ledger account's balance and
predicts each command's outcome before running it:

- a command the model expects to succeed must succeed and move exactly the modelled amounts;
- a command the model expects to be refused must be refused with the predicted code and must
  leave every balance and every ledger and business table as it was;
- after every step every account's posted and held amounts equal the model, the ledger checks
  pass (each entry and each currency sums to zero, cached balances equal the postings, no wallet
  below zero), and the step ran outside any transaction, so each command committed on its own.

The test runs committing (`django_db(transaction=True)`): on PostgreSQL the deferred zero-sum
constraint trigger fires at each command's commit, as it does in production. The customers are
funded so that most commands succeed; the run counts them and asserts the success share, so the
machine cannot quietly turn into a test of refusals. Probes built to be refused (one fen over
the balance, a transfer to oneself, an over-refund) are counted apart.
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.identity.enums import Role
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import User
from walletdesk.ledger import actions as ledger
from walletdesk.ledger.enums import AccountKind, EntryKind
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import Hold, IdempotencyRecord, JournalEntry, LedgerAccount, Posting
from walletdesk.payments import accounts, fx, operations, wallets
from walletdesk.payments.models import (
    Activity,
    FeeRule,
    Payment,
    Refund,
    Transfer,
    UsageCounter,
)
from walletdesk.payments.operations import PAYMENTS_PER_MINUTE
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

PIN = "258036"
CUSTOMERS = 3
FUNDING = 1_000_00  # each customer starts with ¥1,000.00: far more than a run spends
TRANSFER_FEE_BP = 30  # the transfer fee rule the test installs: 0.30 %, no minimum
INTERNATIONAL_FEE_BP = 150
SUCCESS_SHARE = 0.60  # of the ordinary commands (not the probes), at least this share succeeds

amounts = st.integers(min_value=1, max_value=30_00)
top_ups = st.integers(min_value=10_00, max_value=200_00)
customers = st.integers(0, CUSTOMERS - 1)

# WALLETDESK_PROPERTY_PROFILE=long for a longer run by hand (after a change to the ledger or the
# payments commands). CI runs the default: under coverage the long one took 3 1/2 minutes of one
# worker's time on SQLite, a third of the pass.
PROFILES: dict[str, tuple[int, int]] = {  # (examples, steps per example)
    "default": (20, 25),
    "long": (40, 40),
}
_phones = itertools.count(1)


def transfer_fee(amount: int) -> int:
    """The fee rule installed below, computed apart from payments.fees: 0.30 % rounded half up
    to the fen."""
    return (amount * TRANSFER_FEE_BP + 5_000) // 10_000


@dataclass
class ModelledPayment:
    public_id: str
    user: int
    merchant_account: int
    amount: int  # in the merchant's currency
    debit_amount: int  # in the wallet's currency, without the fee
    international: bool
    refunded: int = 0
    credited: int = 0

    @property
    def remaining(self) -> int:
        return self.amount - self.refunded


@dataclass(frozen=True)
class ModelledHold:
    hold_id: int
    account: int
    amount: int
    due: bool  # created already past its expiry: the next expiry run releases it


class WalletMachine(RuleBasedStateMachine):
    # Counted over the whole run (every example) and read by the test after it.
    tally: Counter[str] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.users: list[int] = []
        self.expected: dict[int, list[int]] = {}  # account id → [posted, held]
        self.frozen: set[int] = set()
        self.payments: list[ModelledPayment] = []
        self.holds: dict[int, ModelledHold] = {}
        self.payment_times: dict[int, list[float]] = {}
        self.replays: list[tuple[Callable[[], Any], Any]] = []  # (replay thunk, first outcome)

    # --- setup and the model ------------------------------------------------------------------

    @initialize()
    def setup(self) -> None:
        # Earlier examples' holds that are already due must not expire under this example's
        # model: release them first, then take the model's starting point from the database.
        ledger.expire_due_holds()
        self.expected = {pk: [posted, held] for pk, posted, held in self._balances()}
        run = uuid.uuid4().hex[:8]
        for _ in range(CUSTOMERS):
            phone = f"+86137{next(_phones):08d}"
            user = User.objects.create_user(phone, None, phone=phone, role=Role.CUSTOMER)
            wallets.open_wallet(user.pk, ("CNY",))
            set_payment_password(user.pk, PIN)
            self.users.append(user.pk)
            self.payment_times[user.pk] = []
            self._top_up(user.pk, FUNDING)
        self.shop = make_merchant(f"shop-{run}")
        self.abroad = make_merchant(f"abroad-{run}", currency="USD")

    def _balances(self) -> list[tuple[int, int, int]]:
        return list(LedgerAccount.objects.values_list("pk", "posted", "held"))

    def _move(self, account_id: int, amount: int) -> None:
        self.expected.setdefault(account_id, [0, 0])[0] += amount

    def _hold_amount(self, account_id: int, amount: int) -> None:
        self.expected.setdefault(account_id, [0, 0])[1] += amount

    def _wallet(self, user_id: int) -> int:
        return accounts.wallet_account_id(user_id, "CNY")

    def _system(self, kind: AccountKind, currency: str = "CNY", qualifier: str = "") -> int:
        return accounts.system_account_id(kind, currency, qualifier)

    def available(self, user_id: int) -> int:
        posted, held = self.expected.get(self._wallet(user_id), [0, 0])
        return posted - held

    def _debit_refusal(self, user_id: int, total: int) -> str | None:
        """What the ledger answers a debit of `total` from the customer's wallet: a frozen
        wallet is refused before its balance is looked at."""
        if user_id in self.frozen:
            return "account_frozen"
        if total > self.available(user_id):
            return "insufficient_balance"
        return None

    def _payment_refusal(self, user_id: int, total: int) -> str | None:
        minute_ago = time.monotonic() - 60
        recent = sum(1 for moment in self.payment_times[user_id] if moment > minute_ago)
        if recent >= PAYMENTS_PER_MINUTE:
            return "risk_rejected"
        return self._debit_refusal(user_id, total)

    def _written_rows(self) -> tuple[int, ...]:
        return (
            *(
                model.objects.count()
                for model in (
                    JournalEntry,
                    Posting,
                    Hold,
                    IdempotencyRecord,
                    Payment,
                    Refund,
                    Transfer,
                    UsageCounter,
                )
            ),
            # A refused payment or transfer adds only its failed record (payments.refusals;
            # test_refused_attempts_properties.py checks those).
            Activity.objects.exclude(status="failed").count(),
        )

    def run_command(
        self, refusal: str | None, command: Callable[[], Any], *, probe: bool = False
    ) -> Any:
        """Run a command the model has judged; return its outcome, or None when refused.

        Ordinary commands count towards the success share; probes (built to be refused) are
        counted apart."""
        kind = "probe" if probe else "command"
        self.tally[f"{kind}:attempted"] += 1
        before = self._written_rows()
        try:
            outcome = command()
        except WalletDeskError as error:
            assert refusal is not None, f"the model expected success, got {error.code}"
            assert error.code == refusal, f"expected {refusal}, got {error.code}"
            assert self._written_rows() == before, "a refused command wrote rows"
            self.tally[f"{kind}:refused:{error.code}"] += 1
            return None
        assert refusal is None, f"the model expected {refusal}, the command succeeded"
        self.tally[f"{kind}:succeeded"] += 1
        return outcome

    def _top_up(self, user_id: int, amount: int) -> None:
        credit_wallet(user_id, Money(amount, "CNY"))
        self._move(self._system(AccountKind.RAIL_CLEARING, "CNY", "bank_card"), -amount)
        self._move(self._wallet(user_id), amount)

    # --- money in -----------------------------------------------------------------------------

    @rule(who=customers, amount=top_ups)
    def top_up(self, who: int, amount: int) -> None:
        self._top_up(self.users[who], amount)

    # --- money out ----------------------------------------------------------------------------

    def _transfer(self, sender: int, recipient: int, amount: int) -> Callable[[], Any]:
        key, login = uuid.uuid4().hex, User.objects.get(pk=recipient).login_name
        return lambda: operations.transfer(
            payer=operations.Payer.customer(sender),
            recipient=login,
            amount=Money(amount, "CNY").to_decimal_string(),
            currency="CNY",
            idempotency_key=key,
            confirmed=True,
        )

    @rule(src=customers, offset=st.integers(1, CUSTOMERS - 1), amount=amounts)
    def transfer(self, src: int, offset: int, amount: int) -> None:
        sender, recipient = self.users[src], self.users[(src + offset) % CUSTOMERS]
        fee = transfer_fee(amount)
        thunk = self._transfer(sender, recipient, amount)
        outcome = self.run_command(self._debit_refusal(sender, amount + fee), thunk)
        if outcome is None:
            return
        assert outcome.body["fee"] == Money(fee, "CNY").to_decimal_string()
        self._move(self._wallet(sender), -(amount + fee))
        self._move(self._wallet(recipient), amount)
        if fee:
            self._move(self._system(AccountKind.FEE_REVENUE), fee)
        self.replays.append((thunk, outcome))

    def _pay(
        self, user_id: int, merchant_id: str, price: Money, quote_id: str | None = None
    ) -> Callable[[], Any]:
        key = uuid.uuid4().hex
        return lambda: operations.pay_merchant(
            payer=operations.Payer.customer(user_id),
            merchant_id=merchant_id,
            amount=price.to_decimal_string(),
            payment_password=PIN,
            idempotency_key=key,
            fx_quote_id=quote_id,
        )

    def _record_payment(self, outcome: Any, payment: ModelledPayment) -> None:
        assert outcome.body["id"] == payment.public_id
        self.payment_times[payment.user].append(time.monotonic())
        self.payments.append(payment)

    @rule(who=customers, amount=amounts)
    def pay(self, who: int, amount: int) -> None:
        user_id = self.users[who]
        thunk = self._pay(user_id, str(self.shop.public_id), Money(amount, "CNY"))
        outcome = self.run_command(self._payment_refusal(user_id, amount), thunk)
        if outcome is None:
            return
        merchant = accounts.merchant_account_id(self.shop.pk, "CNY")
        self._move(self._wallet(user_id), -amount)
        self._move(merchant, amount)
        self._record_payment(
            outcome, ModelledPayment(outcome.body["id"], user_id, merchant, amount, amount, False)
        )
        self.replays.append((thunk, outcome))

    @rule(who=customers, cents=st.integers(1, 8_00))
    def pay_abroad(self, who: int, cents: int) -> None:
        user_id = self.users[who]
        price = Money(cents, "USD")
        # The customer pays what the accepted quote says (the quote's pricing is tested in
        # test_fx); here the quote is the input the model moves money by.
        quote = fx.create_quote(user_id=user_id, sell_currency="CNY", buy=price)
        assert (quote.sell_currency, quote.buy_currency, quote.buy_amount) == ("CNY", "USD", cents)
        debit, fee = quote.sell_amount, quote.fee
        thunk = self._pay(user_id, str(self.abroad.public_id), price, str(quote.public_id))
        outcome = self.run_command(self._payment_refusal(user_id, debit + fee), thunk)
        quote.refresh_from_db()
        if outcome is None:
            assert quote.used_at is None, "a refused payment used up its quote"
            return
        assert quote.used_at is not None
        merchant = accounts.merchant_account_id(self.abroad.pk, "USD")
        self._move(self._wallet(user_id), -(debit + fee))
        self._move(self._system(AccountKind.FX_POSITION, "CNY"), debit)
        self._move(self._system(AccountKind.FX_POSITION, "USD"), -cents)
        self._move(merchant, cents)
        if fee:
            self._move(self._system(AccountKind.FEE_REVENUE), fee)
        self._record_payment(
            outcome, ModelledPayment(outcome.body["id"], user_id, merchant, cents, debit, True)
        )

    def _refund(self, payment: ModelledPayment, amount: int) -> Callable[[], Any]:
        key = uuid.uuid4().hex
        currency = "USD" if payment.international else "CNY"
        return lambda: operations.refund_payment(
            payment_id=payment.public_id,
            amount=Money(amount, currency).to_decimal_string(),
            reason="test",
            requested_by="agent:1",
            idempotency_key=key,
        )

    def _refundable(self) -> list[ModelledPayment]:
        return [payment for payment in self.payments if payment.remaining > 0]

    @precondition(lambda self: bool(self._refundable()))
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        payment = data.draw(st.sampled_from(self._refundable()))
        amount = data.draw(st.integers(1, payment.remaining))
        outcome = self.run_command(None, self._refund(payment, amount))
        is_last = amount == payment.remaining
        if not payment.international:
            credit = amount
        elif is_last:
            credit = payment.debit_amount - payment.credited  # the whole debit, to the fen
        else:
            credit = payment.debit_amount * amount // payment.amount
        assert outcome.body["payment_status"] == ("refunded" if is_last else "partially_refunded")
        assert outcome.body["credit_amount"] == Money(credit, "CNY").to_decimal_string()
        payment.refunded += amount
        payment.credited += credit
        self._move(payment.merchant_account, -amount)
        if payment.international:
            self._move(self._system(AccountKind.FX_POSITION, "USD"), amount)
            self._move(self._system(AccountKind.FX_POSITION, "CNY"), -credit)
        self._move(self._wallet(payment.user), credit)

    # --- holds (two-phase) --------------------------------------------------------------------

    def _create_hold(self, account_id: int, amount: int, *, due: bool) -> Callable[[], Hold]:
        expires_at = timezone.now() + (timedelta(minutes=-5) if due else timedelta(days=1))

        def command() -> Hold:
            with transaction.atomic():
                return ledger.create_hold(
                    account_id=account_id, amount=amount, expires_at=expires_at
                )

        return command

    @rule(who=customers, amount=amounts, due=st.booleans())
    def hold(self, who: int, amount: int, due: bool) -> None:
        user_id = self.users[who]
        account = self._wallet(user_id)
        command = self._create_hold(account, amount, due=due)
        created = self.run_command(self._debit_refusal(user_id, amount), command)
        if created is not None:
            self.holds[created.pk] = ModelledHold(created.pk, account, amount, due)
            self._hold_amount(account, amount)

    def _active_holds(self) -> list[ModelledHold]:
        return sorted(self.holds.values(), key=lambda hold: hold.hold_id)

    @precondition(lambda self: bool(self.holds))
    @rule(data=st.data())
    def capture(self, data: st.DataObject) -> None:
        # Allowed on a frozen wallet too: the payout already left under the hold.
        hold = data.draw(st.sampled_from(self._active_holds()))
        amount = data.draw(st.integers(1, hold.amount))
        rail = self._system(AccountKind.RAIL_CLEARING, "CNY", "bank_card")
        with transaction.atomic():
            ledger.capture_hold(
                hold_id=hold.hold_id,
                amount=amount,
                counter_legs=[ledger.Leg(rail, amount)],
                kind=EntryKind.WITHDRAWAL,
            )
        del self.holds[hold.hold_id]
        self._hold_amount(hold.account, -hold.amount)
        self._move(hold.account, -amount)
        self._move(rail, amount)

    @precondition(lambda self: bool(self.holds))
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        hold = data.draw(st.sampled_from(self._active_holds()))
        with transaction.atomic():
            ledger.release_hold(hold.hold_id)
        del self.holds[hold.hold_id]
        self._hold_amount(hold.account, -hold.amount)

    @rule()
    def expire(self) -> None:
        due = [hold for hold in self.holds.values() if hold.due]
        assert ledger.expire_due_holds() == len(due)
        for hold in due:
            del self.holds[hold.hold_id]
            self._hold_amount(hold.account, -hold.amount)

    # --- freezes ------------------------------------------------------------------------------

    # One rule both freezes and unfreezes, and at most one customer is frozen: with two rules,
    # an example that leaves the unfreeze out keeps a wallet frozen to its end and turns most of
    # that customer's commands into refusals.
    @rule(who=customers)
    def freeze_or_unfreeze(self, who: int) -> None:
        if self.frozen:
            wallets.unfreeze_wallet(self.frozen.pop(), frozen_by="customer")
        else:
            wallets.freeze_wallet(self.users[who], reason="test", frozen_by="customer")
            self.frozen.add(self.users[who])

    # --- refusals on purpose ------------------------------------------------------------------

    @rule(
        who=customers,
        kind=st.sampled_from(["transfer", "pay", "hold", "self_transfer", "over_refund"]),
        data=st.data(),
    )
    def probe(self, who: int, kind: str, data: st.DataObject) -> None:
        """One fen over what the model says the customer has, a transfer to oneself, a refund
        over what is left of a payment: each is refused with its code and changes nothing."""
        user_id = self.users[who]
        too_much = self.available(user_id) + 1
        if kind == "over_refund" and self.payments:
            payment = data.draw(st.sampled_from(self.payments))
            refusal = "refund_exceeds_payment" if payment.remaining else "payment_not_refundable"
            self.run_command(refusal, self._refund(payment, payment.remaining + 1), probe=True)
        elif kind == "self_transfer":
            thunk = self._transfer(user_id, user_id, 1_00)
            self.run_command("transfer_to_self", thunk, probe=True)
        elif kind == "transfer":
            thunk = self._transfer(user_id, self.users[(who + 1) % CUSTOMERS], too_much)
            self.run_command(self._debit_refusal(user_id, too_much), thunk, probe=True)
        elif kind == "hold":
            command = self._create_hold(self._wallet(user_id), too_much, due=False)
            self.run_command(self._debit_refusal(user_id, too_much), command, probe=True)
        else:
            thunk = self._pay(user_id, str(self.shop.public_id), Money(too_much, "CNY"))
            self.run_command(self._payment_refusal(user_id, too_much), thunk, probe=True)

    # --- idempotency --------------------------------------------------------------------------

    @precondition(lambda self: bool(self.replays))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        thunk, first = data.draw(st.sampled_from(self.replays))
        rows = self._written_rows()
        again = thunk()
        assert again.replayed
        assert (again.status, again.body) == (first.status, first.body)
        assert self._written_rows() == rows

    # --- after every step ---------------------------------------------------------------------

    @invariant()
    def every_balance_is_the_modelled_one(self) -> None:
        actual = {pk: [posted, held] for pk, posted, held in self._balances()}
        for account_id in actual.keys() | self.expected.keys():
            assert actual.get(account_id, [0, 0]) == self.expected.get(account_id, [0, 0]), (
                LedgerAccount.objects.get(pk=account_id).code
            )

    @invariant()
    def the_ledger_holds_and_every_step_committed(self) -> None:
        # Outside any transaction: each command's own transaction committed, so on PostgreSQL
        # the deferred zero-sum trigger has run on every entry the step wrote.
        assert not connection.in_atomic_block
        report = check_ledger()
        assert report.ok, report.violations


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_random_operation_sequences_keep_the_ledger_whole_and_match_the_model() -> None:
    FeeRule.objects.create(operation="transfer", currency="CNY", rate_bp=TRANSFER_FEE_BP)
    FeeRule.objects.create(operation="international", currency="CNY", rate_bp=INTERNATIONAL_FEE_BP)
    fx.load_rates(fx.FileRateProvider())
    WalletMachine.tally = Counter()
    examples, steps = PROFILES[os.environ.get("WALLETDESK_PROPERTY_PROFILE", "default")]

    run_state_machine_as_test(
        WalletMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )

    tally = WalletMachine.tally
    share = tally["command:succeeded"] / tally["command:attempted"]
    assert share >= SUCCESS_SHARE, dict(tally)
    # The probes ran too, and each was refused for the reason the model predicted.
    assert tally["probe:attempted"] and not tally["probe:succeeded"], dict(tally)
