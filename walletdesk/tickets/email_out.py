"""Ticket mail out: agents' public replies, the receipt of a ticket opened by email and the
satisfaction survey, each an `OutboundEmail` row written in the transaction that decides to send
it and delivered by SMTP after commit, then by the retry sweep until the server accepts it.

Why not the notifications outbox: its rows carry one plain-text body to one address, while
ticket mail needs its own Message-ID (replies thread on it, bounces are matched to it),
In-Reply-To / References, a per-ticket Reply-To and an HTML part beside the text.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from walletdesk.core.db import on_commit
from walletdesk.identity import facade as identity_facade
from walletdesk.tickets.enums import Channel
from walletdesk.tickets.mail_models import (
    InboundEmail,
    InboundOutcome,
    OutboundEmail,
    OutboundKind,
    OutboundStatus,
)
from walletdesk.tickets.models import Ticket, TicketMessage

logger = logging.getLogger("walletdesk.tickets.email")

MAX_ATTEMPTS = 8
REFERENCES_KEPT = 20
# Everything below this marker in a customer's reply is our own quoted mail (email_in trims it).
REPLY_MARKER_PREFIX = "##-"


@dataclass(frozen=True, slots=True)
class MailSettings:
    """settings.WALLETDESK_MAIL, typed (config/settings/base.py documents each key)."""

    support_address: str
    message_id_domain: str
    inbound_addresses: tuple[str, ...]
    smtp_listen_host: str
    smtp_listen_port: int
    max_message_bytes: int
    max_attachments: int
    loop_limit_per_hour: int
    imap_host: str
    imap_port: int
    imap_ssl: bool
    imap_user: str
    imap_password: str
    imap_folder: str
    imap_interval_seconds: int
    csat_link_days: int


def mail_settings() -> MailSettings:
    raw: Mapping[str, Any] = settings.WALLETDESK_MAIL
    return MailSettings(
        support_address=str(raw["SUPPORT_ADDRESS"]),
        message_id_domain=str(raw["MESSAGE_ID_DOMAIN"]).lower(),
        inbound_addresses=tuple(str(a) for a in raw["INBOUND_ADDRESSES"]),
        smtp_listen_host=str(raw["SMTP_LISTEN_HOST"]),
        smtp_listen_port=int(raw["SMTP_LISTEN_PORT"]),
        max_message_bytes=int(raw["MAX_MESSAGE_BYTES"]),
        max_attachments=int(raw["MAX_ATTACHMENTS"]),
        loop_limit_per_hour=int(raw["LOOP_LIMIT_PER_HOUR"]),
        imap_host=str(raw["IMAP_HOST"]),
        imap_port=int(raw["IMAP_PORT"]),
        imap_ssl=bool(raw["IMAP_SSL"]),
        imap_user=str(raw["IMAP_USER"]),
        imap_password=str(raw["IMAP_PASSWORD"]),
        imap_folder=str(raw["IMAP_FOLDER"]),
        imap_interval_seconds=int(raw["IMAP_INTERVAL_SECONDS"]),
        csat_link_days=int(raw["CSAT_LINK_DAYS"]),
    )


def support_address() -> str:
    return mail_settings().support_address


def message_id_domain() -> str:
    return mail_settings().message_id_domain


def new_message_id(number: str) -> str:
    return f"{uuid.uuid4().hex}.{number.lower()}@{message_id_domain()}"


def reply_to_address(number: str) -> str:
    """The ticket's own address, support+wd-2612-000123@…: a reply lands on the ticket even
    when the customer's mail program drops the threading headers and edits the subject."""
    local, _at, domain = support_address().partition("@")
    return f"{local}+{number.lower()}@{domain}"


def reply_marker(language: str) -> str:
    with translation.override(language):
        return f"{REPLY_MARKER_PREFIX} {_('Please type your reply above this line')} -##"


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    language: str


def recipient(ticket: Ticket) -> Recipient | None:
    """Where the ticket's mail goes: the customer's verified address in their language, or the
    contact address of a ticket without an account. Never the From of an inbound message, so a
    forged sender learns nothing from the answer."""
    if ticket.customer_id is not None:
        contact = identity_facade.get_contact(ticket.customer_id)
        if not contact.email:
            return None
        return Recipient(contact.email, _language(contact.language))
    if ticket.contact_email:
        return Recipient(ticket.contact_email, _language(ticket.language))
    return None


def _language(value: str) -> str:
    return "en" if (value or "").startswith("en") else "zh-hans"


def answers_by_email(ticket: Ticket) -> bool:
    """Agents' replies are mailed on tickets that came by email and on tickets whose requester
    has no account (they cannot read the answer in the app)."""
    return ticket.channel == Channel.EMAIL or (
        ticket.customer_id is None and bool(ticket.contact_email)
    )


def _thread(ticket: Ticket) -> tuple[str, list[str]]:
    """In-Reply-To (the customer's latest message, else our latest) and References (the first
    message of the thread and the most recent ones, oldest first)."""
    inbound = list(
        InboundEmail.objects.filter(
            ticket=ticket, outcome__in=[InboundOutcome.CREATED, InboundOutcome.APPENDED]
        ).values_list("message_id", "received_at")
    )
    outbound = list(
        OutboundEmail.objects.filter(ticket=ticket).values_list("message_id", "created_at")
    )
    chain = [mid for mid, _at in sorted([*inbound, *outbound], key=lambda item: item[1])]
    if not chain:
        return "", []
    kept = [chain[0], *chain[1:][-(REFERENCES_KEPT - 1) :]]
    latest_inbound = max(inbound, key=lambda item: item[1])[0] if inbound else chain[-1]
    return latest_inbound, kept


