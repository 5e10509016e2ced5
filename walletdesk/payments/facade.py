"""What other apps may use from payments (identity's emergency freeze and closure, the console)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db.models import Q
from django.urls import reverse

from walletdesk.core.ids import valid_uuids
from walletdesk.core.money import Money, format_amount, parse_amount
from walletdesk.ledger.facade import AccountBalance, stored_response, wallet_balances
from walletdesk.payments import cards, fx, refusals, selectors
from walletdesk.payments.enums import ActivityStatus, ActivityType, CardStatus, FrozenBy
from walletdesk.payments.models import (
    Activity,
    BankCard,
    FeeRule,
    FxRate,
    LimitRule,
    Merchant,
    RefusedAttempt,
    TopUp,
    Transfer,
    Wallet,
    Withdrawal,
)
from walletdesk.payments.operations import Payer, pay_merchant, refund_payment, transfer
from walletdesk.payments.rails import sandbox
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord
from walletdesk.payments.selectors import display_amount
from walletdesk.payments.support import (
    FeeInfo,
    FxPreview,
    LimitInfo,
    PaymentInfo,
    RailOperationInfo,
    RefundInfo,
    fee_for,
    fee_schedule,
    fx_preview,
    limits_for,
    rail_operations,
    recent_payments,
    recent_refunds,
    requery_rail_operation,
    requery_settlement_entries,
)
from walletdesk.payments.topups import ReplayedMoment, replay_top_up
from walletdesk.payments.wallets import (
    DEFAULT_CURRENCY,
    ClosureBlocker,
    close_wallet,
    closure_blockers,
    freeze_wallet,
    open_wallet,
    unfreeze_wallet,
)
from walletdesk.payments.withdrawals import create_withdrawal


@dataclass(frozen=True, slots=True)
class WalletSummary:
    user_id: int
    status: str
    frozen_by: str
    frozen_reason: str
    balances: tuple[AccountBalance, ...]
    frozen_until: datetime | None = None


def wallet_summary(user_id: int) -> WalletSummary | None:
    wallet = Wallet.objects.filter(user_id=user_id).first()
    if wallet is None:
        return None
    return WalletSummary(
        user_id=user_id,
        status=wallet.status,
        frozen_by=wallet.frozen_by,
        frozen_reason=wallet.frozen_reason,
        balances=tuple(wallet_balances(user_id)),
        frozen_until=wallet.frozen_until,
    )


def ensure_wallet(user_id: int, currencies: tuple[str, ...] = (DEFAULT_CURRENCY,)) -> None:
    """Open the customer's wallet with these currencies (idempotent: missing currencies are
    added): called when a customer account is created."""
    open_wallet(user_id, currencies)


def freeze_for_customer(user_id: int, reason: str) -> None:
    """The emergency freeze's wallet half: a wallet opened later must start frozen too, so the
    wallet is opened first if there is none."""
    open_wallet(user_id)
    freeze_wallet(user_id, reason=reason, frozen_by=FrozenBy.CUSTOMER)


def unfreeze_for_customer(user_id: int) -> None:
    unfreeze_wallet(user_id, frozen_by=FrozenBy.CUSTOMER)


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """One of the customer's records (a top-up, withdrawal, payment, transfer or refund) as the
    records page shows it, for support tickets and the console."""

    kind: str
    public_id: str
    title: str
    status: str
    status_label: str
    amount: str
    currency: str
    created_at: datetime
    url: str
    # A refused payment or transfer (status `failed`, nothing moved): the stable reason code
    # (`enums.RefusalReason`), its label and what the customer can do, in the active language.
    failure_reason: str = ""
    failure_reason_label: str = ""
    next_step: str = ""
    # The line's title as the records list shows it, in the active language: the kind's label
    # for top-ups, withdrawals and transfers received, the stored title otherwise.
    heading: str = ""


# Kinds whose stored title is only the kind's name (stored in the language active then).
RECORD_KINDS = frozenset(ActivityType.values)


def customer_records(
    user_id: int, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], RecordSummary]:
    """The customer's own records among `refs` ((kind, public id) pairs), in one query; another
    customer's record, an unknown kind or a malformed id is simply absent from the result."""
    wanted = Q(pk__in=[])
    for kind, public_id in refs:
        try:
            object_id = uuid.UUID(str(public_id))
        except ValueError:
            continue
        if kind in RECORD_KINDS:
            wanted |= Q(type=kind, object_public_id=object_id)
    rows = list(Activity.objects.filter(wanted, user_id=user_id))
    return {(summary.kind, summary.public_id): summary for summary in _summaries(user_id, rows)}


