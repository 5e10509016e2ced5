"""Writing messages to the outbox and delivering them after commit."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from walletdesk.core.actors import Actor
from walletdesk.core.db import on_commit
from walletdesk.core.errors import InvalidStateTransitionError
from walletdesk.core.money import Money, format_amount
from walletdesk.core.statemachine import change_status
from walletdesk.notifications.directory import Contact, directory, preferences_changed
from walletdesk.notifications.enums import MESSAGE_TRANSITIONS, Category, Channel, Status
from walletdesk.notifications.messages import DEBIT_DESCRIPTIONS, SPECS
from walletdesk.notifications.models import Message, Preference
from walletdesk.notifications.providers import SendResult, sms_provider

logger = logging.getLogger("walletdesk.notifications")

MAX_ATTEMPTS = 5
REDACTED_CODE = "******"


def _contact(user_id: int) -> Contact:
    return directory().contact(user_id)


def preference_for(user_id: int) -> Preference:
    found = Preference.objects.filter(user_id=user_id).first()
    return found if found is not None else Preference(user_id=user_id)


def _render(kind: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    spec = SPECS[kind]
    with translation.override(language):
        values = {key: str(value) for key, value in context.items()}
        code = values.pop("description_code", "")
        if code in DEBIT_DESCRIPTIONS:
            values["description"] = str(DEBIT_DESCRIPTIONS[code])
        return str(spec.subject) % values, str(spec.body) % values


def message_text(message: Message, language: str | None = None) -> tuple[str, str]:
    """Subject and body of `message`: as stored, or rendered now from its kind and context.

    `language` defaults to the active one (the reader's, in a request). Messages rendered late
    get their emergency-freeze link here, from the owner's public id (`select_related("user")`
    saves the query when rendering many).
    """
    if message.body:
        return message.subject, message.body
    context = dict(message.context)
    if "amount_minor" in context:
        context["amount"] = format_amount(
            Money(int(context.pop("amount_minor")), str(context.pop("currency")))
        )
    context.setdefault("time", timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M"))
    if SPECS[message.kind].freeze_link and "link" not in context and message.user is not None:
        context["link"] = directory().freeze_link(str(message.user.public_id))
    return _render(message.kind, language or translation.get_language() or "zh-hans", context)


def _channels_for(kind: str, prefs: Preference) -> list[Channel]:
    spec = SPECS[kind]
    chosen = list(spec.default_channels)
    if spec.category == Category.SECURITY:
        if not prefs.security_sms and Channel.SMS in chosen:
            chosen.remove(Channel.SMS)
        if not prefs.security_email and Channel.EMAIL in chosen:
            chosen.remove(Channel.EMAIL)
    elif spec.category == Category.TRANSACTION:
        wanted = {
            Channel.INBOX: prefs.transaction_inbox,
            Channel.SMS: prefs.transaction_sms,
            Channel.EMAIL: prefs.transaction_email,
        }
        chosen = [channel for channel, on in wanted.items() if on]
    return chosen


def notify(
    user_id: int,
    kind: str,
    context: dict[str, Any],
    channels: list[str] | None = None,
    *,
    destinations: dict[str, str] | None = None,
    contact: Contact | None = None,
    prefs: Preference | None = None,
    render_late: bool = False,
    at: datetime | None = None,
) -> list[int]:
    """Queue `kind` for the user on each channel; deliver after the caller's transaction commits.

    `destinations` overrides the address per channel (e.g. the *old* phone after a change).
    `contact` and `prefs` may be passed by a caller that already loaded them.
    `render_late` stores the context instead of the text, which is then rendered when the
    message is read or delivered (`message_text`); the context must then hold only
    language-neutral values.
    `at` dates the messages (default now), for callers that replay history.
    Returns the outbox row ids.
    """
    selected = (
        [Channel(c) for c in channels]
        if channels is not None
        else _channels_for(kind, prefs or preference_for(user_id))
    )
    if contact is None:
        # An in-app message rendered when read needs neither an address nor a language.
        inbox_only = all(channel == Channel.INBOX for channel in selected)
        contact = (
            Contact(None, None, "zh-hans") if render_late and inbox_only else _contact(user_id)
        )
    stored_context = dict(context)
    subject, body = ("", "") if render_late else _render(kind, contact.language, context)
    spec = SPECS[kind]
    link = str(context.get("link", ""))[:300]
    ids: list[int] = []
    outbound: list[int] = []
    moment = at or timezone.now()
    for channel in selected:
        destination = (destinations or {}).get(channel) or {
            Channel.INBOX: "",
            Channel.SMS: contact.phone or "",
            Channel.EMAIL: contact.email or "",
        }[channel]
        if channel != Channel.INBOX and not destination:
            continue
        message = Message.objects.create(
            user_id=user_id,
            channel=channel,
            category=spec.category,
            kind=kind,
            destination=destination,
            subject=subject[:200],
            body=body,
            context=stored_context if render_late else {},
            link=link,
            status=Status.SENT if channel == Channel.INBOX else Status.QUEUED,
            created_at=moment,
            sent_at=moment if channel == Channel.INBOX else None,
        )
        ids.append(message.pk)
        if channel == Channel.INBOX:
            _publish_inbox(user_id, message)
        else:
            outbound.append(message.pk)
    if outbound:
        on_commit(deliver_queued, outbound)
    return ids


def _publish_inbox(user_id: int, message: Message) -> None:
    from walletdesk.realtime.publish import publish_on_commit, user_group

    publish_on_commit(
        user_group(user_id),
        "notification",
        "add",
        {"id": str(message.public_id), "kind": message.kind},
    )


def announce_outbox_rows(user_id: int, kind: str, inbox: list[str], outbound: list[int]) -> None:
    """After commit: tell the owner's open pages about new inbox rows and send the others.

    For outbox rows written without the ORM (the PostgreSQL transfer function)."""
    from walletdesk.realtime.publish import publish_on_commit, user_group

    for public_id in inbox:
        publish_on_commit(
            user_group(user_id), "notification", "add", {"id": public_id, "kind": kind}
        )
    if outbound:
        on_commit(deliver_queued, outbound)


def send_code(*, user_id: int, channel: str, destination: str, purpose: str, code: str) -> int:
    """Queue a verification-code message; the code is sent after commit and never stored."""
    contact = _contact(user_id)
    with translation.override(contact.language):
        label = str(directory().purpose_label(purpose))
    subject, redacted_body = _render(
        "code", contact.language, {"purpose": label, "code": REDACTED_CODE}
    )
    message = Message.objects.create(
        user_id=user_id,
        channel=Channel(channel),
        category=Category.CODE,
        kind="code",
        destination=destination,
        subject=subject,
        body=redacted_body,
        redacted=True,
    )
    _, real_body = _render("code", contact.language, {"purpose": label, "code": code})
    on_commit(_deliver_code, message.pk, real_body)
    return message.pk


def send_contact_code(*, destination: str, language: str, code: str, minutes: int) -> int:
    """Queue the public contact form's code to an email address that need not belong to anyone:
    no account is looked up (the form must not reveal whether one exists). Stored redacted, like
    every code."""
    context = {"code": REDACTED_CODE, "minutes": minutes}
    subject, redacted_body = _render("contact_code", language, context)
    message = Message.objects.create(
        user=None,
        channel=Channel.EMAIL,
        category=Category.CODE,
        kind="contact_code",
        destination=destination,
        subject=subject,
        body=redacted_body,
        redacted=True,
    )
    _, real_body = _render("contact_code", language, {**context, "code": code})
    on_commit(_deliver_code, message.pk, real_body)
    return message.pk


def page_staff(user_ids: list[int], context: dict[str, Any]) -> list[int]:
    """An in-app page to each staff member (a ticket escalated), written in each one's language
    (lazy texts in `context` are translated then); in the caller's transaction, announced to
    their open pages after commit."""
    ids: list[int] = []
    for user_id in sorted(set(user_ids)):
        ids += notify(user_id, "staff_page", context, [Channel.INBOX])
    return ids


def mark_staff_pages_read(user_id: int) -> int:
    return Message.objects.filter(
        user_id=user_id, channel=Channel.INBOX, category=Category.STAFF, read_at__isnull=True
    ).update(read_at=timezone.now())


def staff_pages(user_id: int, *, unread_only: bool = True, limit: int = 20) -> list[Message]:
    rows = Message.objects.filter(
        user_id=user_id, channel=Channel.INBOX, category=Category.STAFF
    ).order_by("-created_at", "-pk")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return list(rows[:limit])


def _deliver_code(message_id: int, text: str) -> None:
    message = Message.objects.filter(pk=message_id, status=Status.QUEUED).first()
    if message is not None:
        _deliver(message, text)


def deliver_queued(message_ids: list[int]) -> None:
    queued = Message.objects.filter(
        pk__in=message_ids, status=Status.QUEUED, redacted=False
    ).select_related("user")
    for message in queued:
        language = (message.user.preferred_language if message.user else "") or "zh-hans"
        subject, body = message_text(message, language)
        _deliver(message, body, subject)


def _deliver(message: Message, text: str, subject: str | None = None) -> None:
    result: SendResult
    try:
        if message.channel == Channel.SMS:
            provider = sms_provider()
            message.provider = provider.name
            result = provider.send(message.destination, text)
        else:
            message.provider = "email"
            email = EmailMessage(
                subject=message.subject if subject is None else subject,
                body=text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.destination],
            )
            sent = email.send(fail_silently=False)
            result = SendResult(ok=sent == 1)
    except Exception as exc:  # a provider outage must not break the caller's request
        result = SendResult(ok=False, error=type(exc).__name__)
        logger.warning(
            "notification.delivery_failed", extra={"message_id": message.pk, "error": result.error}
        )
    message.attempts += 1
    fields: dict[str, Any] = {"provider": message.provider, "attempts": message.attempts}
    if result.ok:
        fields.update(sent_at=timezone.now(), provider_ref=result.provider_ref[:100], error="")
        move_status(message, Status.SENT, reason=message.provider, also=fields)
        return
    fields["error"] = (result.error or "send failed")[:200]
    if message.redacted or message.attempts >= MAX_ATTEMPTS:
        move_status(message, Status.FAILED, reason=fields["error"], also=fields)
        return
    # Still queued: the outbox sweep tries again.
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=list(fields))


def move_status(
    message: Message,
    target: Status,
    *,
    actor: str = "system",
    reason: str = "",
    also: dict[str, Any] | None = None,
) -> bool:
    """The one way a message's delivery status moves: checked against MESSAGE_TRANSITIONS, with
    its history row (core.statemachine) written together. Returns False, writing nothing, when
    another worker moved the row first (delivery is at least once: the sweep and the after-commit
    send can race)."""
    try:
        change_status(
            message,
            target,
            transitions=MESSAGE_TRANSITIONS,
            actor=actor,
            reason=reason,
            also=also,
        )
    except InvalidStateTransitionError:
        if Message.objects.filter(pk=message.pk, status=message.status).exists():
            raise  # the map refuses this move: a bug in the caller, not a race
        logger.info("notification.status_race", extra={"message_id": message.pk})
        return False
    return True


def retry_queued(older_than: timedelta = timedelta(minutes=1)) -> int:
    """Outbox sweep: deliver anything still queued (at least once). Code messages are not retried:
    their code only ever existed in the memory of the request that issued it."""
    cutoff = timezone.now() - older_than
    stale = Message.objects.filter(status=Status.QUEUED, created_at__lt=cutoff)
    failed_codes = 0
    for code_message in stale.filter(redacted=True)[:500]:
        failed_codes += move_status(
            code_message, Status.FAILED, reason="not sent", also={"error": "not sent"}
        )
    ids = list(stale.filter(redacted=False).values_list("pk", flat=True)[:500])
    deliver_queued(ids)
    return len(ids) + failed_codes


def debit_alert_context(
    money: Money, reference: str, *, description_code: str = "", description: str = ""
) -> dict[str, str | int]:
    """What a debit alert stores: plain values only, formatted and translated when the alert
    is read or sent (the time is the message's own). The PostgreSQL transfer function builds
    the same object (payments/sql/transfer.sql).

    `description_code` names a kind of debit (messages.DEBIT_DESCRIPTIONS); `description` is
    shown as it is (a merchant's name)."""
    context: dict[str, str | int] = {
        "amount_minor": abs(money.minor),
        "currency": money.currency,
        "reference": reference[:40],
    }
    if description_code:
        context["description_code"] = description_code
    else:
        context["description"] = description[:80]
    return context


def notify_debit(
    user_id: int,
    money: Money,
    reference: str,
    *,
    description_code: str = "",
    description: str = "",
    at: datetime | None = None,
) -> None:
    """The transaction alert after a debit, if `money` reaches the customer's threshold.

    The PostgreSQL transfer function writes the same rows through
    `notifications_transaction_notice` (notifications/sql/transaction_notice.sql)."""
    prefs = preference_for(user_id)
    if money.currency == prefs.debit_alert_currency and abs(money.minor) < prefs.debit_alert_minor:
        return
    notify(
        user_id,
        "debit",
        debit_alert_context(
            money, reference, description_code=description_code, description=description
        ),
        prefs=prefs,
        render_late=True,
        at=at,
    )


def mark_read(user_id: int, public_id: str | None = None) -> int:
    rows = Message.objects.filter(user_id=user_id, channel=Channel.INBOX, read_at__isnull=True)
    if public_id is not None:
        rows = rows.filter(public_id=public_id)
    return rows.update(read_at=timezone.now())


def save_preferences(user_id: int, *, actor: Actor, **values: Any) -> Preference:
    """Save the customer's alert preferences; `preferences_changed` tells the audit log who did
    it, in the same transaction."""
    with transaction.atomic():
        prefs, _ = Preference.objects.select_for_update().get_or_create(user_id=user_id)
        for key, value in values.items():
            setattr(prefs, key, value)
        prefs.save()
        preferences_changed.send(sender=Preference, user_id=user_id, actor=actor)
    return prefs
