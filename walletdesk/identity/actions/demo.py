"""Account states the demo world shows (`seed_demo`), reached through identity's own actions.

Each function brings one customer into one support case the first time (a freeze after a lost
phone, a locked payment password, a rejected identity check …) through the same actions the web
and the console call, and on every later run only renews what is bound to time (the freeze's
cool-off, the 24-hour hold, a lock), relative to `now`, so the demo shows the case alive on any
day and a second run adds no row. Called only from the seed command, never from a request.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity import audit, kyc, otp, throttle, totp
from walletdesk.identity.actions._shared import _identity_settings
from walletdesk.identity.actions.contact import apply_contact_change
from walletdesk.identity.actions.freeze import emergency_freeze, request_unfreeze_review
from walletdesk.identity.actions.second_factor import confirm_totp, start_totp_setup
from walletdesk.identity.approvals import approval_settings
from walletdesk.identity.enums import KycStatus, OtpChannel, OtpPurpose
from walletdesk.identity.errors import PaymentPasswordLockedError, WrongPaymentPasswordError
from walletdesk.identity.models import (
    ApprovalRequest,
    KycSubmission,
    OneTimeCode,
    PaymentCredential,
    TotpDevice,
    UnfreezeRequest,
    User,
)
from walletdesk.identity.payment_password import MAX_FAILED_ATTEMPTS, verify_payment_password

# Where the seeded attempts "came from": the audit rows say it was the demo loader.
SEED_META = audit.RequestMeta(ip="192.0.2.1", user_agent="seed_demo")  # TEST-NET-1
LOST_PHONE = "lost_phone"


def freeze_after_lost_phone(user_id: int, *, now: datetime) -> datetime:
    """The owner froze the wallet (lost phone) and asked for an early unfreeze, which waits for
    two agents. Renewed: frozen an hour ago, so the cool-off still runs; the request stays open.
    Returns when the owner may unfreeze alone."""
    user = User.objects.get(pk=user_id)
    if user.frozen_at is None:
        emergency_freeze(user, source=LOST_PHONE, actor=Actor.customer(user.pk, ip="192.0.2.1"))
        user.refresh_from_db()
    request = request_unfreeze_review(user, actor=Actor.customer(user.pk, ip="192.0.2.1"))
    frozen_at = now - timedelta(hours=1)
    User.objects.filter(pk=user.pk).update(frozen_at=frozen_at)
    ttl = timedelta(hours=approval_settings()["TTL_HOURS"])
    UnfreezeRequest.objects.filter(pk=request.pk).update(created_at=now - timedelta(minutes=40))
    ApprovalRequest.objects.filter(unfreeze_request__pk=request.pk).update(
        created_at=now - timedelta(minutes=40), expires_at=now + ttl
    )
    return frozen_at + timedelta(hours=_identity_settings()["UNFREEZE_COOL_OFF_HOURS"])


def lock_payment_password(user_id: int, *, wrong: str) -> datetime:
    """Five wrong payment passwords, through the check every payment runs: payments locked.
    Renewed when the earlier lock ran out. Returns the end of the lock."""
    credential = PaymentCredential.objects.get(user_id=user_id)
    if credential.locked_until is None or credential.locked_until <= timezone.now():
        for _attempt in range(MAX_FAILED_ATTEMPTS):
            try:
                verify_payment_password(user_id, wrong)
            except WrongPaymentPasswordError:
                continue
            except PaymentPasswordLockedError:
                break
        credential.refresh_from_db()
    assert credential.locked_until is not None
    return credential.locked_until


def lock_sign_in(user_id: int) -> int:
    """Five wrong passwords in a row: sign-in locked (AUTH-3). The first run goes through the
    sign-in failure path (streak, login events, audit); later runs only start the cool-off again
    (it lives in the cache). Returns the cool-off in seconds."""
    from walletdesk.identity.web_session import record_failed_sign_in

    user = User.objects.get(pk=user_id)
    lock = throttle.LOGIN_LOCK_USERNAME
    cool_off = 0
    if user.failed_login_streak < lock.threshold:
        for _attempt in range(lock.threshold - user.failed_login_streak):
            cool_off = record_failed_sign_in(user.login_name, SEED_META) or cool_off
    if throttle.locked_for(lock, user.login_name) == 0:
        cool_off = throttle.cool_off_seconds(1)
        throttle.start_cool_off(lock, user.login_name, cool_off)
    return cool_off or throttle.locked_for(lock, user.login_name)


def _id_photo() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 210, 225)).save(buffer, format="PNG")
    return SimpleUploadedFile("id-front.png", buffer.getvalue(), content_type="image/png")


def submit_identity(user_id: int, *, real_name: str, id_number: str) -> KycSubmission:
    """An identity check waiting for review (the customer's own upload)."""
    existing = KycSubmission.objects.filter(user_id=user_id).order_by("-pk").first()
    if existing is not None:
        return existing
    user = User.objects.get(pk=user_id)
    return kyc.submit(
        user,
        real_name=real_name,
        id_number=id_number,
        files={"front": _id_photo()},
        meta=SEED_META,
    )


def reject_identity(
    user_id: int, *, real_name: str, id_number: str, reviewer_id: int, reason: str, note: str
) -> KycSubmission:
    """An identity check a reviewer rejected, with its reason."""
    submission = submit_identity(user_id, real_name=real_name, id_number=id_number)
    if submission.status == KycStatus.PENDING:
        reviewer = User.objects.get(pk=reviewer_id)
        submission = kyc.review(
            str(submission.public_id),
            reviewer,
            approve=False,
            reason=reason,
            note=note,
            meta=SEED_META,
        )
    return submission


def change_phone(user_id: int, *, new_phone: str, now: datetime) -> datetime:
    """The customer changed the phone number (the contact-change action, past its code).
    Renewed: changed two hours ago, so the withdrawal hold is active.
    Returns when the hold ends."""
    user = User.objects.get(pk=user_id)
    if user.phone != new_phone:
        apply_contact_change(user, kind="phone", new=new_phone, meta=SEED_META)
    changed_at = now - timedelta(hours=2)
    User.objects.filter(pk=user_id).update(
        contact_changed_at=changed_at, security_changed_at=changed_at
    )
    return changed_at + timedelta(hours=_identity_settings()["CONTACT_CHANGE_HOLD_HOURS"])


def enrol_totp(user_id: int) -> str:
    """An authenticator app set up and confirmed (with a code it shows). Returns its secret."""
    device = TotpDevice.objects.filter(user_id=user_id, confirmed_at__isnull=False).first()
    if device is not None:
        return device.secret
    user = User.objects.get(pk=user_id)
    device = start_totp_setup(user)
    confirm_totp(
        user,
        totp.code_at(device.secret, totp.current_step()),
        actor=Actor.customer(user.pk, ip="192.0.2.1"),
    )
    return device.secret


def send_undeliverable_code(user_id: int) -> OneTimeCode:
    """The customer asked for a sign-in code that the SMS provider could not deliver."""
    last = OneTimeCode.objects.filter(user_id=user_id).order_by("-created_at").first()
    if last is not None:
        return last
    user = User.objects.get(pk=user_id)
    issued = otp.issue_code(user, OtpPurpose.LOGIN, channel=OtpChannel.SMS, meta=SEED_META)
    return OneTimeCode.objects.get(public_id=issued.public_id)


def enrol_passkey(user_id: int, *, name: str = "Demo phone") -> bool:
    """A passkey registered through identity's enrolment check (`passkeys.register_verified`):
    a software authenticator answers a registration challenge (attestation "none", user
    verified) and its private key is then forgotten, so the row is real but nobody can sign in
    with it; the demo shows a customer who has one. Returns False when one exists already."""
    import hashlib
    import json
    import secrets

    import cbor2
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.conf import settings
    from webauthn.helpers import bytes_to_base64url

    from walletdesk.identity.models import Passkey
    from walletdesk.identity.passkeys import register_verified

    if Passkey.objects.filter(user_id=user_id).exists():
        return False
    user = User.objects.get(pk=user_id)
    rp = str(settings.WALLETDESK_IDENTITY["WEBAUTHN_RP_ID"] or "localhost")
    origin = f"http://{rp}:8000"
    challenge = secrets.token_bytes(32)
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    cose_key = cbor2.dumps(
        {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    )
    credential_id = secrets.token_bytes(16)
    auth_data = (
        hashlib.sha256(rp.encode()).digest()
        + bytes([0x01 | 0x04 | 0x40])  # user present, user verified, attested credential data
        + (0).to_bytes(4, "big")
        + bytes(16)  # AAGUID: none
        + len(credential_id).to_bytes(2, "big")
        + credential_id
        + cose_key
    )
    client_data = json.dumps(
        {"type": "webauthn.create", "challenge": bytes_to_base64url(challenge), "origin": origin}
    ).encode()
    attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
    raw_id = bytes_to_base64url(credential_id)
    register_verified(
        user,
        {
            "id": raw_id,
            "rawId": raw_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
            },
            "clientExtensionResults": {},
        },
        name,
        challenge=challenge,
        rp=rp,
        allowed_origins=[origin],
        meta=SEED_META,
        actor=user,
    )
    return True
