"""What other apps may use from notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise

from walletdesk.core.money import Money, format_amount
from walletdesk.notifications import actions, directory

# `preferences_changed`: a Django signal (user_id, actor) sent in the transaction that saved a
# customer's alert preferences (identity's audit log listens).
from walletdesk.notifications.directory import Contact, UserDirectory, preferences_changed
from walletdesk.notifications.models import Message


def notify(
    user_id: int,
    kind: str,
    context: dict[str, object],
    channels: list[str] | None = None,
    *,
    destinations: dict[str, str] | None = None,
) -> list[int]:
    """Queue a message of `kind` (see notifications/messages.py) in the caller's transaction."""
    return actions.notify(user_id, kind, dict(context), channels, destinations=destinations)


def notify_debit(
    user_id: int,
    money: Money,
    reference: str,
    *,
    description_code: str = "",
    description: str = "",
    at: datetime | None = None,
) -> None:
    """Transaction alert after a debit, if `money` reaches the customer's threshold (`at`: when
    the debit happened, default now).

    `description_code` is one of messages.DEBIT_DESCRIPTIONS ("transfer", "withdrawal");
    `description` is free text shown as it is (a merchant's name).
    Safe inside a transaction: outbox rows are written with it and sent after commit."""
    actions.notify_debit(
        user_id,
        money,
        reference,
        description_code=description_code,
        description=description,
        at=at,
    )


#: The kinds `notify_money_event` sends (see notifications/messages.py).
MONEY_EVENT_KINDS = frozenset(
    {"top_up_credited", "top_up_failed", "withdrawal_failed", "money_received"}
)


def notify_money_event(
    user_id: int,
    kind: str,
    money: Money,
    *,
    link: str,
    reason: str | Promise = "",
    sender: str = "",
    at: datetime | None = None,
) -> list[int]:
    """Tell the customer what happened to their money (`kind` in MONEY_EVENT_KINDS), on the
    channels their transaction-alert preferences choose. `link` is the record's page; `reason`
    (a failure, translated text) is rendered now in the customer's language, everything else
    when the message is read. Safe inside a transaction: rows are written with it, the socket
    event and any SMS/email go out after commit. `at`: when it happened (default now), for
    callers that replay history; it dates the messages."""
    if kind not in MONEY_EVENT_KINDS:
        raise ValueError(f"not a money event: {kind}")
    if reason:
        context: dict[str, object] = {
            "amount": format_amount(money),
            "reason": reason,
            "link": link,
        }
        return actions.notify(user_id, kind, context, at=at)
    context = {"amount_minor": abs(money.minor), "currency": money.currency, "link": link}
    if sender:
        context["sender"] = sender[:80]
    return actions.notify(user_id, kind, context, render_late=True, at=at)


debit_alert_context = actions.debit_alert_context
announce_outbox_rows = actions.announce_outbox_rows
message_text = actions.message_text


def send_code(*, user_id: int, channel: str, destination: str, purpose: str, code: str) -> int:
    return actions.send_code(
        user_id=user_id, channel=channel, destination=destination, purpose=purpose, code=code
    )


def send_contact_code(*, destination: str, language: str, code: str, minutes: int) -> int:
    """The public contact form's email code, to an address that need not be a customer's."""
    return actions.send_contact_code(
        destination=destination, language=language, code=code, minutes=minutes
    )


@dataclass(frozen=True, slots=True)
class StaffPage:
    """An in-app page to a staff member, as the agent desk shows it."""

    public_id: str
    subject: str
    body: str
    link: str
    created_at: datetime
    read: bool


def page_staff(
    user_ids: list[int], *, number: str, subject: str, reason: str | Promise, link: str
) -> None:
    """Page staff members about a ticket (an escalation): an in-app message each, in each
    one's language (`reason` may be a lazy translation). Safe inside a transaction."""
    actions.page_staff(
        user_ids, {"number": number, "subject": subject[:80], "reason": reason, "link": link}
    )


def staff_pages(user_id: int, *, unread_only: bool = True, limit: int = 20) -> list[StaffPage]:
    """The staff member's pages, newest first (one query)."""
    return [
        StaffPage(
            public_id=str(row.public_id),
            subject=row.subject,
            body=row.body,
            link=row.link,
            created_at=row.created_at,
            read=row.read_at is not None,
        )
        for row in actions.staff_pages(user_id, unread_only=unread_only, limit=limit)
    ]


def mark_staff_pages_read(user_id: int) -> int:
    return actions.mark_staff_pages_read(user_id)


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """What an agent may see about a message: never its body (codes are in bodies)."""

    public_id: str
    channel: str
    kind: str
    destination_masked: str
    status: str
    error: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None


def _mask(destination: str) -> str:
    if "@" in destination:
        name, _, domain = destination.partition("@")
        return f"{name[:1]}***@{domain}"
    if len(destination) > 7:
        return f"{destination[:-8]}{destination[-8:-5]}****{destination[-4:]}"
    return "****"


def delivery_records(user_id: int, limit: int = 50) -> list[DeliveryRecord]:
    rows = Message.objects.filter(user_id=user_id).exclude(channel="inbox").order_by("-id")[:limit]
    return [
        DeliveryRecord(
            public_id=str(row.public_id),
            channel=row.channel,
            kind=row.kind,
            destination_masked=_mask(row.destination),
            status=row.status,
            error=row.error,
            attempts=row.attempts,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )
        for row in rows
    ]


__all__ = [
    "Contact",
    "DeliveryRecord",
    "StaffPage",
    "UserDirectory",
    "announce_outbox_rows",
    "debit_alert_context",
    "delivery_records",
    "mark_staff_pages_read",
    "message_text",
    "notify",
    "notify_debit",
    "notify_money_event",
    "page_staff",
    "preferences_changed",
    "register_user_directory",
    "send_code",
    "send_contact_code",
    "staff_pages",
]


def register_user_directory(found: UserDirectory) -> None:
    """How notifications finds a user's contact details, freeze link and code-purpose labels;
    the app that owns users registers it when Django starts (identity does)."""
    directory.register(found)
