"""Property-based test over random sequences of accepted and refused payments and transfers.

A Hypothesis state machine drives merchant payments (to an open and to a closed merchant) and
transfers, with the right or a wrong payment password, over and under the transfer limit, on
frozen and unfrozen wallets, against two customers. It keeps its own model of every wallet's
balance, of each customer's payment-password tries, and predicts each command's outcome:

- an accepted command moves exactly the modelled amount;
- a refused one is refused with the predicted code, leaves every ledger account, entry, payment,
  transfer and succeeded record as it was, and is recorded: the refused-attempt tally
  (`RefusedAttempt.repeat_count` summed) grows by exactly one, with the predicted reason when it
  is a new row, and its failed record row sits in the customer's records;
- after every step the balances equal the model, the ledger checks pass, and every step ran
  outside any transaction (the refusal's record was committed on its own).

Committing (`django_db(transaction=True)`), so on PostgreSQL the transfer is the database
function and its refusal is recorded from Python after the function's call undid itself.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.identity.enums import Role
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import User
from walletdesk.identity.payment_password import MAX_FAILED_ATTEMPTS
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import JournalEntry, LedgerAccount
from walletdesk.payments import accounts, operations, wallets
from walletdesk.payments.limits import invalidate_limit_cache
from walletdesk.payments.models import (
    Activity,
    LimitRule,
    Payment,
    RefusedAttempt,
    Transfer,
)
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

PIN = "258036"
WRONG_PIN = "135790"
CUSTOMERS = 2
TRANSFER_LIMIT = 30_00  # per transaction, for unverified customers (the rule installed below)
_phones = itertools.count(1)

amounts = st.integers(min_value=1, max_value=60_00)
customers = st.integers(0, CUSTOMERS - 1)
# Mostly the right password: a wrong one five times locks payments for the rest of the example.
passwords = st.sampled_from([PIN, PIN, PIN, PIN, WRONG_PIN, None])


class RefusalMachine(RuleBasedStateMachine):
    tally: Counter[str] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.users: list[int] = []
        self.balance: dict[int, int] = {}
        self.frozen: set[int] = set()
        self.wrong_tries: dict[int, int] = {}
        self.locked: set[int] = set()
        self.refused = 0

    @initialize()
    def setup(self) -> None:
        run = uuid.uuid4().hex[:8]
        for _ in range(CUSTOMERS):
            phone = f"+86135{next(_phones):08d}"
            user = User.objects.create_user(phone, None, phone=phone, role=Role.CUSTOMER)
            wallets.open_wallet(user.pk, ("CNY",))
            set_payment_password(user.pk, PIN)
            credit_wallet(user.pk, Money(100_00, "CNY"))
            self.users.append(user.pk)
            self.balance[user.pk] = 100_00
            self.wrong_tries[user.pk] = 0
        self.shop = make_merchant(f"shop-{run}")
        self.closed_shop = make_merchant(f"closed-{run}", is_active=False)

    # --- the model ----------------------------------------------------------------------------

    def _confirmation_refusal(self, user_id: int, pin: str | None) -> str | None:
        """What checking the payment password answers (None: confirmed without one)."""
        if pin is None:
            return None
        if user_id in self.locked:
            return "payment_password_locked"
        if pin == PIN:
            self.wrong_tries[user_id] = 0
            return None
        self.wrong_tries[user_id] += 1
        if self.wrong_tries[user_id] >= MAX_FAILED_ATTEMPTS:
            self.locked.add(user_id)
            return "payment_password_locked"
        return "wrong_payment_password"

    def _debit_refusal(self, user_id: int, amount: int) -> str | None:
        if user_id in self.frozen:
            return "account_frozen"
        if amount > self.balance[user_id]:
            return "insufficient_balance"
        return None

    # --- checks around each command -----------------------------------------------------------

    def _money_rows(self) -> tuple[Any, ...]:
        return (
            sorted(LedgerAccount.objects.values_list("code", "posted", "held")),
            JournalEntry.objects.count(),
            Payment.objects.count(),
            Transfer.objects.count(),
            Activity.objects.exclude(status="failed").count(),
        )

    def _refused_total(self) -> int:
        total = RefusedAttempt.objects.filter(user_id__in=self.users).aggregate(
            total=Sum("repeat_count")
        )["total"]
        return int(total or 0)

    def run_command(
        self, user_id: int, refusal: str | None, command: Callable[[], Any], reason: str = ""
    ) -> Any:
        before = self._money_rows()
        refused_before = self._refused_total()
        rows_before = RefusedAttempt.objects.filter(user_id=user_id).count()
        try:
            outcome = command()
        except WalletDeskError as error:
            assert refusal is not None, f"the model expected success, got {error.code}"
            assert error.code == refusal, f"expected {refusal}, got {error.code}"
            assert self._money_rows() == before, "a refused command moved money or wrote rows"
            assert self._refused_total() == refused_before + 1, "the refusal was not recorded"
            self.refused += 1
            rows = RefusedAttempt.objects.filter(user_id=user_id)
            if rows.count() == rows_before + 1:
                newest = rows.order_by("-created_at", "-id").first()
                assert newest is not None and newest.reason == (reason or refusal)
                record = Activity.objects.get(object_public_id=newest.public_id)
                assert (record.status, record.failure_reason) == ("failed", newest.reason)
            else:
                self.tally["folded"] += 1  # a flood: counted on the newest row
            self.tally[f"refused:{reason or refusal}"] += 1
            return None
        assert refusal is None, f"the model expected {refusal}, the command succeeded"
        self.tally["succeeded"] += 1
        return outcome

    # --- rules --------------------------------------------------------------------------------

    @rule(who=customers, amount=st.integers(10_00, 80_00))
    def top_up(self, who: int, amount: int) -> None:
        credit_wallet(self.users[who], Money(amount, "CNY"))
        self.balance[self.users[who]] += amount

    @rule(who=customers, amount=amounts, pin=passwords)
    def pay(self, who: int, amount: int, pin: str | None) -> None:
        user_id = self.users[who]
        refusal = self._confirmation_refusal(user_id, pin) or self._debit_refusal(user_id, amount)
        outcome = self.run_command(
            user_id,
            refusal,
            lambda: operations.pay_merchant(
                payer=operations.Payer.customer(user_id),
                merchant_id=str(self.shop.public_id),
                amount=Money(amount, "CNY").to_decimal_string(),
                payment_password=pin,
                confirmed=pin is None,
                idempotency_key=uuid.uuid4().hex,
            ),
        )
        if outcome is not None:
            self.balance[user_id] -= amount

    @rule(who=customers, amount=amounts)
    def pay_closed_merchant(self, who: int, amount: int) -> None:
        user_id = self.users[who]
        self.run_command(
            user_id,
            "merchant_not_found",
            lambda: operations.pay_merchant(
                payer=operations.Payer.customer(user_id),
                merchant_id=str(self.closed_shop.public_id),
                amount=Money(amount, "CNY").to_decimal_string(),
                confirmed=True,
                idempotency_key=uuid.uuid4().hex,
            ),
            reason="merchant_closed",
        )

    @rule(who=customers, amount=amounts, pin=passwords)
    def transfer(self, who: int, amount: int, pin: str | None) -> None:
        sender = self.users[who]
        recipient = self.users[(who + 1) % CUSTOMERS]
        login = User.objects.get(pk=recipient).login_name
        refusal = self._confirmation_refusal(sender, pin)
        if refusal is None and amount > TRANSFER_LIMIT:
            refusal = "limit_exceeded"
        refusal = refusal or self._debit_refusal(sender, amount)
        outcome = self.run_command(
            sender,
            refusal,
            lambda: operations.transfer(
                payer=operations.Payer.customer(sender),
                recipient=login,
                amount=Money(amount, "CNY").to_decimal_string(),
                currency="CNY",
                payment_password=pin,
                confirmed=pin is None,
                idempotency_key=uuid.uuid4().hex,
            ),
        )
        if outcome is not None:
            self.balance[sender] -= amount
            self.balance[recipient] += amount

    @rule(who=customers, kind=st.sampled_from(["over_balance", "over_limit"]))
    def probe(self, who: int, kind: str) -> None:
        """Built to be refused: one fen over the balance (a payment), one fen over the
        transfer limit (a transfer); confirmed without a password, so the reason is the money."""
        user_id = self.users[who]
        if kind == "over_balance":
            amount = self.balance[user_id] + 1
            self.run_command(
                user_id,
                self._debit_refusal(user_id, amount),
                lambda: operations.pay_merchant(
                    payer=operations.Payer.customer(user_id),
                    merchant_id=str(self.shop.public_id),
                    amount=Money(amount, "CNY").to_decimal_string(),
                    confirmed=True,
                    idempotency_key=uuid.uuid4().hex,
                ),
            )
            return
        login = User.objects.get(pk=self.users[(who + 1) % CUSTOMERS]).login_name
        self.run_command(
            user_id,
            "limit_exceeded",
            lambda: operations.transfer(
                payer=operations.Payer.customer(user_id),
                recipient=login,
                amount=Money(TRANSFER_LIMIT + 1, "CNY").to_decimal_string(),
                currency="CNY",
                confirmed=True,
                idempotency_key=uuid.uuid4().hex,
            ),
        )

    @rule(who=customers)
    def freeze_or_unfreeze(self, who: int) -> None:
        if self.frozen:
            wallets.unfreeze_wallet(self.frozen.pop(), frozen_by="customer")
        else:
            wallets.freeze_wallet(self.users[who], reason="test", frozen_by="customer")
            self.frozen.add(self.users[who])

    # --- after every step ---------------------------------------------------------------------

    @invariant()
    def balances_are_the_modelled_ones(self) -> None:
        for user_id, expected in self.balance.items():
            account = LedgerAccount.objects.get(pk=accounts.wallet_account_id(user_id, "CNY"))
            assert (account.posted, account.held) == (expected, 0)

    @invariant()
    def every_refusal_is_recorded_and_the_ledger_holds(self) -> None:
        assert not connection.in_atomic_block
        assert self._refused_total() == self.refused
        attempts = set(
            RefusedAttempt.objects.filter(user_id__in=self.users).values_list(
                "public_id", flat=True
            )
        )
        failed = set(
            Activity.objects.filter(user_id__in=self.users, status="failed").values_list(
                "object_public_id", flat=True
            )
        )
        assert attempts == failed
        report = check_ledger()
        assert report.ok, report.violations


@pytest.mark.django_db(transaction=True)
def test_refused_attempts_move_nothing_and_are_all_recorded() -> None:
    LimitRule.objects.create(
        operation="transfer", kyc_level=0, per_transaction=TRANSFER_LIMIT, per_day=10_000_00
    )
    invalidate_limit_cache()
    RefusalMachine.tally = Counter()
    run_state_machine_as_test(
        RefusalMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    invalidate_limit_cache()
    tally = RefusalMachine.tally
    # The run exercised both outcomes and the main reasons, not only one of them.
    assert tally["succeeded"] > 0
    for reason in ("insufficient_balance", "limit_exceeded", "merchant_closed"):
        assert tally[f"refused:{reason}"] > 0, dict(tally)
