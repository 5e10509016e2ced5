"""Transfers, merchant payments and refunds: the wallet operations that stay inside the ledger.

Each public function is one idempotent command: it validates its input, then runs inside one
transaction that locks the ledger accounts, checks limits, posts one balanced entry, writes the
business row and the customer's records, and stores its outcome under the idempotency key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor
from walletdesk.core.db import is_postgres
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money, format_amount, parse_amount
from walletdesk.core.statemachine import change_status
from walletdesk.ledger import facade as ledger
from walletdesk.ledger.facade import (
    AccountFrozenError,
    AccountKind,
    EntryKind,
    IdempotentOutcome,
    InsufficientBalanceError,
    idempotency_key_used,
    run_idempotent,
    wallet_balances,
)
from walletdesk.payments import (
    accounts,
    activity,
    announce,
    fx,
    outflow,
    refusals,
    transfer_sql,
)
from walletdesk.payments.caps import CappedOperation, check_cap
from walletdesk.payments.enums import (
    PAYMENT_TRANSITIONS,
    ActivityStatus,
    ActivityType,
    PaymentStatus,
    RefusalReason,
    WalletStatus,
)
from walletdesk.payments.errors import (
    MerchantNotFoundError,
    OperationNotFoundError,
    OutflowHoldError,
    PaymentNotRefundableError,
    RecipientCannotReceiveError,
    RecipientLookupsLimitedError,
    RecipientNotFoundError,
    RefundExceedsPaymentError,
    RiskRejectedError,
    SelfTransferError,
)
from walletdesk.payments.fees import compute_fee
from walletdesk.payments.limits import check_and_record_usage, limit_refusal
from walletdesk.payments.models import (
    Merchant,
    Payment,
    Refund,
    RefusedAttempt,
    Transfer,
    Wallet,
)
from walletdesk.payments.responses import iso_time

if TYPE_CHECKING:
    from walletdesk.identity.facade import PasskeyChallenge

PAYMENTS_PER_MINUTE = 30  # security guide MON-6: at most 30 payments per minute per wallet


@dataclass(frozen=True, slots=True)
class Payer:
    """Whose wallet a money operation moves money out of: the typed `Actor` (`core.actors`; a
    customer, or a staff member paying from their own wallet) plus the two plain values the
    wallet needs on top.

    `kyc_level`: the customer's identity-verification level (limits depend on it).
    `outflow_hold`: the account's hold after a security change as read with the signed-in user's
    row (`identity.facade.outflow_hold_of(request.user)`); left unknown, the operation reads it.
    `recipient_lookups_paused`: likewise, whether too many "no such wallet" answers paused the
    customer's transfers (`identity.facade.recipient_lookups_blocked_of(request.user)`).
    A transfer on PostgreSQL is one statement, and these save it two more."""

    actor: Actor
    kyc_level: int = 0
    outflow_hold: Any = outflow.UNKNOWN
    recipient_lookups_paused: Any = outflow.UNKNOWN

    def __post_init__(self) -> None:
        if self.actor.user_id is None:
            raise ValueError("money moves out of a wallet only for its owner, a signed-in user")

    @classmethod
    def customer(
        cls,
        user_id: int,
        *,
        kyc_level: int = 0,
        outflow_hold: Any = outflow.UNKNOWN,
        recipient_lookups_paused: Any = outflow.UNKNOWN,
    ) -> Payer:
        """For in-process callers (jobs, seeding, benchmarks) that know only the customer."""
        return cls(
            Actor.customer(user_id),
            kyc_level=kyc_level,
            outflow_hold=outflow_hold,
            recipient_lookups_paused=recipient_lookups_paused,
        )

    def lookups_paused(self) -> bool:
        if self.recipient_lookups_paused is outflow.UNKNOWN:
            from walletdesk.identity.facade import recipient_lookups_blocked

            return recipient_lookups_blocked(self.user_id)
        return bool(self.recipient_lookups_paused)

    @property
    def user_id(self) -> int:
        assert self.actor.user_id is not None  # checked in __post_init__
        return self.actor.user_id


def _notify_debit(
    user_id: int,
    money: Money,
    reference: str,
    *,
    description_code: str = "",
    description: str = "",
    at: datetime | None = None,
) -> None:
    """Transaction alert, written to the notifications outbox in the operation's transaction."""
    from walletdesk.notifications.facade import notify_debit

    notify_debit(
        user_id,
        money,
        reference,
        description_code=description_code,
        description=description,
        at=at,
    )


