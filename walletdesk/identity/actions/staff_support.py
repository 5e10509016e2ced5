"""What support staff may do for a customer from the agent console, and nothing more: send the
code the customer is waiting for again (to their own verified phone or email, the staff member
never sees it), lift the lock that wrong payment passwords put on payments (never set a
password), review a pending identity verification, and show the full phone number or email
once, with a reason. The console checks the role's permission, the reason code and the step-up
before it calls these; each writes identity's own audit row in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor
from walletdesk.core.errors import NotFoundError
from walletdesk.core.masking import mask_email, mask_phone
from walletdesk.identity import audit, kyc, otp
from walletdesk.identity.actions.alerts import _security_change
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import KycStatus, OtpChannel, OtpPurpose, Role
from walletdesk.identity.models import KycSubmission, OneTimeCode, PaymentCredential, User

# A code the customer asked for within this window is one they may still be waiting for.
RESEND_WINDOW = timedelta(minutes=30)
# Codes that go to the account's own, already verified phone or email. Sign-up and contact
# changes send to a destination not (yet) proven, so staff never send those.
RESENDABLE_PURPOSES = frozenset(
    {
        OtpPurpose.LOGIN,
        OtpPurpose.PASSWORD_RESET,
        OtpPurpose.STEP_UP,
        OtpPurpose.WITHDRAWAL,
        OtpPurpose.UNFREEZE,
        OtpPurpose.CLOSURE,
        OtpPurpose.PAYMENT_PASSWORD_RESET,
    }
)
CONTACT_FIELDS = ("phone", "email")


def _customer(customer_id: int) -> User:
    user = User.objects.filter(pk=customer_id, role=Role.CUSTOMER).first()
    if user is None:
        raise NotFoundError()
    return user


@dataclass(frozen=True, slots=True)
class ResentCode:
    purpose: str
    channel: str
    masked_destination: str


def resend_code(customer_id: int, *, actor: Actor) -> ResentCode | None:
    """Send a fresh code for the customer's latest unused code of the last 30 minutes, to the
    same destination, if that is the account's own phone or email. None when the customer is
    waiting for no such code. The customer's own limits apply (60 s apart, 5 an hour per account
    and per destination: 429 `code_cooldown` / `code_send_limited`); the staff member's address
    does not count against the customer's per-IP limit."""
    user = _customer(customer_id)
    own = {value for value in (user.phone, user.email) if value}
    waiting = (
        OneTimeCode.objects.filter(
            user=user,
            used_at__isnull=True,
            created_at__gt=timezone.now() - RESEND_WINDOW,
            purpose__in=[str(purpose) for purpose in RESENDABLE_PURPOSES],
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if waiting is None or waiting.target not in own:
        return None
    issued = otp.issue_code(
        user,
        waiting.purpose,
        channel=waiting.channel,
        target=waiting.target,
        meta=RequestMeta.from_actor(actor),
    )
    masked = (
        mask_phone(issued.target) if issued.channel == OtpChannel.SMS else mask_email(issued.target)
    )
    return ResentCode(purpose=waiting.purpose, channel=issued.channel, masked_destination=masked)


def unlock_payment_password(customer_id: int, *, actor: Actor, reason_code: str) -> bool:
    """Lift the lock five wrong payment passwords put on payments (the password stays as it
    is). False when payments are not locked. The customer is told on every channel."""
    user = _customer(customer_id)
    with transaction.atomic():
        credential = (
            PaymentCredential.objects.select_for_update().filter(user_id=customer_id).first()
        )
        if credential is None or not (
            credential.locked_until and credential.locked_until > timezone.now()
        ):
            return False
        credential.locked_until = None
        credential.failed_attempts = 0
        credential.save(update_fields=["locked_until", "failed_attempts"])
        audit.record(
            Actions.PAYMENT_PASSWORD_UNLOCK, subject=user, actor=actor, reason_code=reason_code
        )
        with translation.override(user.preferred_language or "zh-hans"):
            _security_change(user, _("Customer service lifted the lock on your payment password"))
    return True


def review_identity(
    customer_id: int,
    submission_id: str,
    *,
    reviewer_id: int,
    approve: bool,
    reason_code: str,
    note: str,
    actor: Actor,
) -> bool:
    """Approve or reject the customer's pending identity verification through the review
    queue's own path (`kyc.review`: the reviewer needs `identity.review_kyc`; the customer is
    told). False when the submission is no longer pending; 404 when it is not this customer's."""
    submission = (
        KycSubmission.objects.filter(public_id=submission_id, user_id=customer_id).first()
        if submission_id
        else None
    )
    if submission is None:
        raise NotFoundError()
    if submission.status != KycStatus.PENDING:
        return False
    kyc.review(
        submission_id,
        User.objects.get(pk=reviewer_id),
        approve=approve,
        reason="" if approve else reason_code,
        note=note,
        meta=RequestMeta.from_actor(actor),
    )
    return True


def reveal_contact(customer_id: int, field: str, *, actor: Actor, reason_code: str) -> str:
    """The customer's full phone number or email, for a staff member who gave a reason; every
    reveal writes a `contact_reveal` audit row (ACC-3). Empty when the account has none."""
    if field not in CONTACT_FIELDS:
        raise NotFoundError()
    user = _customer(customer_id)
    value = (user.phone if field == "phone" else user.email) or ""
    if value:
        audit.record(
            Actions.CONTACT_REVEAL, subject=user, actor=actor, field=field, reason_code=reason_code
        )
    return value