def customer_card_records(user_id: int, public_ids: Iterable[str]) -> dict[str, RecordSummary]:
    """The customer's own bank cards among `public_ids`, bound or removed (a support ticket shows
    what became of the card), as records of kind `card`, in one query; another customer's card
    or a malformed id is simply absent."""
    wanted = valid_uuids(public_ids)
    if not wanted:
        return {}
    url = reverse("payments:cards")
    found: dict[str, RecordSummary] = {}
    for card in BankCard.objects.filter(user_id=user_id, public_id__in=wanted):
        title = cards.card_label(card)
        found[str(card.public_id)] = RecordSummary(
            kind="card",
            public_id=str(card.public_id),
            title=title,
            status=card.status,
            status_label=str(CardStatus(card.status).label),
            amount="",
            currency="",
            created_at=card.bound_at,
            url=url,
            heading=title,
        )
    return found


def _summaries(user_id: int, rows: list[Activity]) -> list[RecordSummary]:
    """Records as the records page shows them, a refused attempt's reason and next step included
    (one more query, only when there is a refused one)."""
    details = selectors.refusal_details(user_id, rows)
    return [
        RecordSummary(
            kind=row.type,
            public_id=str(row.object_public_id),
            title=row.title,
            status=row.status,
            status_label=str(ActivityStatus(row.status).label),
            amount=display_amount(row),
            currency=row.currency,
            created_at=row.created_at,
            url=reverse("payments:record-detail", args=[row.type, row.object_public_id]),
            failure_reason=row.failure_reason,
            failure_reason_label=(
                refusals.reason_label(row.failure_reason) if row.failure_reason else ""
            ),
            next_step=(
                refusals.next_step(row.failure_reason, details.get(row.object_public_id))
                if row.failure_reason
                else ""
            ),
            heading=selectors.record_heading(row),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class RefusedAttemptSummary:
    """A refused merchant payment or transfer: what was tried, why it was refused (a stable
    code from `enums.RefusalReason`, its label) and what the customer can do next, in the
    active language. No money moved for it. The recipient of a transfer is what the customer
    typed, masked; it never says whether that number or email has a wallet."""

    public_id: str
    kind: str
    reason: str
    reason_label: str
    next_step: str
    amount: str
    currency: str
    merchant: str
    recipient: str
    created_at: datetime
    last_refused_at: datetime
    repeat_count: int
    url: str


def recent_refused_attempts(
    user_id: int, *, since: datetime | None = None, limit: int = 10
) -> list[RefusedAttemptSummary]:
    """The customer's refused payments and transfers, newest first (one query): for the
    assistant ("why did my payment fail?") and the console. `since` keeps those refused again
    at or after that moment."""
    return [
        _refused_summary(row)
        for row in selectors.recent_refused_attempts(user_id, since=since, limit=limit)
    ]


def _refused_summary(row: RefusedAttempt) -> RefusedAttemptSummary:
    kind = ActivityType.PAYMENT if row.kind == RefusedAttempt.Kind.PAYMENT else "transfer_out"
    return RefusedAttemptSummary(
        public_id=str(row.public_id),
        kind=row.kind,
        reason=row.reason,
        reason_label=refusals.reason_label(row.reason),
        next_step=refusals.next_step(row.reason, row.details),
        amount=format_amount(Money(row.amount, row.currency)),
        currency=row.currency,
        merchant=row.merchant.display_name if row.merchant is not None else "",
        recipient=refusals.masked_recipient(row.recipient) if row.recipient else "",
        created_at=row.created_at,
        last_refused_at=row.last_refused_at,
        repeat_count=row.repeat_count,
        url=reverse("payments:record-detail", args=[kind, row.public_id]),
    )


def merchant_public_id(name: str) -> str | None:
    """The public id of the merchant called `name` (its Chinese or English name), for in-process
    callers that name one (demo seeding); None when there is none."""
    merchant = (
        Merchant.objects.filter(Q(name=name) | Q(name_en=name)).order_by("pk").only("public_id")
    ).first()
    return str(merchant.public_id) if merchant is not None else None


def recent_records(user_id: int, limit: int = 5) -> list[RecordSummary]:
    """The customer's latest records (every kind), newest first, as the records page shows them."""
    rows = list(Activity.objects.filter(user_id=user_id).order_by("-created_at", "-pk")[:limit])
    return _summaries(user_id, rows)


def record_texts(user_id: int, limit: int = 100, *, titles: bool = True) -> list[tuple[str, str]]:
    """Text that came from others and sits in the customer's records: merchant and counterparty
    names of the latest `limit` records and the memos of the latest `limit` transfers sent or
    received, each as ("name" | "memo", text). For the assistant, so that a customer quoting one
    of them is not read as saying it. `titles=False` leaves out the records' titles, some of
    which are our own words around a name ("转账给 李娜", "Refund from …"), not the name."""
    texts: list[tuple[str, str]] = []
    rows = Activity.objects.filter(user_id=user_id).order_by("-created_at", "-pk")
    for title, counterparty in rows.values_list("title", "counterparty")[:limit]:
        texts.extend(
            ("name", text)
            for text in ((title, counterparty) if titles else (counterparty,))
            if text
        )
    memos = (
        Transfer.objects.filter(Q(sender_id=user_id) | Q(recipient_id=user_id))
        .exclude(memo="")
        .order_by("-created_at", "-pk")
        .values_list("memo", flat=True)[:limit]
    )
    texts.extend(("memo", memo) for memo in memos)
    return texts


def forget_process_caches() -> None:
    """Drop this process's cached account ids and fee and limit rules (after the database was
    swapped underneath it, e.g. an evaluation restoring its snapshot)."""
    from walletdesk.payments.accounts import forget_cached_accounts
    from walletdesk.payments.fees import invalidate_fee_cache
    from walletdesk.payments.limits import invalidate_limit_cache

    forget_cached_accounts()
    invalidate_fee_cache()
    invalidate_limit_cache()


# --- Demo seeding: trusted in-process callers that build the demo world -----------------------
#
# Rules, merchants and cards are looked up before they are created, and money moves only through
# the operations above (`pay_merchant`, `transfer`, `refund_payment`, `create_withdrawal`,
# `replay_top_up`), each under an idempotency key, so a second run adds nothing.


@dataclass(frozen=True, slots=True)
class FeeRuleSpec:
    operation: str
    method: str
    currency: str
    rate_bp: int
    minimum: int
    maximum: int | None = None


@dataclass(frozen=True, slots=True)
class LimitRuleSpec:
    """Limits in minor units; `per_hour_count` caps how many per hour (None: no cap)."""

    operation: str
    kyc_level: int
    per_transaction: int
    per_day: int
    per_hour_count: int | None = None
    currency: str = "CNY"


def ensure_rules(fees: Iterable[FeeRuleSpec], limits: Iterable[LimitRuleSpec]) -> None:
    """Create the active fee and limit rules that do not exist yet (an existing rule is left as
    it is), load the bundled exchange rates when there are none, and drop the cached rules."""
    from walletdesk.payments.fees import invalidate_fee_cache
    from walletdesk.payments.limits import invalidate_limit_cache

    for fee in fees:
        FeeRule.objects.get_or_create(
            operation=fee.operation,
            method=fee.method,
            currency=fee.currency,
            is_active=True,
            defaults={"rate_bp": fee.rate_bp, "minimum": fee.minimum, "maximum": fee.maximum},
        )
    for limit in limits:
        LimitRule.objects.get_or_create(
            operation=limit.operation,
            kyc_level=limit.kyc_level,
            currency=limit.currency,
            defaults={
                "per_transaction": limit.per_transaction,
                "per_day": limit.per_day,
                "per_hour_count": limit.per_hour_count,
            },
        )
    if not FxRate.objects.exists():
        fx.load_rates(fx.FileRateProvider())
    invalidate_fee_cache()
    invalidate_limit_cache()


@dataclass(frozen=True, slots=True)
class MerchantRef:
    public_id: str
    name: str
    name_en: str
    currency: str


def ensure_merchant(
    *, name: str, name_en: str, category: str, currency: str, country: str
) -> MerchantRef:
    """The merchant called `name`, created with these details when there is none."""
    merchant, _ = Merchant.objects.get_or_create(
        name=name,
        defaults={
            "name_en": name_en,
            "category": category,
            "currency": currency,
            "country": country,
        },
    )
    return MerchantRef(
        public_id=str(merchant.public_id),
        name=merchant.name,
        name_en=merchant.name_en,
        currency=merchant.currency,
    )


def customer_card_ids(user_id: int) -> list[str]:
    """Public ids of the customer's active bank cards, the latest bound first."""
    return [str(card.public_id) for card in cards.customer_cards(user_id)]


def bind_customer_card(*, user_id: int, number: str, expiry: str, cvv: str) -> str:
    """Bind a card as the customer would (the issuer verifies it); returns its public id."""
    card = cards.bind_card(user_id=user_id, number=number, expiry=expiry, cvv=cvv)
    return str(card.public_id)


def create_fx_quote(*, user_id: int, sell_currency: str, buy_amount: str, buy_currency: str) -> str:
    """A quote for buying `buy_amount` of `buy_currency` with `sell_currency`; its public id."""
    buy = parse_amount(buy_amount, buy_currency)
    return str(fx.create_quote(user_id=user_id, sell_currency=sell_currency, buy=buy).public_id)


def stored_payment(user_id: int, idempotency_key: str) -> dict[str, Any] | None:
    """The answer stored for the customer's merchant payment under `idempotency_key`, or None
    when no payment ran with it: for a caller that must not build a payment's inputs twice (a
    new FX quote on every run)."""
    stored = stored_response(f"user:{user_id}:payment", idempotency_key)
    return json.loads(stored) if stored is not None else None


def redate_open_operation(
    kind: Literal["top_up", "withdrawal"], public_id: str, created_at: datetime
) -> bool:
    """Show a top-up or withdrawal that is still open as asked for at `created_at`, its record
    and timeline too (a demo case bound to time stays true on any day); False once it ended."""
    from walletdesk.payments.topups import redate_open_operation as redate

    model = TopUp if kind == "top_up" else Withdrawal
    operation = model.objects.filter(public_id=public_id).first()
    return operation is not None and redate(operation, created_at)


def stick_at_sandbox_rail(reference: str, until: datetime) -> int:
    """The sandbox rail answers "processing" for the operation `reference` (a public id) until
    `until`; returns how many of its records that touched (0: the rail never saw it)."""
    return sandbox.stick_until(reference, until)


def deliver_sandbox_callbacks(reference: str) -> int:
    """Settle at the sandbox rail what it still owes an answer for `reference` and send the
    callbacks now, instead of after its latency; returns how many were sent."""
    sent = 0
    for record_id in SandboxRailRecord.objects.filter(
        reference=reference, callbacks_sent=0
    ).values_list("pk", flat=True):
        sent += sandbox.deliver_callbacks(record_id)
    return sent


__all__ = [
    "RECORD_KINDS",
    "ClosureBlocker",
    "FeeInfo",
    "FeeRuleSpec",
    "FxPreview",
    "LimitInfo",
    "LimitRuleSpec",
    "MerchantRef",
    "Payer",
    "PaymentInfo",
    "RailOperationInfo",
    "RecordSummary",
    "RefundInfo",
    "RefusedAttemptSummary",
    "ReplayedMoment",
    "WalletSummary",
    "bind_customer_card",
    "close_wallet",
    "closure_blockers",
    "create_fx_quote",
    "create_withdrawal",
    "customer_card_ids",
    "customer_card_records",
    "customer_records",
    "deliver_sandbox_callbacks",
    "ensure_merchant",
    "ensure_rules",
    "ensure_wallet",
    "fee_for",
    "fee_schedule",
    "forget_process_caches",
    "freeze_for_customer",
    "freeze_wallet",
    "fx_preview",
    "limits_for",
    "merchant_public_id",
    "pay_merchant",
    "rail_operations",
    "recent_payments",
    "recent_records",
    "recent_refunds",
    "recent_refused_attempts",
    "redate_open_operation",
    "refund_payment",
    "replay_top_up",
    "requery_rail_operation",
    "requery_settlement_entries",
    "stick_at_sandbox_rail",
    "stored_payment",
    "transfer",
    "unfreeze_for_customer",
    "unfreeze_wallet",
    "wallet_summary",
]


# --- Staff refunds for the agent console (permission, reason, step-up, four eyes) -------------
from walletdesk.payments.staff_refunds import RefundReason, refund_by_staff  # noqa: E402

__all__ += ["RefundReason", "refund_by_staff"]


# --- Refund requests: a customer asks the merchant (docs/payments.md, "Refund requests") -------
from walletdesk.payments import refund_requests as _refund_requests  # noqa: E402
from walletdesk.payments.refund_requests import RefundRequestSummary  # noqa: E402


def request_refund(
    *,
    customer_id: int,
    payment_id: str,
    reason: str,
    amount: str | None = None,
    note: str = "",
    idempotency_key: str,
) -> RefundRequestSummary:
    """Ask the merchant to refund `amount` (default: all that is left) of one of the customer's
    own payments; moves no money. Idempotent by key; the errors are the API's (404
    `operation_not_found` for another customer's payment, 409 `payment_not_refundable`,
    `refund_exceeds_payment`, `refund_request_open`)."""
    outcome = _refund_requests.request_refund(
        customer_id=customer_id,
        payment_id=payment_id,
        amount=amount,
        reason=reason,
        note=note,
        idempotency_key=idempotency_key,
    )
    row = _refund_requests.customer_request(customer_id, outcome.body["id"])
    assert row is not None
    return _refund_requests.summary(row)


def refund_request_status(customer_id: int, payment_id: str) -> RefundRequestSummary | None:
    """The customer's latest refund request for one of their payments, or None (one query)."""
    row = _refund_requests.latest_for_payment(customer_id, payment_id)
    return _refund_requests.summary(row) if row is not None else None


def recent_refund_requests(customer_id: int, limit: int = 5) -> list[RefundRequestSummary]:
    """The customer's refund requests, newest first (one query)."""
    return [_refund_requests.summary(row) for row in _refund_requests.recent(customer_id, limit)]


__all__ += [
    "RefundRequestSummary",
    "recent_refund_requests",
    "refund_request_status",
    "request_refund",
]