# --- Transfers ----------------------------------------------------------------------------------


def _display_name(user_id: int) -> str:
    from walletdesk.identity.facade import get_user_summary

    return get_user_summary(user_id).display_name


def resolve_recipient(identifier: str) -> Wallet:
    from walletdesk.identity.facade import normalise_login_name

    contact = normalise_login_name(identifier or "")
    # The login name is one of the account's phone and email; the other one (bound later) reaches
    # the same customer, as the form's "phone number or email" promises.
    column = "user__email" if contact and "@" in contact else "user__phone"
    wallet = (
        Wallet.objects.select_related("user")
        .filter(Q(user__login_name=contact) | Q(**{column: contact}))
        .first()
        if contact
        else None
    )
    if wallet is None or not wallet.user.is_active or not wallet.user.is_customer:
        raise RecipientNotFoundError()
    return wallet


def _login_name(identifier: str) -> str:
    from walletdesk.identity.facade import normalise_login_name

    return normalise_login_name(identifier or "") or ""


def _already_done(scope: str, key: str | None) -> bool:
    return idempotency_key_used(scope, key)


def preview_transfer(
    *, payer: Payer, recipient: str, amount: object, currency: str
) -> dict[str, Any]:
    """The confirm step before a transfer: who receives it (masked real name and phone or email,
    from identity's `payee_card`), the amount, fee and total. Moves no money."""
    from walletdesk.identity.facade import payee_card

    money = check_cap(CappedOperation.TRANSFER, parse_amount(amount, currency))
    outflow.check_transfer(payer.user_id, _login_name(recipient), payer.outflow_hold)
    # Answers as the transfer would: a caller who could not pay learns nothing about the payee.
    target = find_recipient(payer=payer, recipient=recipient, amount=amount, currency=currency)
    card = payee_card(target.user_id)
    fee = compute_fee("transfer", money.currency, money.minor)
    return {
        "recipient": {
            "name": card.masked_name,
            "name_verified": card.name_verified,
            "contact": card.masked_contact,
        },
        "amount": money.to_decimal_string(),
        "fee": Money(fee, money.currency).to_decimal_string(),
        "total": Money(money.minor + fee, money.currency).to_decimal_string(),
        "currency": money.currency,
    }


def customer_confirmation(
    user_id: int,
    *,
    payment_password: object,
    passkey_assertion: str | None,
    passkey_challenge: PasskeyChallenge | None,
    confirmed: bool,
) -> Callable[[], None] | None:
    """What confirms a money movement: exactly one of the payment password and a passkey
    assertion (checked now: neither → 400 `payment_confirmation_required`, both → 400
    `payment_confirmation_ambiguous`), verified by the returned callable outside the operation's
    transaction, so a wrong password stays counted.

    `confirmed=True` is for in-process callers that verified the customer themselves or act for
    the system (demo seeding, benchmarks): it returns None. It is never taken from request data.
    """
    if confirmed:
        return None
    from walletdesk.identity.facade import check_payment_confirmation, verify_payment_confirmation

    check_payment_confirmation(payment_password, passkey_assertion)

    def verify() -> None:
        verify_payment_confirmation(
            user_id,
            payment_password=payment_password,
            passkey_assertion=passkey_assertion,
            passkey_challenge=passkey_challenge,
        )

    return verify


