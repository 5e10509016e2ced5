"""Withdrawals: money leaves the wallet to a bound bank card through a rail.

create: checks (the 24 h outflow hold after a security change, limits, an active card of this
customer), then `create_hold(amount + fee)` and the Withdrawal row in one transaction; the payout
is submitted to the rail once that commits. The rail's result (callback, reconciliation,
submission answer) goes through `apply_withdrawal_result`: success captures the hold against rail
clearing +amount and fee revenue +fee; failure releases the hold and gives the limit usage back.
Exactly once: the Withdrawal row is locked and a terminal status never changes.

A frozen wallet cannot start a withdrawal (the hold refuses: account_frozen), but a payout
already at the rail still settles: capture is allowed on a frozen account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.db import on_commit
from walletdesk.core.errors import ValidationFailedError
from walletdesk.core.money import Money, format_amount
from walletdesk.ledger import facade as ledger
from walletdesk.ledger.facade import AccountKind, EntryKind, IdempotentOutcome, run_idempotent
from walletdesk.payments import activity, announce, outflow
from walletdesk.payments.caps import CappedOperation
from walletdesk.payments.cards import card_label
from walletdesk.payments.enums import (
    ActivityStatus,
    ActivityType,
    FailureReason,
    RailMethod,
    RailOperationStatus,
    WithdrawalFeeMethod,
)
from walletdesk.payments.errors import (
    CardNotFoundError,
    OperationNotFoundError,
)
from walletdesk.payments.fees import compute_fee
from walletdesk.payments.limits import check_and_record_usage, release_usage
from walletdesk.payments.models import BankCard, Withdrawal
from walletdesk.payments.rails.base import RailOutcome
from walletdesk.payments.rails.registry import get_provider
from walletdesk.payments.topups import (
    TERMINAL_STATUSES,
    AmountBelowFeeError,
    active_card,
    open_wallet_of,
    operation_body,
    parse_rail_amount,
    record_created,
    submit_to_rail,
    transition,
)
from walletdesk.payments.wallets import wallet_account

# The hold outlives any payout the rail may still settle; reconciliation resolves it long before.
if TYPE_CHECKING:
    from walletdesk.identity.facade import PasskeyChallenge

HOLD_LIFETIME = timedelta(days=30)
WITHDRAWAL_METHOD = RailMethod.BANK_CARD


@dataclass(frozen=True, slots=True)
class FeeOption:
    """One way of bearing the fee, with its figures: what leaves the wallet and what arrives."""

    method: WithdrawalFeeMethod
    fee: Money
    total_debit: Money
    arrives: Money

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method.value,
            "name": str(self.method.label),
            "fee": self.fee.to_decimal_string(),
            "total_debit": self.total_debit.to_decimal_string(),
            "arrives_amount": self.arrives.to_decimal_string(),
        }


@dataclass(frozen=True, slots=True)
class WithdrawalQuote:
    """`amount` is what the customer entered; the fee is computed on it. `on_top`: the amount
    arrives and amount + fee leaves the wallet. `from_amount`: the amount leaves the wallet and
    amount − fee arrives (seed 001: the customer chooses, and is told both before confirming)."""

    amount: Money
    fee: Money
    card: BankCard
    fee_method: WithdrawalFeeMethod = WithdrawalFeeMethod.ON_TOP

    def option(self, method: WithdrawalFeeMethod) -> FeeOption:
        if method == WithdrawalFeeMethod.FROM_AMOUNT:
            return FeeOption(method, self.fee, self.amount, self.amount - self.fee)
        return FeeOption(method, self.fee, self.amount + self.fee, self.amount)

    @property
    def options(self) -> tuple[FeeOption, ...]:
        return tuple(self.option(method) for method in WithdrawalFeeMethod)

    @property
    def chosen(self) -> FeeOption:
        return self.option(self.fee_method)

    @property
    def total(self) -> Money:
        return self.chosen.total_debit

    @property
    def arrives(self) -> Money:
        return self.chosen.arrives

    def as_dict(self) -> dict[str, Any]:
        return {
            "amount": self.amount.to_decimal_string(),
            "fee": self.fee.to_decimal_string(),
            "total_debit": self.total.to_decimal_string(),
            "arrives_amount": self.arrives.to_decimal_string(),
            "fee_method": self.fee_method.value,
            "fee_methods": [option.as_dict() for option in self.options],
            "currency": self.amount.currency,
            "card": {
                "id": str(self.card.public_id),
                "brand": self.card.brand,
                "last4": self.card.last4,
            },
            "arrives": _("Usually within 2 hours, at the latest the next working day."),
        }


def parse_fee_method(value: object) -> WithdrawalFeeMethod:
    """Unsaid (None or empty) keeps the fee on top, as before the choice existed."""
    if value in (None, ""):
        return WithdrawalFeeMethod.ON_TOP
    try:
        return WithdrawalFeeMethod(str(value))
    except ValueError:
        raise ValidationFailedError(
            fields={"fee_method": _("Choose how the fee is paid.")}
        ) from None


def quote_withdrawal(
    *,
    user_id: int,
    amount: object,
    currency: str,
    card_id: str | None,
    fee_method: object = None,
) -> WithdrawalQuote:
    """The fee and both ways of bearing it, shown before the customer confirms. Moves no
    money. The fee is the same either way (computed on the amount entered); with it taken from
    the amount, at least one fen must still arrive."""
    method = parse_fee_method(fee_method)
    money = parse_rail_amount(amount, currency, CappedOperation.WITHDRAWAL)
    card = active_card(user_id, card_id)
    fee = compute_fee("withdrawal", currency, money.minor, WITHDRAWAL_METHOD)
    if fee >= money.minor:
        raise AmountBelowFeeError(fee=format_amount(Money(fee, currency)))
    return WithdrawalQuote(amount=money, fee=Money(fee, currency), card=card, fee_method=method)


def create_withdrawal(
    *,
    user_id: int,
    kyc_level: int,
    amount: object,
    currency: str,
    card_id: str | None,
    idempotency_key: str | None,
    fee_method: object = None,
    payment_password: object = None,
    passkey_assertion: str | None = None,
    passkey_challenge: PasskeyChallenge | None = None,
    confirmed: bool = False,
) -> IdempotentOutcome:
    """Start a withdrawal to a bound card, confirmed by the payment password or a passkey
    (`operations.customer_confirmation`; `confirmed=True` only for in-process callers).

    `fee_method` (`WithdrawalFeeMethod`): `on_top` (also when unsaid) or `from_amount`; the
    hold, and later the ledger entry, move exactly the chosen quote's `total_debit`."""
    from walletdesk.payments.operations import customer_confirmation

    verify = customer_confirmation(
        user_id,
        payment_password=payment_password,
        passkey_assertion=passkey_assertion,
        passkey_challenge=passkey_challenge,
        confirmed=confirmed,
    )
    method = parse_fee_method(fee_method)
    request = {"amount": amount, "currency": currency, "card_id": str(card_id or "")}
    if method != WithdrawalFeeMethod.ON_TOP:
        # Only when said: a retry of a request stored before the choice existed still matches.
        request["fee_method"] = method.value

    def command() -> tuple[int, dict[str, Any]]:
        open_wallet_of(user_id)
        outflow.check_withdrawal(user_id)
        quote = quote_withdrawal(
            user_id=user_id, amount=amount, currency=currency, card_id=card_id, fee_method=method
        )
        # Lock the card: an unbind running now either finishes first (and we refuse) or waits
        # and then sees this withdrawal (and refuses: card_in_use).
        locked = BankCard.objects.select_for_update().filter(pk=quote.card.pk, status="active")
        if not list(locked.values_list("pk", flat=True)):
            raise CardNotFoundError()
        # Limits count what is paid out (the Withdrawal's amount), as `fail_withdrawal` gives
        # back.
        check_and_record_usage(
            user_id=user_id, operation="withdrawal", money=quote.arrives, kyc_level=kyc_level
        )
        withdrawal = Withdrawal(
            user_id=user_id,
            method=WITHDRAWAL_METHOD,
            currency=currency,
            amount=quote.arrives.minor,
            fee=quote.fee.minor,
            fee_method=method,
            card=quote.card,
        )
        hold = ledger.create_hold(
            account_id=wallet_account(user_id, currency).pk,
            amount=quote.total.minor,
            expires_at=timezone.now() + HOLD_LIFETIME,
            reference=f"withdrawal:{withdrawal.public_id}",
        )
        withdrawal.hold_id = hold.pk
        withdrawal.save()
        record_created(withdrawal)
        card = quote.card
        activity.record(
            activity.activity(
                user_id=user_id,
                type=ActivityType.WITHDRAWAL,
                status=ActivityStatus.PENDING,
                currency=currency,
                amount=-quote.arrives.minor,
                fee=quote.fee.minor,
                title=_("Withdrawal"),
                counterparty=card_label(card),
                object_public_id=withdrawal.public_id,
                created_at=withdrawal.created_at,
            )
        )
        on_commit(submit_withdrawal, withdrawal.pk)
        return 201, operation_body(withdrawal)

    return run_idempotent(
        scope=f"user:{user_id}:withdrawal",
        key=idempotency_key,
        request=request,
        command=command,
        precheck=verify,
    )


