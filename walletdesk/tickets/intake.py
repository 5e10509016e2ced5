"""Writes of the intake channels: the public contact form (people who cannot sign in), call-back
requests and logged calls, an agent linking a contact's ticket to an account, and a suggestion's
way to the product team.

Like `actions`, every function takes plain values (and a typed `Actor` where someone signed in
acts) and never sees HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor, ActorKind
from walletdesk.core.errors import ValidationFailedError
from walletdesk.identity import facade as identity_facade
from walletdesk.notifications import facade as notifications_facade
from walletdesk.tickets import actions
from walletdesk.tickets.context_processors import support_config
from walletdesk.tickets.enums import (
    FEEDBACK_TRANSITIONS,
    OPEN_STATUSES,
    CallDirection,
    CallOutcome,
    Channel,
    EventKind,
    FeedbackStatus,
    TicketKind,
)
from walletdesk.tickets.errors import (
    CallbackAlreadyRequestedError,
    CallbackTimeInvalidError,
    ContactCodeInvalidError,
    ContactRateLimitedError,
    FeedbackStatusInvalidError,
    TicketAccountLinkError,
    TicketActionNotAllowedError,
)
from walletdesk.tickets.models import CallLog, Category, ContactRequest, Ticket

# --- The public contact form --------------------------------------------------------------------

CONTACT_CODE_MINUTES = 30
CONTACT_CODE_ATTEMPTS = 5
# Per client IP and per email address given, in an hour (identity's sliding-window counters).
CONTACT_PER_IP_HOURLY = 5
CONTACT_PER_EMAIL_HOURLY = 3
# The tag agents filter on: a ticket from someone who could not sign in, not yet linked.
IDENTITY_CHECK_TAG = "identity_check"
# What someone locked out of their account can write to us about (subtopic codes).
PUBLIC_TOPICS = (
    "forgot_password",
    "verification_code_not_received",
    "change_phone",
    "account_frozen",
    "suspicious_login",
    "unauthorized_transaction",
    "other_question",
)
NAME_MAX = 60


def _code_hash(public_id: str, code: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"contact:{public_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _normalise_email(value: str) -> str:
    email = (value or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailedError(
            fields={"email": [_("Enter the email address where we can reach you.")]}
        ) from None
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _normalise_phone(value: str) -> str:
    digits = "".join(ch for ch in (value or "") if ch.isdigit() or ch == "+")
    if not digits:
        return ""
    if not digits.startswith("+") and len(digits) == 11 and digits.startswith("1"):
        digits = f"+86{digits}"  # a mainland mobile number typed without the country code
    if not digits.startswith("+") or not 8 <= len(digits) <= 16 or "+" in digits[1:]:
        raise ValidationFailedError(
            fields={"phone": [_("Enter a phone number, e.g. 13800138000 or +852 9123 4567.")]}
        )
    return digits


def _text(value: str, *, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailedError(fields={field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationFailedError(
            fields={field: [_("Keep it under %(limit)d characters.") % {"limit": limit}]}
        )
    return text


@dataclass(frozen=True, slots=True)
class ContactStarted:
    """What the form's next page needs: where to enter the code, and where it went (masked)."""

    public_id: str
    email: str