def transfer(
    *,
    payer: Payer,
    recipient: str,
    amount: object,
    currency: str,
    memo: str = "",
    idempotency_key: str | None,
    payment_password: object = None,
    passkey_assertion: str | None = None,
    passkey_challenge: PasskeyChallenge | None = None,
    confirmed: bool = False,
    at: datetime | None = None,
) -> IdempotentOutcome:
    """Send money to another customer's wallet, found by phone number or email.

    `at`: when the transfer happens (default now), for in-process callers that replay history
    (demo seeding); it dates the ledger entry, the rows and the records, on both paths.

    The customer confirms with the payment password or a passkey, as for `pay_merchant` (see
    `customer_confirmation`); during the outflow hold only a recipient paid before it can be
    paid (`outflow.check_transfer`, 403 `outflow_hold`).

    On PostgreSQL the command is one database function call (`transfer_sql`); elsewhere it runs
    below (`_transfer`), statement by statement. The two are held to the same tests."""
    from walletdesk.identity.facade import record_recipient_miss

    money = check_cap(CappedOperation.TRANSFER, parse_amount(amount, currency))
    verify = customer_confirmation(
        payer.user_id,
        payment_password=payment_password,
        passkey_assertion=passkey_assertion,
        passkey_challenge=passkey_challenge,
        confirmed=confirmed,
    )
    memo = (memo or "").strip()[:60]
    if payer.lookups_paused():
        raise RecipientLookupsLimitedError(_retry_after=3600)
    # A refusal from here on is kept in the customer's records (`refusals`), written after the
    # refused transfer rolled back; on PostgreSQL, after the function's call undid itself.
    attempt = refusals.Refused(
        user_id=payer.user_id,
        kind=RefusedAttempt.Kind.TRANSFER,
        money=money,
        recipient=_login_name(recipient) or str(recipient or "").strip(),
        idempotency_key=idempotency_key,
    )
    with refusals.recorded(attempt):
        try:
            return _transfer(payer, recipient, money, amount, memo, idempotency_key, verify, at)
        except (RecipientNotFoundError, RecipientCannotReceiveError) as refusal:
            # Say "no such wallet" only to someone who could have sent the money: everyone else
            # gets the refusal a real recipient would have met, so a caller without the balance
            # (or over a limit, or frozen) learns nothing about who has a wallet (issue 12).
            hidden = _refusal_whoever_the_recipient(payer, money)
            if hidden is not None:
                raise hidden from None
            record_recipient_miss(payer.user_id, "email" if "@" in (recipient or "") else "phone")
            raise refusal from None


def find_recipient(*, payer: Payer, recipient: str, amount: object, currency: str) -> Wallet:
    """The payee's wallet, for a confirm step that names the payee before the customer pays.

    Answers as `transfer` would: a caller who could not send `amount` gets that refusal whoever
    the recipient is; "no such wallet" is audited and counts towards the hourly pause."""
    from walletdesk.identity.facade import record_recipient_miss

    money = check_cap(CappedOperation.TRANSFER, parse_amount(amount, currency))
    if payer.lookups_paused():
        raise RecipientLookupsLimitedError(_retry_after=3600)
    refusal = _refusal_whoever_the_recipient(payer, money)
    if refusal is not None:
        raise refusal
    try:
        target = resolve_recipient(recipient)
        if target.status == WalletStatus.CLOSED:
            raise RecipientCannotReceiveError()
    except (RecipientNotFoundError, RecipientCannotReceiveError):
        record_recipient_miss(payer.user_id, "email" if "@" in (recipient or "") else "phone")
        raise
    if target.user_id == payer.user_id:
        raise SelfTransferError()
    return target


def _refusal_whoever_the_recipient(payer: Payer, money: Money) -> WalletDeskError | None:
    """The first refusal a transfer of `money` to an existing, open wallet would meet: limits
    first, then a frozen account, then the balance (the order of both transfer paths)."""
    refused_by_limit = limit_refusal(
        user_id=payer.user_id, operation="transfer", money=money, kyc_level=payer.kyc_level
    )
    if refused_by_limit is not None:
        return refused_by_limit
    fee = compute_fee("transfer", money.currency, money.minor)
    for balance in wallet_balances(payer.user_id):
        if balance.currency == money.currency:
            if balance.debits_blocked:
                return AccountFrozenError()
            if balance.available.minor < money.minor + fee:
                return InsufficientBalanceError()
            return None
    return InsufficientBalanceError()


