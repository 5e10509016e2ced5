"""One-time codes (AUTH-4..8): issue, deliver and verify 6-digit codes.

* 6 digits from `secrets` (CSPRNG); only ASCII `[0-9]{6}` is ever compared.
* Stored as HMAC-SHA256(server key, row id | account | purpose | code); compared with
  `hmac.compare_digest`. The plain code exists only in memory on its way to the SMS/email provider.
* Bound to one account and one purpose; single use (the row is locked and `used_at` set in the same
  transaction, so two racing requests cannot both succeed); valid for 5 minutes; dead after 5 wrong
  entries; at most 10 wrong entries per account per hour.
* Sends: at least 60 s apart per account and purpose, at most 5 per hour per account and per
  destination, at most 10 per day per IP.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from walletdesk.identity import audit, throttle
from walletdesk.identity.enums import OtpChannel, OtpPurpose
from walletdesk.identity.errors import CodeCooldownError, CodeInvalidError, CodeSendLimitedError
from walletdesk.identity.models import OneTimeCode, User

CODE_TTL = timedelta(minutes=5)
MAX_WRONG_PER_CODE = 5
RESEND_COOLDOWN = timedelta(seconds=60)
MAX_SENDS_PER_HOUR = 5
MAX_SENDS_PER_IP_PER_DAY = 10
_CODE_FORMAT = re.compile(r"\A[0-9]{6}\Z", re.ASCII)


def generate_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def is_well_formed(raw: object) -> bool:
    """Only six ASCII digits. Not `int()`: it takes full-width digits, `_` and spaces."""
    return isinstance(raw, str) and _CODE_FORMAT.match(raw) is not None


def _key() -> bytes:
    return hashlib.sha256(b"walletdesk.otp|" + settings.SECRET_KEY.encode()).digest()


def code_digest(row_id: str, user_id: int, purpose: str, code: str) -> str:
    message = f"{row_id}|{user_id}|{purpose}|{code}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    public_id: str
    channel: str
    target: str
    expires_at_iso: str


def _check_send_limits(user: User, purpose: str, target: str, ip: str | None) -> None:
    now = timezone.now()
    recent = OneTimeCode.objects.filter(created_at__gt=now - timedelta(hours=1))
    last = recent.filter(user=user, purpose=purpose).order_by("-created_at").first()
    if last is not None and now - last.created_at < RESEND_COOLDOWN:
        wait = int((RESEND_COOLDOWN - (now - last.created_at)).total_seconds()) + 1
        raise CodeCooldownError(seconds=wait)
    if (
        recent.filter(user=user).count() >= MAX_SENDS_PER_HOUR
        or recent.filter(target=target).count() >= MAX_SENDS_PER_HOUR
    ):
        raise CodeSendLimitedError()
    if ip:
        day = OneTimeCode.objects.filter(created_at__gt=now - timedelta(days=1), ip=ip)
        if day.count() >= MAX_SENDS_PER_IP_PER_DAY:
            raise CodeSendLimitedError()


def issue_code(
    user: User,
    purpose: OtpPurpose | str,
    *,
    channel: OtpChannel | str | None = None,
    target: str | None = None,
    ip: str | None = None,
    meta: audit.RequestMeta | None = None,
) -> IssuedCode:
    """Create a code and queue its SMS/email on commit. Raises 429-class errors when over limits.

    `target` defaults to the account's own phone (or email); pass the new number for
    phone/email change so the code proves possession of it.
    """
    purpose = OtpPurpose(purpose)
    if channel is None:
        channel = (
            OtpChannel.SMS if (target or user.phone or "").startswith("+") else OtpChannel.EMAIL
        )
    channel = OtpChannel(channel)
    if target is None:
        target = user.phone if channel == OtpChannel.SMS else user.email
    if not target:
        raise CodeSendLimitedError()
    from walletdesk.notifications import facade as notifications

    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user.pk).first()  # one send at a time
            _check_send_limits(user, purpose, target, ip)
            code = generate_code()
            now = timezone.now()
            row = OneTimeCode(
                user=user,
                purpose=purpose,
                channel=channel,
                target=target,
                created_at=now,
                expires_at=now + CODE_TTL,
                ip=ip or None,
            )
            row.code_hash = code_digest(str(row.public_id), user.pk, purpose, code)
            row.message_id = notifications.send_code(
                user_id=user.pk,
                channel=str(channel),
                destination=target,
                purpose=str(purpose),
                code=code,
            )
            row.save()
            audit.record(
                audit.Actions.OTP_SENT,
                subject=user,
                meta=meta,
                purpose_code=str(purpose),
                channel=str(channel),
                message_id=row.message_id,
            )
    except (CodeCooldownError, CodeSendLimitedError):
        audit.record(audit.Actions.RATE_LIMITED, "denied", subject=user, meta=meta, what="otp_send")
        raise
    return IssuedCode(str(row.public_id), str(channel), target, row.expires_at.isoformat())


def failure_key(user_id: int, scope: str = "") -> str:
    """The OTP_FAILURES key: the account, or the account on one known device."""
    return f"{user_id}|{scope}" if scope else f"{user_id}"


def verify_code(
    user: User,
    purpose: OtpPurpose | str,
    raw: object,
    *,
    target: str | None = None,
    meta: audit.RequestMeta | None = None,
    throttle_scope: str = "",
) -> OneTimeCode:
    """Consume the newest live code for (account, purpose[, target]) if `raw` matches.

    Raises CodeInvalidError for every failure (wrong, expired, used, dead, malformed), so the
    answer never tells which. The wrong-attempt counter is committed even though we raise.
    `throttle_scope` gives a caller its own per-account failure budget (the owner's known device
    during a password reset: a third party's wrong guesses must not close the owner's recovery).
    """
    purpose = OtpPurpose(purpose)
    key = failure_key(user.pk, throttle_scope)
    if throttle.is_limited(throttle.OTP_FAILURES, key):
        audit.record(audit.Actions.OTP_VERIFY, "locked", subject=user, meta=meta)
        raise CodeInvalidError()
    matched: OneTimeCode | None = None
    with transaction.atomic():
        now = timezone.now()
        rows = OneTimeCode.objects.select_for_update().filter(
            user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=now
        )
        if target is not None:
            rows = rows.filter(target=target)
        row = rows.order_by("-created_at").first()
        if row is not None and row.failed_attempts < MAX_WRONG_PER_CODE:
            if is_well_formed(raw):
                expected = code_digest(str(row.public_id), user.pk, purpose, str(raw))
                if hmac.compare_digest(expected, row.code_hash):
                    row.used_at = now
                    row.save(update_fields=["used_at"])
                    matched = row
            if matched is None:
                row.failed_attempts += 1
                row.save(update_fields=["failed_attempts"])
        audit.record(
            audit.Actions.OTP_VERIFY,
            "ok" if matched else "failed",
            subject=user,
            meta=meta,
            purpose_code=str(purpose),
        )
    if matched is None:
        throttle.hit(throttle.OTP_FAILURES, key)
        raise CodeInvalidError()
    return matched