def submit_withdrawal(withdrawal_id: int) -> None:
    withdrawal = Withdrawal.objects.select_related("card").get(pk=withdrawal_id)
    submit_to_rail(
        withdrawal,
        get_provider(withdrawal.method).start_payout,
        apply_withdrawal_result,
        timeout_detail="rail_timeout: no answer to the payout; reconciliation will query",
    )


def apply_withdrawal_result(
    withdrawal_id: int,
    outcome: str,
    *,
    trace_id: str = "",
    failure_reason: str = "",
    source: str,
    detail: str = "",
) -> bool:
    """Apply what the rail says, idempotently; returns whether anything changed."""
    notify: Withdrawal | None = None
    with transaction.atomic():
        withdrawal = Withdrawal.objects.select_for_update().get(pk=withdrawal_id)
        if withdrawal.status in TERMINAL_STATUSES:
            return False
        if trace_id and withdrawal.rail_trace_id and trace_id != withdrawal.rail_trace_id:
            return False
        fields = {"status", "completed_at", "updated_at"}
        if trace_id and not withdrawal.rail_trace_id:
            withdrawal.rail_trace_id = trace_id[:64]
            fields.add("rail_trace_id")
        before = withdrawal.status
        if outcome == RailOutcome.PENDING:
            if withdrawal.status == RailOperationStatus.CREATED:
                transition(withdrawal, RailOperationStatus.PENDING, source=source, detail=detail)
        elif outcome == RailOutcome.SUCCEEDED:
            if withdrawal.status == RailOperationStatus.CREATED:
                transition(withdrawal, RailOperationStatus.PENDING, source=source, detail=detail)
            transition(withdrawal, RailOperationStatus.SUCCEEDED, source=source, detail=detail)
            withdrawal.entry_id = _capture(withdrawal)
            fields.add("entry_id")
            activity.set_status(
                ActivityType.WITHDRAWAL, withdrawal.public_id, ActivityStatus.SUCCEEDED
            )
            notify = withdrawal
        elif outcome == RailOutcome.FAILED:
            fail_withdrawal(
                withdrawal, failure_reason or FailureReason.RAIL_ERROR, source=source, detail=detail
            )
            fields.add("failure_reason")
        withdrawal.save(update_fields=sorted(fields))
        if withdrawal.status != before:
            announce.rail_operation_changed(withdrawal)
        if notify is not None:
            on_commit(
                _notify_debit,
                notify.user_id,
                Money(notify.amount + notify.fee, notify.currency),
                str(notify.public_id),
            )
        return withdrawal.status != before or "rail_trace_id" in fields