def _transfer(
    payer: Payer,
    recipient: str,
    money: Money,
    amount: object,
    memo: str,
    idempotency_key: str | None,
    verify: Callable[[], None] | None,
    at: datetime | None = None,
) -> IdempotentOutcome:
    currency = money.currency
    request = {"recipient": recipient, "amount": amount, "currency": currency, "memo": memo}
    recipient_login_name = _login_name(recipient)
    if is_postgres():
        # Confirmation and hold are checked here, before the one-statement call (which itself
        # replays a retry of a transfer that already went through). Checked outside the call's
        # transaction, as on the Python path: see `outflow` on why that is safe enough.
        scope = f"user:{payer.user_id}:transfer"
        if verify is not None:
            if not _already_done(scope, idempotency_key):
                verify()
                outflow.check_transfer(payer.user_id, recipient_login_name, payer.outflow_hold)
        else:
            try:
                outflow.check_transfer(payer.user_id, recipient_login_name, payer.outflow_hold)
            except OutflowHoldError:
                if not _already_done(scope, idempotency_key):
                    raise
        return transfer_sql.transfer(
            user_id=payer.user_id,
            kyc_level=payer.kyc_level,
            recipient=recipient,
            money=money,
            memo=memo,
            request=request,
            idempotency_key=idempotency_key,
            at=at,
        )

    def command() -> tuple[int, dict[str, Any]]:
        outflow.check_transfer(payer.user_id, recipient_login_name, payer.outflow_hold)
        target = resolve_recipient(recipient)
        if target.user_id == payer.user_id:
            raise SelfTransferError()
        if target.status == WalletStatus.CLOSED:
            raise RecipientCannotReceiveError()
        sender_account = accounts.wallet_account_id(payer.user_id, money.currency)
        recipient_account = accounts.wallet_account_id(target.user_id, money.currency)
        fee = compute_fee("transfer", money.currency, money.minor)
        legs = [
            ledger.Leg(sender_account, -(money.minor + fee)),
            ledger.Leg(recipient_account, money.minor),
        ]
        if fee:
            legs.append(
                ledger.Leg(accounts.system_account_id(AccountKind.FEE_REVENUE, money.currency), fee)
            )
        locked = ledger.lock_accounts(leg.account_id for leg in legs)
        check_and_record_usage(
            user_id=payer.user_id,
            operation="transfer",
            money=money,
            kyc_level=payer.kyc_level,
            at=at,
        )
        public_id = uuid.uuid4()
        entry = ledger.post_entry(
            kind=EntryKind.TRANSFER,
            legs=legs,
            memo=memo,
            reference=f"transfer:{public_id}",
            actor=f"user:{payer.user_id}",
            locked=locked,
            at=at,
        )
        record = Transfer.objects.create(
            public_id=public_id,
            created_at=at or timezone.now(),
            sender_id=payer.user_id,
            recipient_id=target.user_id,
            currency=money.currency,
            amount=money.minor,
            fee=fee,
            memo=memo,
            entry_id=entry.pk,
        )
        recipient_name = str(target.user)
        activity.record(
            activity.activity(
                user_id=payer.user_id,
                type=ActivityType.TRANSFER_OUT,
                status=ActivityStatus.SUCCEEDED,
                currency=money.currency,
                amount=-(money.minor + fee),
                fee=fee,
                title=_("Transfer to %(name)s") % {"name": recipient_name},
                counterparty=recipient_name,
                object_public_id=public_id,
                created_at=record.created_at,
            ),
            activity.activity(
                user_id=target.user_id,
                type=ActivityType.TRANSFER_IN,
                status=ActivityStatus.SUCCEEDED,
                currency=money.currency,
                amount=money.minor,
                title="",
                counterparty="",
                object_public_id=public_id,
                created_at=record.created_at,
            ),
        )
        _notify_debit(
            payer.user_id,
            Money(money.minor + fee, money.currency),
            f"transfer:{public_id}",
            description_code="transfer",
            at=at,
        )
        announce.money_received(
            recipient_id=target.user_id,
            transfer_id=public_id,
            money=money,
            sender=_display_name(payer.user_id),
            at=at,
        )
        return 201, {
            "id": str(public_id),
            "type": "transfer",
            "status": "succeeded",
            "amount": money.to_decimal_string(),
            "fee": Money(fee, money.currency).to_decimal_string(),
            "currency": money.currency,
            "recipient": recipient_name,
            "memo": memo,
            "created_at": iso_time(record.created_at),
        }

    return run_idempotent(
        scope=f"user:{payer.user_id}:transfer",
        key=idempotency_key,
        request=request,
        command=command,
        precheck=verify,
    )


