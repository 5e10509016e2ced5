"""Property-based test over random sequences of wallet operations (security guide MON-2).

After every step: every entry sums to zero, each currency totals zero, no wallet is negative,
cached balances equal the sum of postings, and replaying a command with its idempotency key
returns the identical outcome without moving money.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.identity.enums import Role
from walletdesk.identity.facade import set_payment_password
from walletdesk.identity.models import User
from walletdesk.ledger import actions as ledger
from walletdesk.ledger.enums import AccountKind, EntryKind, HoldStatus
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import Hold, JournalEntry, LedgerAccount
from walletdesk.payments import accounts, fx, operations, wallets
from walletdesk.payments.models import FeeRule, Payment
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

PIN = "258036"
amounts = st.integers(min_value=1, max_value=30_00)
top_ups = st.integers(min_value=50_00, max_value=500_00)


class WalletMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.users: list[int] = []
        self.replays: list[tuple[Any, Any]] = []  # (replay thunk, first outcome)

    @initialize()
    def setup(self) -> None:
        run = uuid.uuid4().hex[:8]
        for n in range(3):
            phone = f"+8613{abs(hash(run + str(n))) % 10**9:09d}"
            user = User.objects.create_user(phone, None, phone=phone, role=Role.CUSTOMER)
            wallets.open_wallet(user.pk, ("CNY",))
            set_payment_password(user.pk, PIN)
            self.users.append(user.pk)
        self.shop = make_merchant(f"shop-{run}")
        self.abroad = make_merchant(f"abroad-{run}", currency="USD")
        if not FeeRule.objects.filter(
            operation="transfer", currency="CNY", is_active=True
        ).exists():
            FeeRule.objects.create(operation="transfer", currency="CNY", rate_bp=30, minimum=0)
            FeeRule.objects.create(operation="international", currency="CNY", rate_bp=150)
            fx.load_rates(fx.FileRateProvider())

    def login(self, index: int) -> str:
        return User.objects.get(pk=self.users[index]).login_name

    def attempt(self, thunk: Any) -> None:
        try:
            outcome = thunk()
        except WalletDeskError:
            return
        self.replays.append((thunk, outcome))

    @rule(who=st.integers(0, 2), amount=top_ups)
    def top_up(self, who: int, amount: int) -> None:
        credit_wallet(self.users[who], Money(amount, "CNY"))

    @rule(src=st.integers(0, 2), offset=st.integers(1, 2), amount=amounts)
    def transfer(self, src: int, offset: int, amount: int) -> None:
        key, recipient = uuid.uuid4().hex, self.login((src + offset) % 3)
        self.attempt(
            lambda: operations.transfer(
                payer=operations.Payer.customer(self.users[src]),
                recipient=recipient,
                amount=Money(amount, "CNY").to_decimal_string(),
                currency="CNY",
                idempotency_key=key,
                confirmed=True,
            )
        )

    @rule(who=st.integers(0, 2), amount=amounts)
    def pay(self, who: int, amount: int) -> None:
        key = uuid.uuid4().hex
        self.attempt(
            lambda: operations.pay_merchant(
                payer=operations.Payer.customer(self.users[who]),
                merchant_id=str(self.shop.public_id),
                amount=Money(amount, "CNY").to_decimal_string(),
                payment_password=PIN,
                idempotency_key=key,
            )
        )

    @rule(who=st.integers(0, 2), cents=st.integers(1, 8_00))
    def pay_abroad(self, who: int, cents: int) -> None:
        price = Money(cents, "USD")
        quote = fx.create_quote(user_id=self.users[who], sell_currency="CNY", buy=price)
        key = uuid.uuid4().hex
        self.attempt(
            lambda: operations.pay_merchant(
                payer=operations.Payer.customer(self.users[who]),
                merchant_id=str(self.abroad.public_id),
                amount=price.to_decimal_string(),
                payment_password=PIN,
                idempotency_key=key,
                fx_quote_id=str(quote.public_id),
            )
        )

    @precondition(lambda self: Payment.objects.filter(user_id__in=self.users).exists())
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        payments = list(Payment.objects.filter(user_id__in=self.users).order_by("pk"))
        payment = data.draw(st.sampled_from(payments))
        amount = data.draw(st.integers(1, payment.amount))
        key = uuid.uuid4().hex
        self.attempt(
            lambda: operations.refund_payment(
                payment_id=str(payment.public_id),
                amount=Money(amount, payment.currency).to_decimal_string(),
                reason="test",
                requested_by="agent:1",
                idempotency_key=key,
            )
        )

    @rule(who=st.integers(0, 2), amount=amounts, minutes=st.sampled_from([-5, 30]))
    def hold(self, who: int, amount: int, minutes: int) -> None:
        try:
            with transaction.atomic():
                ledger.create_hold(
                    account_id=accounts.wallet_account_id(self.users[who], "CNY"),
                    amount=amount,
                    expires_at=timezone.now() + timedelta(minutes=minutes),
                )
        except WalletDeskError:
            pass

    def _active_holds(self) -> list[Hold]:
        codes = [ledger.wallet_account_code(u, "CNY") for u in self.users]
        return list(
            Hold.objects.filter(status=HoldStatus.ACTIVE, account__code__in=codes).order_by("pk")
        )

    @precondition(lambda self: bool(self._active_holds()))
    @rule(data=st.data())
    def capture(self, data: st.DataObject) -> None:
        hold = data.draw(st.sampled_from(self._active_holds()))
        amount = data.draw(st.integers(1, hold.amount))
        rail = accounts.system_account_id(AccountKind.RAIL_CLEARING, "CNY", "bank_card")
        with transaction.atomic():
            ledger.capture_hold(
                hold_id=hold.pk,
                amount=amount,
                counter_legs=[ledger.Leg(rail, amount)],
                kind=EntryKind.WITHDRAWAL,
            )

    @precondition(lambda self: bool(self._active_holds()))
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        hold = data.draw(st.sampled_from(self._active_holds()))
        with transaction.atomic():
            ledger.release_hold(hold.pk)

    @rule()
    def expire(self) -> None:
        ledger.expire_due_holds()

    @rule(who=st.integers(0, 2), frozen=st.booleans())
    def freeze(self, who: int, frozen: bool) -> None:
        if frozen:
            wallets.freeze_wallet(self.users[who], reason="test", frozen_by="customer")
        else:
            wallets.unfreeze_wallet(self.users[who], frozen_by="customer")

    @precondition(lambda self: bool(self.replays))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        thunk, first = data.draw(st.sampled_from(self.replays))
        entries = JournalEntry.objects.count()
        again = thunk()
        assert again.replayed
        assert (again.status, again.body) == (first.status, first.body)
        assert JournalEntry.objects.count() == entries

    @invariant()
    def ledger_holds(self) -> None:
        if not self.users:
            return
        report = check_ledger()
        assert report.ok, report.violations
        negative = LedgerAccount.objects.filter(kind=AccountKind.CUSTOMER_WALLET, posted__lt=0)
        assert not negative.exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_random_operation_sequences_keep_the_ledger_whole() -> None:
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        WalletMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