def start_contact(
    *,
    email: str,
    phone: str,
    name: str,
    topic: str,
    subject: str,
    body: str,
    language: str,
    ip: str,
) -> ContactStarted:
    """Hold a request from someone who cannot sign in and email them a code.

    Never looks up whether the email or phone belongs to a customer: the answer, the work done
    and the time taken are the same either way (no account enumeration). Limited per client IP
    and per address given."""
    address = _normalise_email(email)
    number = _normalise_phone(phone)
    if topic not in PUBLIC_TOPICS:
        raise ValidationFailedError(fields={"topic": [_("Choose one of the listed topics.")]})
    subject = _text(subject, field="subject", limit=actions.SUBJECT_MAX)
    body = _text(body, field="body", limit=actions.BODY_MAX)
    name = (name or "").strip()[:NAME_MAX]
    # Both counters are always hit, so a refusal says nothing about which limit was reached.
    ip_ok = identity_facade.within_rate_limit(
        "contact_ip", ip or "unknown", limit=CONTACT_PER_IP_HOURLY, window=3600, ip=ip
    )
    email_ok = identity_facade.within_rate_limit(
        "contact_email", address.lower(), limit=CONTACT_PER_EMAIL_HOURLY, window=3600, ip=ip
    )
    if not (ip_ok and email_ok):
        raise ContactRateLimitedError()
    code = f"{secrets.randbelow(1_000_000):06d}"
    language = "en" if language.startswith("en") else "zh-hans"
    with transaction.atomic():
        request = ContactRequest(
            email=address,
            phone=number,
            name=name,
            category=topic,
            subject=subject,
            body=body,
            language=language,
            expires_at=timezone.now() + timedelta(minutes=CONTACT_CODE_MINUTES),
            ip=(ip or "")[:64],
        )
        request.code_hash = _code_hash(str(request.public_id), code)
        request.save()
        notifications_facade.send_contact_code(
            destination=address, language=language, code=code, minutes=CONTACT_CODE_MINUTES
        )
    return ContactStarted(str(request.public_id), address)


def pending_contact(public_id: str) -> ContactRequest | None:
    """The request waiting for its code, or None (unknown, expired, used up or done)."""
    try:
        row = ContactRequest.objects.filter(public_id=public_id).first()
    except ValidationError:  # not a UUID
        return None
    if row is None or row.verified_at is not None or row.expires_at <= timezone.now():
        return None
    return row if row.attempts < CONTACT_CODE_ATTEMPTS else None


def verify_contact(public_id: str, code: str) -> Ticket:
    """Check the emailed code; the first right answer opens the ticket, holding the verified
    email (and the phone as given), never an account: an agent links the account after identity
    checks (`link_account`). Wrong codes count; after five the request is dead."""
    with transaction.atomic():
        try:
            row = ContactRequest.objects.select_for_update().filter(public_id=public_id).first()
        except ValidationError:
            row = None
        now = timezone.now()
        if (
            row is None
            or row.verified_at is not None
            or row.expires_at <= now
            or row.attempts >= CONTACT_CODE_ATTEMPTS
        ):
            raise ContactCodeInvalidError()
        given = "".join(ch for ch in (code or "") if ch.isdigit())
        right = hmac.compare_digest(_code_hash(str(row.public_id), given), row.code_hash)
        if not right:
            # Counted in a committed transaction: the refusal is raised after it.
            ContactRequest.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
        else:
            ticket = _open_contact_ticket(row, now)
    if not right:
        raise ContactCodeInvalidError()
    return ticket


def _open_contact_ticket(row: ContactRequest, now: datetime) -> Ticket:
    ticket = actions.open_ticket(
        Actor.system(),
        customer_id=None,
        subject=row.subject,
        body=_contact_body(row),
        category=row.category,
        channel=Channel.WEB_FORM,
        language=row.language,
        contact_email=row.email,
        contact_phone=row.phone,
    )
    actions.triage(Actor.system(), ticket.number, tags=[*ticket.tags, IDENTITY_CHECK_TAG])
    row.verified_at = now
    row.ticket = ticket
    row.save(update_fields=["verified_at", "ticket"])
    return ticket


def _contact_body(row: ContactRequest) -> str:
    with translation.override(row.language):
        header = _("From %(name)s, who could not sign in. Email verified: %(email)s.") % {
            "name": row.name or _("(no name given)"),
            "email": row.email,
        }
        if row.phone:
            header += " " + _("Phone as given (not verified): %(phone)s.") % {"phone": row.phone}
    return f"{header}\n\n{row.body}"


