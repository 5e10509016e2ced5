"""Writing messages to the outbox and delivering them after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from walletdesk.core.db import on_commit
from walletdesk.core.money import Money, format_amount
from walletdesk.notifications.enums import Category, Channel, Status
from walletdesk.notifications.messages import SPECS
from walletdesk.notifications.models import Message, Preference
from walletdesk.notifications.providers import SendResult, sms_provider

logger = logging.getLogger("walletdesk.notifications")

MAX_ATTEMPTS = 5
REDACTED_CODE = "******"


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None
    email: str | None
    language: str
    public_id: str = ""


def _contact(user_id: int) -> Contact:
    from walletdesk.identity.facade import get_contact

    found = get_contact(user_id)
    return Contact(found.phone, found.email, found.language, found.public_id)


def preference_for(user_id: int) -> Preference:
    found = Preference.objects.filter(user_id=user_id).first()
    return found if found is not None else Preference(user_id=user_id)


def _render(kind: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    spec = SPECS[kind]
    with translation.override(language):
        values = {key: str(value) for key, value in context.items()}
        return str(spec.subject) % values, str(spec.body) % values


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
) -> list[int]:
    """Queue `kind` for the user on each channel; deliver after the caller's transaction commits.

    `destinations` overrides the address per channel (e.g. the *old* phone after a change).
    `contact` and `prefs` may be passed by a caller that already loaded them.
    Returns the outbox row ids.
    """
    contact = contact or _contact(user_id)
    selected = (
        [Channel(c) for c in channels]
        if channels is not None
        else _channels_for(kind, prefs or preference_for(user_id))
    )
    subject, body = _render(kind, contact.language, context)
    spec = SPECS[kind]
    link = str(context.get("link", ""))[:300]
    ids: list[int] = []
    outbound: list[int] = []
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
            link=link,
            status=Status.SENT if channel == Channel.INBOX else Status.QUEUED,
            sent_at=timezone.now() if channel == Channel.INBOX else None,
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
        {"id": str(message.public_id), "subject": message.subject, "kind": message.kind},
    )


def send_code(*, user_id: int, channel: str, destination: str, purpose: str, code: str) -> int:
    """Queue a verification-code message; the code is sent after commit and never stored."""
    from walletdesk.identity.facade import purpose_label

    contact = _contact(user_id)
    with translation.override(contact.language):
        label = str(purpose_label(purpose))
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


def _deliver_code(message_id: int, text: str) -> None:
    message = Message.objects.filter(pk=message_id, status=Status.QUEUED).first()
    if message is not None:
        _deliver(message, text)


def deliver_queued(message_ids: list[int]) -> None:
    for message in Message.objects.filter(pk__in=message_ids, status=Status.QUEUED, redacted=False):
        _deliver(message, message.body)


def _deliver(message: Message, text: str) -> None:
    result: SendResult
    try:
        if message.channel == Channel.SMS:
            provider = sms_provider()
            message.provider = provider.name
            result = provider.send(message.destination, text)
        else:
            message.provider = "email"
            email = EmailMessage(
                subject=message.subject,
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
    if result.ok:
        message.status = Status.SENT
        message.sent_at = timezone.now()
        message.provider_ref = result.provider_ref[:100]
        message.error = ""
    else:
        message.error = (result.error or "send failed")[:200]
        if message.redacted or message.attempts >= MAX_ATTEMPTS:
            message.status = Status.FAILED
    message.save(
        update_fields=["status", "sent_at", "provider", "provider_ref", "error", "attempts"]
    )


def retry_queued(older_than: timedelta = timedelta(minutes=1)) -> int:
    """Outbox sweep: deliver anything still queued (at least once). Code messages are not retried:
    their code only ever existed in the memory of the request that issued it."""
    cutoff = timezone.now() - older_than
    stale = Message.objects.filter(status=Status.QUEUED, created_at__lt=cutoff)
    failed_codes = stale.filter(redacted=True).update(status=Status.FAILED, error="not sent")
    ids = list(stale.filter(redacted=False).values_list("pk", flat=True)[:500])
    deliver_queued(ids)
    return len(ids) + failed_codes


def notify_debit(user_id: int, money: Money, description: str, reference: str) -> None:
    prefs = preference_for(user_id)
    if money.currency == prefs.debit_alert_currency and abs(money.minor) < prefs.debit_alert_minor:
        return
    from walletdesk.identity.facade import freeze_link_for

    contact = _contact(user_id)
    notify(
        user_id,
        "debit",
        {
            "amount": format_amount(Money(abs(money.minor), money.currency)),
            "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "description": description[:80],
            "reference": reference[:40],
            "link": freeze_link_for(contact.public_id),
        },
        contact=contact,
        prefs=prefs,
    )


def mark_read(user_id: int, public_id: str | None = None) -> int:
    rows = Message.objects.filter(user_id=user_id, channel=Channel.INBOX, read_at__isnull=True)
    if public_id is not None:
        rows = rows.filter(public_id=public_id)
    return rows.update(read_at=timezone.now())


def save_preferences(user_id: int, **values: Any) -> Preference:
    with transaction.atomic():
        prefs, _ = Preference.objects.select_for_update().get_or_create(user_id=user_id)
        for key, value in values.items():
            setattr(prefs, key, value)
        prefs.save()
    return prefs