def _capture(withdrawal: Withdrawal) -> int:
    assert withdrawal.hold_id is not None
    clearing = ledger.get_or_create_account(
        kind=AccountKind.RAIL_CLEARING, currency=withdrawal.currency, qualifier=withdrawal.method
    )
    legs = [ledger.Leg(clearing.pk, withdrawal.amount)]
    if withdrawal.fee:
        fees = ledger.get_or_create_account(
            kind=AccountKind.FEE_REVENUE, currency=withdrawal.currency
        )
        legs.append(ledger.Leg(fees.pk, withdrawal.fee))
    entry = ledger.capture_hold(
        hold_id=withdrawal.hold_id,
        amount=withdrawal.amount + withdrawal.fee,
        counter_legs=legs,
        kind=EntryKind.WITHDRAWAL,
        memo=f"withdrawal {withdrawal.public_id} via {withdrawal.method}",
        actor=f"rail:{withdrawal.method}",
    )
    return entry.pk


def fail_withdrawal(withdrawal: Withdrawal, reason: str, *, source: str, detail: str) -> None:
    """Failed at the rail: release the hold and give back the limit usage (caller saves)."""
    transition(withdrawal, RailOperationStatus.FAILED, source=source, detail=detail or reason)
    withdrawal.failure_reason = reason[:40]
    if withdrawal.hold_id is not None:
        ledger.release_hold(withdrawal.hold_id, reason=reason)
    release_usage(
        user_id=withdrawal.user_id,
        operation="withdrawal",
        money=Money(withdrawal.amount, withdrawal.currency),
        day=timezone.localdate(withdrawal.created_at),
    )
    activity.set_status(ActivityType.WITHDRAWAL, withdrawal.public_id, ActivityStatus.FAILED)


def _notify_debit(user_id: int, money: Money, reference: str) -> None:
    from walletdesk.notifications import facade as notifications

    notifications.notify_debit(user_id, money, reference, description_code="withdrawal")


def get_withdrawal(user_id: int, public_id: Any) -> Withdrawal:
    withdrawal = (
        Withdrawal.objects.select_related("card")
        .filter(public_id=public_id, user_id=user_id)
        .first()
    )
    if withdrawal is None:
        raise OperationNotFoundError()
    return withdrawal