def link_account(actor: Actor, number: str, *, identifier: str, checks: str) -> Ticket:
    """An agent ties a contact's ticket to the customer's account, after checking who they are
    (`checks` says how: the timeline keeps it). Only a ticket without an account can be linked."""
    if not actor.is_staff:
        raise TicketActionNotAllowedError()
    checks = _text(checks, field="checks", limit=500)
    wanted = (identifier or "").strip()
    if not wanted:
        raise ValidationFailedError(fields={"identifier": [_("This field is required.")]})
    try:
        phone = _normalise_phone(wanted) if "@" not in wanted else ""
    except ValidationFailedError:
        phone = ""
    lookup = Q(login_name=wanted) | Q(email__iexact=wanted)
    if phone:
        lookup |= Q(phone=phone) | Q(login_name=phone)
    customers = list(
        get_user_model().objects.filter(lookup, role="customer").values_list("pk", flat=True)[:2]
    )
    if len(customers) != 1:
        raise TicketAccountLinkError(reason=_("no single customer has this phone, email or login."))
    with transaction.atomic():
        ticket = actions._lock(number)
        if ticket.customer_id is not None:
            raise TicketAccountLinkError(reason=_("it already belongs to an account."))
        ticket.customer_id = customers[0]
        ticket.tags = [tag for tag in ticket.tags if tag != IDENTITY_CHECK_TAG]
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["customer", "tags", "updated_at"])
        actions._event(
            ticket, actor, EventKind.CUSTOMER, after=f"customer:{customers[0]}", note=checks
        )
    return ticket


# --- Call-back requests and calls -----------------------------------------------------------------

CALLBACK_EARLIEST = timedelta(minutes=30)
CALLBACK_LATEST = timedelta(days=14)
CALL_NOTES_MAX = 2_000
CALL_MAX_SECONDS = 6 * 3600


_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*[–\-~至到]\s*(\d{1,2}):(\d{2})")


def _hotline_hours_text() -> str:
    return support_config()["HOTLINE_HOURS"]


def hotline_hours() -> tuple[time, time] | None:
    """The hotline's daily hours from WALLETDESK["SUPPORT"]["HOTLINE_HOURS"] ("08:00–22:00"), or
    None when the setting is not in that form (then any time of day is accepted)."""
    found = _HOURS.search(_hotline_hours_text())
    if found is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    return time(h1, m1), time(h2, m2)


def callback_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now + CALLBACK_EARLIEST, now + CALLBACK_LATEST


def request_callback(
    actor: Actor,
    *,
    phone: str,
    preferred_at: datetime,
    topic: str,
    note: str = "",
    language: str = "zh-hans",
) -> Ticket:
    """A customer asks to be called back at a preferred time: a ticket of kind call-back on the
    phone channel, in the callback queue (sorted by that time). One open request at a time."""
    if not actor.is_customer:
        raise TicketActionNotAllowedError()
    number = _normalise_phone(phone)
    if not number:
        raise ValidationFailedError(fields={"phone": [_("This field is required.")]})
    earliest, latest = callback_window()
    if not earliest <= preferred_at <= latest:
        local = timezone.localtime
        raise CallbackTimeInvalidError(
            earliest=f"{local(earliest):%Y-%m-%d %H:%M}", latest=f"{local(latest):%Y-%m-%d %H:%M}"
        )
    hours = hotline_hours()
    if hours is not None and not hours[0] <= timezone.localtime(preferred_at).time() < hours[1]:
        raise ValidationFailedError(
            fields={
                "preferred_at": [
                    _("We call back every day %(hours)s (Beijing time). Choose a time then.")
                    % {"hours": _hotline_hours_text()}
                ]
            }
        )
    if not Category.objects.filter(slug=topic, active=True, parent__isnull=False).exists():
        raise ValidationFailedError(fields={"topic": [_("Choose one of the listed topics.")]})
    note = (note or "").strip()
    if len(note) > 1_000:
        raise ValidationFailedError(
            fields={"note": [_("Keep it under %(limit)d characters.") % {"limit": 1_000}]}
        )
    language = "en" if language.startswith("en") else "zh-hans"
    waiting = _open_callback_number(actor.user_id)
    if waiting is not None:
        raise CallbackAlreadyRequestedError(number=waiting)
    with translation.override(language):
        when = f"{timezone.localtime(preferred_at):%Y-%m-%d %H:%M}"
        subject = _("Please call me back at %(time)s") % {"time": when}
        body = _("Call me on %(phone)s around %(time)s.") % {"phone": number, "time": when}
    try:
        with transaction.atomic():
            ticket = actions.open_ticket(
                actor,
                customer_id=actor.user_id,
                subject=subject,
                body=f"{body}\n\n{note}" if note else body,
                category=topic,
                kind=TicketKind.CALLBACK,
                channel=Channel.PHONE,
                language=language,
                contact_phone=number,
            )
            ticket.callback_at = preferred_at
            ticket.save(update_fields=["callback_at"])
    except IntegrityError:
        # A request sent at the same moment won the `ticket_one_open_callback` constraint.
        waiting = _open_callback_number(actor.user_id)
        if waiting is None:
            raise
        raise CallbackAlreadyRequestedError(number=waiting) from None
    return ticket


