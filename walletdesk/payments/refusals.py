"""Refused payments and transfers, kept so "why did my payment fail?" has something to look at.

A refused operation rolls back everything it wrote. After that, in its own transaction,
`record_refusal` stores what was tried (`RefusedAttempt`: merchant or recipient, amount, time,
reason code) and a failed row in the customer's records (`Activity`, status `failed`, with
`failure_reason`). The caller still gets the refusal exactly as before: recording never changes
the error, and a failure to record is logged, never raised in its place. No money moves.

Growth is bounded per customer (docs/payments.md, "Refused attempts"):
- one row per idempotency key: a retry with the same key updates that row (`repeat_count`,
  `last_refused_at`, the latest reason);
- at most `NEW_PER_HOUR` new rows per customer in any hour; further refusals in that hour are
  counted on the newest row instead;
- at most `KEPT_PER_CUSTOMER` rows per customer; the oldest go (with their record rows).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.masking import mask_email, mask_phone
from walletdesk.core.money import Money
from walletdesk.payments.enums import ActivityStatus, ActivityType, RefusalReason
from walletdesk.payments.models import Activity, Merchant, RefusedAttempt

logger = logging.getLogger(__name__)

NEW_PER_HOUR = 10
KEPT_PER_CUSTOMER = 200

# Refusals that are not attempts at paying someone: the request itself was unusable (no or a
# reused key), or it never named a payee the customer could have paid (no such wallet, the
# hourly pause on look-ups, themselves). Storing them would also tell nothing support can use.
NOT_RECORDED = frozenset(
    {
        "idempotency_key_missing",
        "idempotency_key_invalid",
        "idempotency_key_reused",
        "recipient_not_found",
        "recipient_lookups_limited",
        "transfer_to_self",
        "merchant_not_found",
        "payment_confirmation_required",
        "payment_confirmation_ambiguous",
        "validation_failed",
    }
)

# The only detail values kept (strings the next step names); nothing else from an error's data.
_STEP_DETAILS = ("locked_until", "until", "limit")

_KEY = re.compile(r"\A[\x21-\x7e]{1,255}\Z")

_NEXT_STEPS: dict[str, str | Promise] = {
    RefusalReason.INSUFFICIENT_BALANCE: gettext_lazy("Top up your wallet, then pay again."),
    RefusalReason.LIMIT_EXCEEDED: gettext_lazy(
        "Pay a smaller amount, wait until your daily limit resets tomorrow, or verify your "
        "identity for higher limits."
    ),
    RefusalReason.ACCOUNT_FROZEN: gettext_lazy(
        "Your wallet is frozen. If you froze it, unfreeze it under Security; otherwise contact "
        "customer service."
    ),
    RefusalReason.WRONG_PAYMENT_PASSWORD: gettext_lazy(
        "Check your payment password and try again. After 5 wrong tries, payments are locked "
        "for 3 hours."
    ),
    RefusalReason.PAYMENT_PASSWORD_NOT_SET: gettext_lazy(
        "Set a payment password under Security, then pay again."
    ),
    RefusalReason.PASSKEY_INVALID: gettext_lazy(
        "Try your fingerprint or face again, or confirm with your payment password."
    ),
    RefusalReason.RISK_REJECTED: gettext_lazy(
        "If you made this payment yourself, contact customer service and we will review it."
    ),
    RefusalReason.MERCHANT_CLOSED: gettext_lazy(
        "This merchant is not accepting payments now. Ask the merchant, or pay another way."
    ),
    RefusalReason.RECIPIENT_CANNOT_RECEIVE: gettext_lazy(
        "Ask the recipient to check their wallet, then send the money again."
    ),
    RefusalReason.FX_QUOTE_EXPIRED: gettext_lazy("Get a new exchange quote and pay again."),
    RefusalReason.FX_QUOTE_USED: gettext_lazy("Get a new exchange quote and pay again."),
    RefusalReason.FX_RATE_UNAVAILABLE: gettext_lazy("Please try again later."),
    RefusalReason.AMOUNT_TOO_LARGE: gettext_lazy("Pay a smaller amount."),
    RefusalReason.OTHER: gettext_lazy("Try again later, or contact customer service."),
}


def next_step(reason: str, details: dict[str, str] | None = None) -> str:
    """What the customer can do about a refusal, in the active language."""
    details = details or {}
    if reason == RefusalReason.PAYMENT_PASSWORD_LOCKED:
        if details.get("locked_until"):
            return _(
                "Reset your payment password, or wait until %(locked_until)s and try again."
            ) % {"locked_until": details["locked_until"]}
        return _("Reset your payment password, or wait 3 hours and try again.")
    if reason == RefusalReason.OUTFLOW_HOLD:
        if details.get("until"):
            return _(
                "After a password, phone or email change, or a sign-in on a new device, money "
                "can leave the wallet again from %(until)s."
            ) % {"until": details["until"]}
        return _("Money can leave the wallet again 24 hours after the account change.")
    return str(_NEXT_STEPS.get(reason, _NEXT_STEPS[RefusalReason.OTHER]))


def reason_label(reason: str) -> str:
    try:
        return str(RefusalReason(reason).label)
    except ValueError:
        return str(RefusalReason.OTHER.label)


def masked_recipient(contact: str) -> str:
    return mask_email(contact) if "@" in contact else mask_phone(contact)


@dataclass(frozen=True, slots=True)
class Refused:
    """What was tried: who pays, how much, and whom."""

    user_id: int
    kind: RefusedAttempt.Kind
    money: Money
    merchant: Merchant | None = None
    recipient: str = ""
    idempotency_key: str | None = None


@contextmanager
def recorded(attempt: Refused, *, reason: str | None = None) -> Iterator[None]:
    """Record any refusal raised inside, then raise it unchanged."""
    try:
        yield
    except WalletDeskError as refusal:
        record_refusal(attempt, refusal, reason=reason)
        raise


def record_refusal(
    attempt: Refused, error: WalletDeskError, *, reason: str | None = None
) -> RefusedAttempt | None:
    """Store a refused attempt in its own transaction; never raises (the caller re-raises the
    refusal itself). Returns the row written or updated, None when not recorded."""
    if error.code in NOT_RECORDED and reason is None:
        return None
    if reason is None:
        reason = error.code if error.code in RefusalReason.values else RefusalReason.OTHER
    details = {
        name: str(value)
        for name, value in error.public_details().items()
        if name in _STEP_DETAILS and value is not None
    }
    try:
        return _record(attempt, reason, error.code, details)
    except Exception:
        logger.exception("could not record a refused %s (%s)", attempt.kind, error.code)
        return None


def _record(
    attempt: Refused, reason: str, error_code: str, details: dict[str, str]
) -> RefusedAttempt:
    key = attempt.idempotency_key or ""
    if not _KEY.match(key):
        key = ""
    now = timezone.now()
    with transaction.atomic():
        if key:
            existing = _again(attempt, key, reason, error_code, details, now)
            if existing is not None:
                return existing
        recent = list(
            RefusedAttempt.objects.filter(
                user_id=attempt.user_id, created_at__gte=now - timedelta(hours=1)
            ).order_by("-created_at", "-id")[:NEW_PER_HOUR]
        )
        if len(recent) >= NEW_PER_HOUR:
            # A flood: count it on the newest row instead of adding more.
            newest = recent[0]
            RefusedAttempt.objects.filter(pk=newest.pk).update(
                repeat_count=F("repeat_count") + 1, last_refused_at=now
            )
            return newest
        try:
            with transaction.atomic():
                row = _create(attempt, key, reason, error_code, details, now)
        except IntegrityError:
            # The same key refused twice at once: the other request wrote the row.
            again = _again(attempt, key, reason, error_code, details, now)
            if again is None:
                raise
            return again
        _forget_oldest(attempt.user_id)
        return row


def _again(
    attempt: Refused, key: str, reason: str, error_code: str, details: dict[str, str], now: datetime
) -> RefusedAttempt | None:
    existing = (
        RefusedAttempt.objects.select_for_update()
        .filter(user_id=attempt.user_id, kind=attempt.kind, idempotency_key=key)
        .first()
    )
    if existing is None:
        return None
    RefusedAttempt.objects.filter(pk=existing.pk).update(
        repeat_count=F("repeat_count") + 1,
        last_refused_at=now,
        reason=reason,
        error_code=error_code,
        details=details,
    )
    if existing.reason != reason:
        Activity.objects.filter(
            type=_activity_type(attempt.kind), object_public_id=existing.public_id
        ).update(failure_reason=reason)
    existing.refresh_from_db()
    return existing


def _activity_type(kind: str) -> ActivityType:
    return (
        ActivityType.PAYMENT if kind == RefusedAttempt.Kind.PAYMENT else ActivityType.TRANSFER_OUT
    )


def _create(
    attempt: Refused, key: str, reason: str, error_code: str, details: dict[str, str], now: datetime
) -> RefusedAttempt:
    row = RefusedAttempt.objects.create(
        public_id=uuid.uuid4(),
        user_id=attempt.user_id,
        kind=attempt.kind,
        reason=reason,
        error_code=error_code,
        details=details,
        currency=attempt.money.currency,
        amount=attempt.money.minor,
        merchant=attempt.merchant,
        recipient=attempt.recipient[:254],
        idempotency_key=key,
        created_at=now,
        last_refused_at=now,
    )
    if attempt.merchant is not None:
        title = counterparty = attempt.merchant.name
    else:
        counterparty = masked_recipient(attempt.recipient)
        title = _("Transfer to %(name)s") % {"name": counterparty}
    Activity.objects.create(
        user_id=attempt.user_id,
        type=_activity_type(attempt.kind),
        status=ActivityStatus.FAILED,
        currency=attempt.money.currency,
        # What the customer tried to pay, shown struck through: nothing left the wallet.
        amount=-attempt.money.minor,
        fee=0,
        title=title[:120],
        counterparty=counterparty[:120],
        object_public_id=row.public_id,
        created_at=now,
        failure_reason=reason,
    )
    return row


def _forget_oldest(user_id: int) -> None:
    old = list(
        RefusedAttempt.objects.filter(user_id=user_id)
        .order_by("-created_at", "-id")
        .values_list("pk", "public_id")[KEPT_PER_CUSTOMER : KEPT_PER_CUSTOMER + 50]
    )
    if not old:
        return
    Activity.objects.filter(
        user_id=user_id,
        type__in=[ActivityType.PAYMENT, ActivityType.TRANSFER_OUT],
        status=ActivityStatus.FAILED,
        object_public_id__in=[public_id for _pk, public_id in old],
    ).delete()
    RefusedAttempt.objects.filter(pk__in=[pk for pk, _public_id in old]).delete()