def queue(
    ticket: Ticket,
    kind: OutboundKind,
    *,
    template: str,
    context: dict[str, object],
    subject: str,
    ticket_message: TicketMessage | None = None,
    to: Recipient | None = None,
) -> OutboundEmail | None:
    """Write the outbox row (in the caller's transaction) and deliver it after commit."""
    to = to or recipient(ticket)
    if to is None:
        return None
    in_reply_to, references = _thread(ticket)
    with translation.override(to.language):
        values = {
            **context,
            "ticket": ticket,
            "language": to.language,
            "marker": reply_marker(to.language),
            "site_url": settings.WALLETDESK_NOTIFICATIONS["SITE_URL"],
        }
        text = render_to_string(f"tickets/email/{template}.txt", values)
        html = render_to_string(f"tickets/email/{template}.html", values)
        # One line: a header cannot hold a line break (and must not be made to).
        full_subject = " ".join(f"[{ticket.number}] {subject}".split())
    row = OutboundEmail.objects.create(
        ticket=ticket,
        ticket_message=ticket_message,
        kind=kind,
        message_id=new_message_id(ticket.number),
        in_reply_to=in_reply_to,
        references=" ".join(references),
        to_address=to.address,
        reply_to=reply_to_address(ticket.number),
        subject=full_subject[:250],
        text_body=text,
        html_body=html,
        language=to.language,
        # The sweep leaves a fresh row to the after-commit delivery for a while.
        next_attempt_at=timezone.now() + timedelta(minutes=2),
    )
    on_commit(deliver, [row.pk])
    return row


def queue_reply(ticket: Ticket, message: TicketMessage) -> OutboundEmail | None:
    if not answers_by_email(ticket):
        return None
    to = recipient(ticket)
    with translation.override(to.language if to else "zh-hans"):
        subject = _("Re: %(subject)s") % {"subject": ticket.subject}
    return queue(
        ticket,
        OutboundKind.REPLY,
        template="reply",
        context={"body": message.body},
        subject=subject,
        ticket_message=message,
        to=to,
    )


def queue_received(ticket: Ticket) -> OutboundEmail | None:
    to = recipient(ticket)
    with translation.override(to.language if to else "zh-hans"):
        subject = _("We have received your request")
    return queue(
        ticket, OutboundKind.RECEIVED, template="received", context={}, subject=subject, to=to
    )


def deliver(ids: list[int]) -> int:
    """Send the queued rows among `ids`; each is claimed under a row lock (SKIP LOCKED), so two
    sweeps never send the same row at once. Returns how many the server accepted."""
    sent = 0
    for pk in ids:
        with transaction.atomic():
            row = (
                OutboundEmail.objects.select_for_update(skip_locked=True)
                .select_related("ticket")
                .filter(pk=pk, status=OutboundStatus.QUEUED)
                .first()
            )
            if row is not None:
                sent += _send(row)
    return sent


def deliver_due(now: datetime | None = None, limit: int = 200) -> int:
    """The retry sweep: rows still queued whose next attempt is due."""
    now = now or timezone.now()
    ids = list(
        OutboundEmail.objects.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return deliver(ids)


def _angle(message_id: str) -> str:
    return f"<{message_id}>"


def _send(row: OutboundEmail) -> int:
    headers = {
        "Message-ID": _angle(row.message_id),
        "X-WalletDesk-Ticket": row.ticket.number,
    }
    if row.in_reply_to:
        headers["In-Reply-To"] = _angle(row.in_reply_to)
    if row.references:
        headers["References"] = " ".join(_angle(mid) for mid in row.references.split())
    if row.kind != OutboundKind.REPLY:
        # RFC 3834: well-behaved responders never answer these, so no loop starts here.
        headers["Auto-Submitted"] = "auto-replied" if row.in_reply_to else "auto-generated"
    with translation.override(row.language):
        sender = formataddr((_("WalletDesk Support"), support_address()))
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=row.text_body,
        from_email=sender,
        to=[row.to_address],
        reply_to=[row.reply_to],
        headers=headers,
    )
    email.attach_alternative(row.html_body, "text/html")
    row.attempts += 1
    try:
        accepted = email.send(fail_silently=False) == 1
        error = "" if accepted else "not accepted"
    except Exception as exc:  # the server is down or refused: try again later
        accepted, error = False, type(exc).__name__
    if accepted:
        row.status = OutboundStatus.SENT
        row.sent_at = timezone.now()
        row.error = ""
    else:
        row.error = error[:200]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboundStatus.FAILED
        else:
            row.next_attempt_at = timezone.now() + timedelta(minutes=min(2**row.attempts, 120))
        logger.warning(
            "ticket_email.delivery_failed",
            extra={"outbound_id": row.pk, "attempts": row.attempts, "error": row.error},
        )
    row.save(update_fields=["status", "sent_at", "error", "attempts", "next_attempt_at"])
    return int(accepted)
