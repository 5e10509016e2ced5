"""The 6-digit payment password: set, verify, lock after repeated failures."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from walletdesk.identity.errors import (
    PaymentPasswordFormatError,
    PaymentPasswordLockedError,
    PaymentPasswordNotSetError,
    PaymentPasswordTooSimpleError,
    WrongPaymentPasswordError,
)
from walletdesk.identity.models import PaymentCredential

MAX_FAILED_ATTEMPTS = 5
LOCK_DURATION = timedelta(hours=3)
_SIX_ASCII_DIGITS = re.compile(r"\A[0-9]{6}\Z", re.ASCII)
_WEAK = {"123456", "654321", "012345", "123123", "112233", "121212", "520520", "131420"}


def _check_format(raw: object) -> str:
    if not isinstance(raw, str) or not _SIX_ASCII_DIGITS.match(raw):
        raise PaymentPasswordFormatError()
    return raw


def set_payment_password(user_id: int, raw: object) -> None:
    password = _check_format(raw)
    if len(set(password)) == 1 or password in _WEAK or password in "0123456789876543210":  # noqa: S105
        raise PaymentPasswordTooSimpleError()
    PaymentCredential.objects.update_or_create(
        user_id=user_id,
        defaults={
            "password_hash": make_password(password),
            "failed_attempts": 0,
            "locked_until": None,
            "changed_at": timezone.now(),
        },
    )


def verify_payment_password(user_id: int, raw: object) -> None:
    """Raise unless `raw` is the user's payment password and payments are not locked.

    Call it before opening the payment's own transaction: a wrong attempt must stay counted even
    though the payment it guarded is refused and rolled back.
    """
    password = raw if isinstance(raw, str) else ""
    with transaction.atomic():
        credential = PaymentCredential.objects.select_for_update().filter(user_id=user_id).first()
        if credential is None:
            raise PaymentPasswordNotSetError()
        now = timezone.now()
        if credential.locked_until and credential.locked_until > now:
            raise PaymentPasswordLockedError(
                locked_until=timezone.localtime(credential.locked_until).strftime("%H:%M")
            )
        if _SIX_ASCII_DIGITS.match(password) and check_password(password, credential.password_hash):
            if credential.failed_attempts:
                credential.failed_attempts = 0
                credential.locked_until = None
                credential.save(update_fields=["failed_attempts", "locked_until"])
            return
        credential.failed_attempts += 1
        locked = credential.failed_attempts >= MAX_FAILED_ATTEMPTS
        if locked:
            credential.locked_until = now + LOCK_DURATION
            credential.failed_attempts = 0
        credential.save(update_fields=["failed_attempts", "locked_until"])
    if locked:
        raise PaymentPasswordLockedError(
            locked_until=timezone.localtime(now + LOCK_DURATION).strftime("%H:%M")
        )
    raise WrongPaymentPasswordError(attempts_left=MAX_FAILED_ATTEMPTS - credential.failed_attempts)
