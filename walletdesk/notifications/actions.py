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
from walletdesk.notifications.messages import DEBIT_DESCRIPTIONS, SPECS
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
        from walletdesk.identity.facade import freeze_link_for

        context["link"] = freeze_link_for(str(message.user.public_id))
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
) -> list[int]:
    """Queue `kind` for the user on each channel; deliver after the caller's transaction commits.

    `destinations` overrides the address per channel (e.g. the *old* phone after a change).
    `contact` and `prefs` may be passed by a caller that already loaded them.
    `render_late` stores the context instead of the text, which is then rendered when the
    message is read or delivered (`message_text`); the context must then hold only
    language-neutral values.
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


def debit_alert_context(
    money: Money, reference: str, *, description_code: str = "", description: str = ""
) -> dict[str, str | int]:
    """What a debit alert stores: plain values only, formatted and translated when the alert
    is read or sent (the time is the message's own). The PostgreSQL transfer function builds
    the same object (payments migration 0004).

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
) -> None:
    """The transaction alert after a debit, if `money` reaches the customer's threshold.

    The PostgreSQL transfer function writes the same rows itself (payments migration 0004)."""
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
