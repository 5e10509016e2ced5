"""Mail in: one raw message (from the SMTP listener or the IMAP poller) becomes a new ticket, a
message on an existing one, or a recorded non-event (an automatic reply, a loop, a bounce).

Order of decisions (docs/support-desk.md, "Email"):
1. Seen this Message-ID before: nothing changes (MTAs retry, mailboxes are polled again).
2. A delivery status notification (bounce): recorded against the outbound message it reports on.
3. Our own mail coming back, or more mail from one sender than a person writes: a loop.
4. Automatic replies (Auto-Submitted, X-Autoreply, Precedence bulk/list/junk, mailing lists):
   recorded, never answered, no ticket opened.
5. Threading: In-Reply-To / References naming one of our messages or an earlier inbound one,
   then the ticket's own Reply-To address (support+wd-…), then the ticket number in the subject.
   A message is added to the ticket only when its sender is the ticket's requester; otherwise it
   opens a ticket of its own.
6. Otherwise a new ticket: for the customer whose verified email sent it, else for the sender as
   a contact (never attached to an account by an email address alone).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses, parseaddr
from typing import Any

import nh3
from django.db import IntegrityError, transaction
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity import facade as identity_facade
from walletdesk.tickets import actions, email_out
from walletdesk.tickets.enums import Channel, EventKind
from walletdesk.tickets.errors import TicketClosedError
from walletdesk.tickets.inbound_attachments import store_inbound_attachment
from walletdesk.tickets.mail_models import (
    InboundEmail,
    InboundOutcome,
    OutboundEmail,
    OutboundStatus,
)
from walletdesk.tickets.models import Ticket, TicketEvent

NUMBER_RE = re.compile(r"\bWD-\d{4}-\d{6,}\b", re.IGNORECASE)
MESSAGE_ID_RE = re.compile(r"<([^<>\s]+)>")
DEFAULT_CATEGORY = "other_question"
AUTO_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Bounce:
    original_message_id: str
    action: str
    status: str
    detail: str


@dataclass(slots=True)
class ParsedMail:
    message_id: str
    from_address: str
    subject: str
    references: list[str]
    recipients: list[str]
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    auto_reason: str = ""
    bounce: Bounce | None = None


@dataclass(frozen=True, slots=True)
class IntakeResult:
    outcome: InboundOutcome
    ticket_number: str | None
    duplicate: bool = False


# --- Parsing -------------------------------------------------------------------------------------


def _ids(value: str | None) -> list[str]:
    return [mid.strip().lower() for mid in MESSAGE_ID_RE.findall(value or "")]


def _message_id(msg: Message, raw: bytes) -> str:
    found = _ids(str(msg.get("Message-ID", "")))
    if found:
        return found[0][:255]
    # No id: the content stands in, so a retried delivery is still recognised.
    return f"{hashlib.sha256(raw).hexdigest()}@missing-message-id"


def html_to_text(markup: str) -> str:
    """Safe plain text from an HTML body. nh3 (Rust's ammonia on the html5ever parser, the
    maintained successor of the deprecated bleach) parses the markup as a browser would, drops
    scripts, styles and quoted history (blockquote) with their content and keeps only the tags
    that mark line breaks; what is left is turned into lines and unescaped. html2text is GPL and
    regex stripping is not a parser."""
    breaks = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
    cleaned = nh3.clean(
        markup,
        tags=breaks,
        clean_content_tags={"script", "style", "blockquote", "head", "title"},
        attributes={},
    )
    # nh3's output is well-formed, so the few tags left can be replaced textually.
    text = re.sub(r"<br\s*/?>", "\n", cleaned)
    text = re.sub(r"</?(p|div|li|tr|h[1-6]|table)>", "\n", text)
    text = re.sub(r"<[^>]*>", "", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_QUOTE_STARTS = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*在.{0,300}写道\s*[:：]\s*$"),
    re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(原始邮件|转发邮件|原始郵件)\s*-{2,}"),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^-- $"),
]
_HEADER_BLOCK = re.compile(r"^\s*(From|发件人|寄件者)\s*[:：]", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*(Sent|Date|To|Subject|Cc|发送时间|日期|收件人|主题|抄送)\s*[:：]", re.IGNORECASE
)


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at our reply marker or at the first line that starts quoted
    history (the "On … wrote:" line in English and Chinese clients, an Outlook header block, a
    forwarded-message rule, a signature separator); trailing "> " lines go too."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if line.lstrip("> \t").startswith(email_out.REPLY_MARKER_PREFIX):
            cut = i
            break
        if any(p.match(line) or p.match(joined) for p in _QUOTE_STARTS):
            cut = i
            break
        if _HEADER_BLOCK.match(line) and any(_HEADER_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            cut = i
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    return "\n".join(kept).strip()


def _auto_reason(msg: Message, from_address: str) -> str:
    if "@" not in from_address:
        return "no sender address"  # nobody to answer or to match
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"[:200]
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if msg.get(name) is not None:
            return name
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if msg.get("List-Id") is not None or msg.get("List-Unsubscribe") is not None:
        return "mailing list"
    local = from_address.partition("@")[0]
    if local in {"mailer-daemon", "postmaster"}:
        return f"sender {local}"
    return ""


def _bounce(msg: Message) -> Bounce | None:
    """A delivery status notification (RFC 3464): the failed recipient's status and the id of
    the message it reports on (from the returned message or its headers)."""
    if msg.get_content_type() != "multipart/report":
        return None
    if str(msg.get_param("report-type", "")).lower() != "delivery-status":
        return None
    action = status = detail = original = ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in part.get_payload():
                if isinstance(block, Message):
                    action = action or str(block.get("Action", "")).strip().lower()
                    status = status or str(block.get("Status", "")).strip()
                    detail = detail or str(block.get("Diagnostic-Code", "")).strip()
        elif ctype == "message/rfc822" and not original:
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner_msg, Message):
                found = _ids(str(inner_msg.get("Message-ID", "")))
                original = found[0] if found else ""
        elif ctype == "text/rfc822-headers" and not original:
            payload = part.get_payload(decode=True)
            headers = HeaderParser().parsestr(
                payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
            )
            found = _ids(str(headers.get("Message-ID", "")))
            original = found[0] if found else ""
    if not original:
        references = _ids(str(msg.get("In-Reply-To", ""))) + _ids(str(msg.get("References", "")))
        original = references[0] if references else ""
    return Bounce(original, action or "failed", status[:20], detail[:300])


def _body_text(msg: EmailMessage) -> str:
    """The plain-text part, or the HTML one made safe when there is no text worth the name."""
    for kind in ("plain", "html"):
        part = msg.get_body(preferencelist=(kind,))
        if part is not None:
            text = _part_text(part)
            if text.strip():
                return text
    return ""


def _part_text(part: Any) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        return html_to_text(str(content))
    return str(content)


def _attachments(msg: EmailMessage, limit: int) -> list[Attachment]:
    found: list[Attachment] = []
    for part in msg.iter_attachments():
        if len(found) >= limit:
            break
        if part.get_content_maintype() in ("multipart", "message"):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        name = part.get_filename() or "attachment"
        found.append(Attachment(name, part.get_content_type(), data))
    return found


def parse(raw: bytes, *, envelope_recipients: Sequence[str] = ()) -> ParsedMail:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    from_address = parseaddr(str(msg.get("From", "")))[1].strip().lower()
    recipients = [addr.lower() for _name, addr in getaddresses(msg.get_all("To", []))]
    recipients += [addr.lower() for _name, addr in getaddresses(msg.get_all("Cc", []))]
    recipients += [addr.lower() for addr in envelope_recipients]
    limit = email_out.mail_settings().max_attachments
    bounce = _bounce(msg)
    return ParsedMail(
        message_id=_message_id(msg, raw),
        from_address=from_address[:254],
        subject=" ".join(str(msg.get("Subject", "")).split())[:200],
        references=_ids(str(msg.get("In-Reply-To", "")))
        + list(reversed(_ids(str(msg.get("References", ""))))),
        recipients=recipients,
        text="" if bounce else trim_quoted(_body_text(msg)),
        attachments=[] if bounce else _attachments(msg, limit),
        auto_reason=_auto_reason(msg, from_address),
        bounce=bounce,
    )


# --- Intake --------------------------------------------------------------------------------------


def receive(raw: bytes, *, via: str, envelope_recipients: Sequence[str] = ()) -> IntakeResult:
    """Take one raw message. Safe to call again with the same message (idempotent by
    Message-ID), also from two processes at once (the unique id decides)."""
    mail = parse(raw, envelope_recipients=envelope_recipients)
    seen = InboundEmail.objects.filter(message_id=mail.message_id).select_related("ticket").first()
    if seen is not None:
        return IntakeResult(InboundOutcome(seen.outcome), _number(seen.ticket), duplicate=True)
    try:
        with transaction.atomic():
            return _receive(mail, via=via, size=len(raw))
    except IntegrityError:
        # Another process took the same message between our look-up and our insert.
        seen = InboundEmail.objects.select_related("ticket").get(message_id=mail.message_id)
        return IntakeResult(InboundOutcome(seen.outcome), _number(seen.ticket), duplicate=True)


def _number(ticket: Ticket | None) -> str | None:
    return ticket.number if ticket is not None else None


def _record(
    mail: ParsedMail,
    *,
    via: str,
    size: int,
    outcome: InboundOutcome,
    reason: str = "",
    ticket: Ticket | None = None,
) -> InboundEmail:
    return InboundEmail.objects.create(
        message_id=mail.message_id,
        via=via[:8],
        from_address=mail.from_address,
        subject=mail.subject,
        outcome=outcome,
        reason=reason[:200],
        ticket=ticket,
        size=size,
    )


def _receive(mail: ParsedMail, *, via: str, size: int) -> IntakeResult:
    if mail.bounce is not None:
        ticket = _record_bounce(mail.bounce)
        _record(
            mail,
            via=via,
            size=size,
            outcome=InboundOutcome.BOUNCE,
            reason=f"{mail.bounce.action} {mail.bounce.status}",
            ticket=ticket,
        )
        return IntakeResult(InboundOutcome.BOUNCE, _number(ticket))
    threaded = _threaded_ticket(mail)
    loop = _loop_reason(mail)
    if loop or mail.auto_reason:
        outcome = InboundOutcome.LOOP if loop else InboundOutcome.AUTO_REPLY
        _record(
            mail,
            via=via,
            size=size,
            outcome=outcome,
            reason=loop or mail.auto_reason,
            ticket=threaded,
        )
        return IntakeResult(outcome, _number(threaded))
    customer_id = identity_facade.customer_for_verified_email(mail.from_address)
    body = mail.text or "—"
    if threaded is not None and _is_requester(threaded, customer_id, mail.from_address):
        try:
            message = actions.receive_email_message(
                threaded.number,
                body,
                customer_id=customer_id,
                contact_email="" if customer_id else mail.from_address,
            )
        except TicketClosedError:
            pass  # a closed ticket stays closed: the message opens a follow-up below
        else:
            row = _record(
                mail, via=via, size=size, outcome=InboundOutcome.APPENDED, ticket=threaded
            )
            row.ticket_message = message
            _keep_attachments(row, mail, threaded.pk, message.pk)
            return IntakeResult(InboundOutcome.APPENDED, threaded.number)
    ticket = actions.open_ticket(
        Actor.customer(customer_id) if customer_id else Actor.system(),
        customer_id=customer_id,
        subject=mail.subject or body.splitlines()[0][:80] or "—",
        body=body,
        category=DEFAULT_CATEGORY,
        channel=Channel.EMAIL,
        language=_guess_language(customer_id, f"{mail.subject}\n{body}"),
        contact_email="" if customer_id else mail.from_address,
    )
    row = _record(mail, via=via, size=size, outcome=InboundOutcome.CREATED, ticket=ticket)
    row.ticket_message = ticket.messages.order_by("pk").first()
    _keep_attachments(row, mail, ticket.pk, row.ticket_message_id)
    email_out.queue_received(ticket)
    return IntakeResult(InboundOutcome.CREATED, ticket.number)


def _keep_attachments(
    row: InboundEmail, mail: ParsedMail, ticket_id: int, message_id: int | None
) -> None:
    row.attachments = [
        store_inbound_attachment(
            ticket_id=ticket_id,
            message_id=message_id,
            name=item.name,
            content_type=item.content_type,
            data=item.data,
        ).as_json()
        for item in mail.attachments
    ]
    row.save(update_fields=["attachments", "ticket_message"])


def _threaded_ticket(mail: ParsedMail) -> Ticket | None:
    if mail.references:
        by_id: dict[str, int] = dict(
            OutboundEmail.objects.filter(message_id__in=mail.references).values_list(
                "message_id", "ticket_id"
            )
        )
        by_id.update(
            InboundEmail.objects.filter(
                message_id__in=mail.references, ticket__isnull=False
            ).values_list("message_id", "ticket_id")
        )
        for mid in mail.references:  # In-Reply-To first, then the newest reference
            if mid in by_id:
                return _follow_merges(Ticket.objects.get(pk=by_id[mid]))
    local, _at, domain = email_out.support_address().partition("@")
    for address in mail.recipients:
        name, _at2, rcpt_domain = address.partition("@")
        base, plus, tag = name.partition("+")
        if plus and base == local and rcpt_domain == domain and NUMBER_RE.fullmatch(tag):
            found = Ticket.objects.filter(number=tag.upper()).first()
            if found is not None:
                return _follow_merges(found)
    match = NUMBER_RE.search(mail.subject)
    if match:
        found = Ticket.objects.filter(number=match.group(0).upper()).first()
        if found is not None:
            return _follow_merges(found)
    return None


def _follow_merges(ticket: Ticket) -> Ticket:
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _is_requester(ticket: Ticket, customer_id: int | None, address: str) -> bool:
    if ticket.customer_id is not None:
        return customer_id == ticket.customer_id
    return bool(ticket.contact_email) and ticket.contact_email.lower() == address


def _loop_reason(mail: ParsedMail) -> str:
    if mail.message_id.endswith(f"@{email_out.message_id_domain()}"):
        return "our own message"
    local, _at, domain = email_out.support_address().lower().partition("@")
    sender_local, _at2, sender_domain = mail.from_address.partition("@")
    if sender_domain == domain and sender_local.partition("+")[0] == local:
        return "sent by our own address"
    limit = email_out.mail_settings().loop_limit_per_hour
    recent = InboundEmail.objects.filter(
        from_address=mail.from_address, received_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= limit:
        return f"{recent} messages from this sender within an hour"
    return ""


def _guess_language(customer_id: int | None, text: str) -> str:
    if customer_id is not None:
        return identity_facade.get_contact(customer_id).language
    return "zh-hans" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def _record_bounce(bounce: Bounce) -> Ticket | None:
    row = (
        OutboundEmail.objects.select_for_update()
        .select_related("ticket")
        .filter(message_id=bounce.original_message_id)
        .first()
        if bounce.original_message_id
        else None
    )
    if row is None:
        return None
    now = timezone.now()
    row.bounce_status = bounce.status
    row.bounce_detail = bounce.detail
    fields = ["bounce_status", "bounce_detail"]
    if bounce.action == "failed" and row.bounced_at is None:
        row.status = OutboundStatus.BOUNCED
        row.bounced_at = now
        fields += ["status", "bounced_at"]
        TicketEvent.objects.create(
            ticket=row.ticket,
            actor="system",
            kind=EventKind.EMAIL_BOUNCED,
            from_value=row.to_address[:200],
            to_value=bounce.status[:200],
            note=bounce.detail[:500],
            created_at=now,
        )
    row.save(update_fields=fields)
    return row.ticket