# --- Merchant payments --------------------------------------------------------------------------


def _check_payment_velocity(user_id: int, at: datetime | None = None) -> None:
    now = at or timezone.now()
    recent = Payment.objects.filter(
        user_id=user_id, created_at__gte=now - timedelta(minutes=1), created_at__lte=now
    ).count()
    if recent >= PAYMENTS_PER_MINUTE:
        raise RiskRejectedError()


def pay_merchant(
    *,
    payer: Payer,
    merchant_id: str,
    amount: object,
    payment_password: object = None,
    idempotency_key: str | None,
    wallet_currency: str = "CNY",
    fx_quote_id: str | None = None,
    description: str = "",
    passkey_assertion: str | None = None,
    passkey_challenge: PasskeyChallenge | None = None,
    confirmed: bool = False,
    at: datetime | None = None,
) -> IdempotentOutcome:
    """Pay a merchant. A foreign-currency merchant is paid through an accepted FX quote.

    `at`: when the payment happens (default now), for in-process callers that replay history
    (demo seeding): it dates the ledger entry, the payment, its record and the daily limit's day.

    The customer confirms with exactly one of `payment_password` (6 digits) or
    `passkey_assertion` (the JSON credential from `navigator.credentials.get` for a challenge
    from `identity.facade.payment_passkey_options`, checked against `passkey_challenge`, which
    the view takes out of the session with `identity.facade.payment_passkey_challenge`).
    Neither → 400 `payment_confirmation_required`; both → 400 `payment_confirmation_ambiguous`;
    a bad, replayed or foreign passkey → 400 `passkey_invalid`.
    """
    verify = customer_confirmation(
        payer.user_id,
        payment_password=payment_password,
        passkey_assertion=passkey_assertion,
        passkey_challenge=passkey_challenge,
        confirmed=confirmed,
    )
    merchant_uuid = _uuid_or_none(merchant_id)
    merchant = Merchant.objects.filter(public_id=merchant_uuid).first() if merchant_uuid else None
    if merchant is None:
        raise MerchantNotFoundError()
    if not merchant.is_active:
        _refuse_closed_merchant(payer, merchant, amount, idempotency_key)
    price = parse_amount(amount, merchant.currency)
    # A refusal from here on is kept in the customer's records (`refusals`), written after the
    # refused payment rolled back.
    attempt = refusals.Refused(
        user_id=payer.user_id,
        kind=RefusedAttempt.Kind.PAYMENT,
        money=price,
        merchant=merchant,
        idempotency_key=idempotency_key,
    )
    with refusals.recorded(attempt):
        check_cap(CappedOperation.PAYMENT, price)
    description = (description or "").strip()[:120]
    request = {
        "merchant": str(merchant.public_id),
        "amount": amount,
        "wallet_currency": wallet_currency,
        "fx_quote_id": fx_quote_id or "",
        "description": description,
    }

    def command() -> tuple[int, dict[str, Any]]:
        outflow.check_payment(payer.user_id, merchant.pk, payer.outflow_hold)
        _check_payment_velocity(payer.user_id, at)
        international = merchant.currency != wallet_currency
        public_id = uuid.uuid4()
        reference = f"payment:{public_id}"
        wallet_id = accounts.wallet_account_id(payer.user_id, wallet_currency)
        if international:
            quote = fx.use_quote(
                user_id=payer.user_id, quote_public_id=fx_quote_id or "", buy=price
            )
            debit, fee, rate = quote.sell_amount, quote.fee, str(quote.customer_rate)
            # What leaves the wallet, in its own currency, is capped too (a quote taken
            # before a cap was lowered must not slip past it).
            check_cap(CappedOperation.PAYMENT, Money(debit + fee, wallet_currency))
            legs = [
                ledger.Leg(wallet_id, -(debit + fee)),
                ledger.Leg(
                    accounts.system_account_id(AccountKind.FX_POSITION, wallet_currency), debit
                ),
                ledger.Leg(
                    accounts.system_account_id(AccountKind.FX_POSITION, merchant.currency),
                    -price.minor,
                ),
                ledger.Leg(
                    accounts.merchant_account_id(merchant.pk, merchant.currency), price.minor
                ),
            ]
            if fee:
                legs.append(
                    ledger.Leg(
                        accounts.system_account_id(AccountKind.FEE_REVENUE, wallet_currency), fee
                    )
                )
        else:
            debit, fee, rate = price.minor, 0, ""
            legs = [
                ledger.Leg(wallet_id, -debit),
                ledger.Leg(accounts.merchant_account_id(merchant.pk, merchant.currency), debit),
            ]
        locked = ledger.lock_accounts(leg.account_id for leg in legs)
        check_and_record_usage(
            user_id=payer.user_id,
            operation="payment",
            money=Money(debit + fee, wallet_currency),
            kyc_level=payer.kyc_level,
            at=at,
        )
        entry = ledger.post_entry(
            kind=EntryKind.PAYMENT,
            legs=legs,
            memo=description or merchant.name,
            reference=reference,
            actor=f"user:{payer.user_id}",
            locked=locked,
            at=at,
        )
        payment = Payment.objects.create(
            public_id=public_id,
            created_at=at or timezone.now(),
            user_id=payer.user_id,
            merchant=merchant,
            currency=merchant.currency,
            amount=price.minor,
            debit_currency=wallet_currency,
            debit_amount=debit,
            fee=fee,
            fx_rate=rate,
            description=description,
            entry_id=entry.pk,
        )
        activity.record(
            activity.activity(
                user_id=payer.user_id,
                type=ActivityType.PAYMENT,
                status=ActivityStatus.SUCCEEDED,
                currency=wallet_currency,
                amount=-(debit + fee),
                fee=fee,
                title=merchant.name,
                counterparty=merchant.name,
                object_public_id=public_id,
                created_at=payment.created_at,
            )
        )
        _notify_debit(
            payer.user_id,
            Money(debit + fee, wallet_currency),
            reference,
            description=merchant.name,
        )
        return 201, payment_body(payment, merchant)

    with refusals.recorded(attempt):
        return run_idempotent(
            scope=f"user:{payer.user_id}:payment",
            key=idempotency_key,
            request=request,
            command=command,
            precheck=verify,
        )