def _open_callback_number(customer_id: int | None) -> str | None:
    return (
        Ticket.objects.filter(
            customer_id=customer_id, kind=TicketKind.CALLBACK, status__in=OPEN_STATUSES
        )
        .values_list("number", flat=True)
        .first()
    )


def describe_call(value: str) -> str:
    """The timeline's words for a logged call, from its stored `direction|outcome|seconds`."""
    direction, _sep, rest = value.partition("|")
    outcome, _sep, seconds_text = rest.partition("|")
    seconds = int(seconds_text) if seconds_text.isdigit() else 0
    parts = [
        str(CallDirection(direction).label) if direction in CallDirection.values else direction,
        _("%(minutes)d min %(seconds)02d s") % {"minutes": seconds // 60, "seconds": seconds % 60},
        str(CallOutcome(outcome).label) if outcome in CallOutcome.values else outcome,
    ]
    return " · ".join(parts)


def log_call(
    actor: Actor,
    number: str,
    *,
    direction: str,
    duration_seconds: int,
    outcome: str,
    notes: str = "",
) -> CallLog:
    """An agent records a call about the ticket: a call row and a timeline row."""
    if not actor.is_staff:
        raise TicketActionNotAllowedError()
    problems: dict[str, list[str]] = {}
    if direction not in CallDirection.values:
        problems["direction"] = [_("Choose inbound or outbound.")]
    if outcome not in CallOutcome.values:
        problems["outcome"] = [_("Choose what happened on the call.")]
    if not 0 <= duration_seconds <= CALL_MAX_SECONDS:
        problems["duration"] = [_("Enter how long the call lasted, up to 6 hours.")]
    notes = (notes or "").strip()
    if len(notes) > CALL_NOTES_MAX:
        problems["notes"] = [_("Keep it under %(limit)d characters.") % {"limit": CALL_NOTES_MAX}]
    if problems:
        raise ValidationFailedError(fields=problems)
    with transaction.atomic():
        ticket = actions._lock(number)
        now = timezone.now()
        call = CallLog.objects.create(
            ticket=ticket,
            agent_id=actor.user_id,
            direction=direction,
            duration_seconds=duration_seconds,
            outcome=outcome,
            notes=notes,
            created_at=now,
        )
        actions._event(
            ticket,
            actor,
            EventKind.CALL,
            after=f"{direction}|{outcome}|{duration_seconds}",
            note=notes,
            at=now,
        )
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    return call


# --- Suggestions ---------------------------------------------------------------------------------


def set_feedback_status(actor: Actor, number: str, target: str, *, note: str = "") -> Ticket:
    """Staff move a suggestion to "passed to product", then "shipped"; the customer who raised
    it sees each step on their request page."""
    if not actor.is_staff and actor.kind != ActorKind.SYSTEM:
        raise TicketActionNotAllowedError()
    with transaction.atomic():
        ticket = actions._lock(number)
        if ticket.kind != TicketKind.FEEDBACK:
            raise TicketActionNotAllowedError()
        if target not in FEEDBACK_TRANSITIONS.get(ticket.feedback_status, frozenset()):
            raise FeedbackStatusInvalidError()
        before = ticket.feedback_status
        ticket.feedback_status = FeedbackStatus(target)
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["feedback_status", "updated_at"])
        actions._event(
            ticket, actor, EventKind.FEEDBACK, before=before, after=target, note=note[:500]
        )
    return ticket