def _refuse_closed_merchant(
    payer: Payer, merchant: Merchant, amount: object, idempotency_key: str | None
) -> NoReturn:
    """A merchant that stopped accepting payments answers `merchant_not_found`, as it always
    did; the attempt is kept as what it is (`merchant_closed`) when its amount is usable."""
    try:
        price = parse_amount(amount, merchant.currency)
    except WalletDeskError:
        raise MerchantNotFoundError() from None
    attempt = refusals.Refused(
        user_id=payer.user_id,
        kind=RefusedAttempt.Kind.PAYMENT,
        money=price,
        merchant=merchant,
        idempotency_key=idempotency_key,
    )
    with refusals.recorded(attempt, reason=RefusalReason.MERCHANT_CLOSED):
        raise MerchantNotFoundError()


def payment_body(payment: Payment, merchant: Merchant) -> dict[str, Any]:
    return {
        "id": str(payment.public_id),
        "type": "payment",
        "status": payment.status,
        "merchant": {"id": str(merchant.public_id), "name": merchant.name},
        "amount": Money(payment.amount, payment.currency).to_decimal_string(),
        "currency": payment.currency,
        "debit_amount": Money(payment.debit_amount, payment.debit_currency).to_decimal_string(),
        "debit_currency": payment.debit_currency,
        "fee": Money(payment.fee, payment.debit_currency).to_decimal_string(),
        "fx_rate": payment.fx_rate or None,
        "refunded_amount": Money(payment.refunded_amount, payment.currency).to_decimal_string(),
        "created_at": iso_time(payment.created_at),
    }


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


# --- Refunds ------------------------------------------------------------------------------------


def refund_payment(
    *,
    payment_id: str,
    amount: object,
    reason: str,
    requested_by: str,
    idempotency_key: str | None,
    at: datetime | None = None,
) -> IdempotentOutcome:
    """Refund part or all of a payment back to the original wallet; the total never exceeds the
    amount paid. International payments are refunded at the original rate, in proportion; the
    last refund returns exactly what is left so the total equals what the customer paid (the
    international fee is not refunded). `at`: when the refund happens (default now; seeding)."""
    payment_uuid = _uuid_or_none(payment_id)
    payment = (
        Payment.objects.select_related("merchant").filter(public_id=payment_uuid).first()
        if payment_uuid
        else None
    )
    if payment is None:
        raise OperationNotFoundError()
    money = check_cap(CappedOperation.REFUND, parse_amount(amount, payment.currency))
    request = {"payment": str(payment.public_id), "amount": amount, "reason": reason[:200]}

    def command() -> tuple[int, dict[str, Any]]:
        locked_payment = Payment.objects.select_for_update().get(pk=payment.pk)
        remaining = locked_payment.amount - locked_payment.refunded_amount
        if remaining == 0:
            raise PaymentNotRefundableError()
        if money.minor > remaining:
            raise RefundExceedsPaymentError(
                remaining=format_amount(Money(remaining, payment.currency))
            )
        is_last = money.minor == remaining
        if locked_payment.currency == locked_payment.debit_currency:
            credit = money.minor
        else:
            already = sum(locked_payment.refunds.values_list("credit_amount", flat=True))
            credit = (
                locked_payment.debit_amount - already
                if is_last
                else locked_payment.debit_amount * money.minor // locked_payment.amount
            )
        merchant_account = accounts.merchant_account_id(payment.merchant_id, payment.currency)
        wallet_id = accounts.wallet_account_id(payment.user_id, payment.debit_currency)
        if payment.currency == payment.debit_currency:
            legs = [ledger.Leg(merchant_account, -money.minor), ledger.Leg(wallet_id, money.minor)]
        else:
            legs = [
                ledger.Leg(merchant_account, -money.minor),
                ledger.Leg(
                    accounts.system_account_id(AccountKind.FX_POSITION, payment.currency),
                    money.minor,
                ),
                ledger.Leg(
                    accounts.system_account_id(AccountKind.FX_POSITION, payment.debit_currency),
                    -credit,
                ),
                ledger.Leg(wallet_id, credit),
            ]
        public_id = uuid.uuid4()
        entry = ledger.post_entry(
            kind=EntryKind.REFUND,
            legs=legs,
            memo=reason[:200],
            reference=f"refund:{public_id}",
            actor=requested_by,
            at=at,
        )
        new_status = PaymentStatus.REFUNDED if is_last else PaymentStatus.PARTIALLY_REFUNDED
        refunded = {"refunded_amount": locked_payment.refunded_amount + money.minor}
        change_status(  # checks PAYMENT_TRANSITIONS and writes the history row
            locked_payment,
            new_status,
            transitions=PAYMENT_TRANSITIONS,
            actor=requested_by,
            reason=reason,
            also=refunded,
        )
        refund = Refund.objects.create(
            public_id=public_id,
            created_at=at or timezone.now(),
            payment=locked_payment,
            amount=money.minor,
            credit_amount=credit,
            reason=reason[:200],
            requested_by=requested_by[:20],
            entry_id=entry.pk,
        )
        activity.record(
            activity.activity(
                user_id=payment.user_id,
                type=ActivityType.REFUND,
                status=ActivityStatus.SUCCEEDED,
                currency=payment.debit_currency,
                amount=credit,
                title=_("Refund from %(merchant)s") % {"merchant": payment.merchant.name},
                counterparty=payment.merchant.name,
                object_public_id=public_id,
                created_at=refund.created_at,
            )
        )
        if is_last:
            activity.set_status(ActivityType.PAYMENT, payment.public_id, ActivityStatus.REFUNDED)
        return 201, {
            "id": str(public_id),
            "type": "refund",
            "payment_id": str(payment.public_id),
            "amount": money.to_decimal_string(),
            "currency": payment.currency,
            "credit_amount": Money(credit, payment.debit_currency).to_decimal_string(),
            "credit_currency": payment.debit_currency,
            "payment_status": new_status,
            "created_at": iso_time(refund.created_at),
        }

    return run_idempotent(
        scope=f"refund:{payment.public_id}", key=idempotency_key, request=request, command=command
    )
