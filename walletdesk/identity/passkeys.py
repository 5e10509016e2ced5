"""Passkeys (WebAuthn) through py_webauthn: registration, passwordless login, payment confirmation.

Challenges live in the session, one per purpose, and are removed when used. The relying-party id
and allowed origins come from settings (or from the request host behind ALLOWED_HOSTS).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.jsontext import loads_strict
from walletdesk.identity import audit
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.errors import PasskeyInvalidError
from walletdesk.identity.models import Passkey, User

CHALLENGE_KEY = "_wd_webauthn"
CHALLENGE_TTL = 300


def rp_id(request: HttpRequest) -> str:
    configured = settings.WALLETDESK_IDENTITY["WEBAUTHN_RP_ID"]
    return str(configured) if configured else request.get_host().split(":")[0]


def origins(request: HttpRequest) -> list[str]:
    configured = settings.WALLETDESK_IDENTITY["WEBAUTHN_ORIGINS"]
    if isinstance(configured, list | tuple) and configured:
        return [str(origin) for origin in configured]
    return [f"{request.scheme}://{request.get_host()}"]


def _store_challenge(
    request: HttpRequest, purpose: str, challenge: bytes, user_id: int | None
) -> None:
    store = dict(request.session.get(CHALLENGE_KEY) or {})
    store[purpose] = {"c": bytes_to_base64url(challenge), "u": user_id, "at": time.time()}
    request.session[CHALLENGE_KEY] = store


def _pop_challenge(request: HttpRequest, purpose: str) -> tuple[bytes, int | None]:
    store = dict(request.session.get(CHALLENGE_KEY) or {})
    entry = store.pop(purpose, None)
    request.session[CHALLENGE_KEY] = store
    if not entry or time.time() - float(entry["at"]) > CHALLENGE_TTL:
        raise PasskeyInvalidError()
    return base64url_to_bytes(entry["c"]), entry["u"]


def registration_options(request: HttpRequest, user: User) -> str:
    challenge = secrets.token_bytes(32)
    options = generate_registration_options(
        rp_id=rp_id(request),
        rp_name=str(settings.WALLETDESK["SITE_NAME"]),
        user_id=user.public_id.bytes,
        user_name=user.login_name,
        user_display_name=str(user),
        challenge=challenge,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in user.passkeys.all()
        ],
    )
    _store_challenge(request, "register", challenge, user.pk)
    return options_to_json(options)


def register(
    request: HttpRequest, user: User, credential: dict[str, Any] | str, name: str
) -> Passkey:
    challenge, user_id = _pop_challenge(request, "register")
    if user_id != user.pk:
        raise PasskeyInvalidError()
    return register_verified(
        user,
        credential,
        name,
        challenge=challenge,
        rp=rp_id(request),
        allowed_origins=origins(request),
        meta=RequestMeta.from_request(request),
        actor=request.user if request.user.is_authenticated else None,
    )


def register_verified(
    user: User,
    credential: dict[str, Any] | str,
    name: str,
    *,
    challenge: bytes,
    rp: str,
    allowed_origins: list[str],
    meta: RequestMeta,
    actor: Any = None,
) -> Passkey:
    """`register` once the challenge is known: the attestation is verified against it (user
    verification required), the passkey stored, audited and the customer told. Also called by
    demo seeding, whose software authenticator answers a challenge it made itself."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp,
            expected_origin=allowed_origins,
            require_user_verification=True,
        )
    except InvalidRegistrationResponse as exc:
        raise PasskeyInvalidError() from exc
    with transaction.atomic():
        passkey = Passkey.objects.create(
            user=user,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            name=name[:64],
        )
        audit.record(
            Actions.PASSKEY_ADD,
            subject=user,
            actor=actor,
            meta=meta,
            passkey_id=str(passkey.public_id),
        )
        from django.utils.translation import gettext as _

        from walletdesk.identity.actions.alerts import _security_change

        _security_change(user, _("A passkey was added"))
    return passkey


def assertion_options(request: HttpRequest, *, purpose: str, user_id: int | None) -> str:
    challenge = secrets.token_bytes(32)
    allow = []
    if user_id is not None:
        allow = [
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in Passkey.objects.filter(user_id=user_id)
        ]
    options = generate_authentication_options(
        rp_id=rp_id(request),
        challenge=challenge,
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _store_challenge(request, purpose, challenge, user_id)
    return options_to_json(options)


def _decode_credential(credential: dict[str, Any] | str) -> Any:
    """The credential as a dict, or None when it is not strict JSON (then it is refused like any
    unknown credential: malformed, over-nested or lone-surrogate text must never reach a query)."""
    if not isinstance(credential, str):
        return credential
    try:
        return loads_strict(credential)
    except (ValueError, WalletDeskError):
        return None


@dataclass(frozen=True, slots=True)
class PasskeyChallenge:
    """A challenge this session was given, taken out of it (each works once), with what checking
    an answer to it needs from the request: relying party, origins, and where it came from.
    A plain value, so a money operation can check a passkey without seeing HTTP."""

    challenge: bytes
    user_id: int | None
    rp_id: str
    origins: tuple[str, ...]
    meta: RequestMeta


def take_challenge(request: HttpRequest, purpose: str) -> PasskeyChallenge | None:
    """Pop this session's challenge for `purpose`; None when there is none or it expired."""
    try:
        challenge, expected_user = _pop_challenge(request, purpose)
    except PasskeyInvalidError:
        return None
    return PasskeyChallenge(
        challenge=challenge,
        user_id=expected_user,
        rp_id=rp_id(request),
        origins=tuple(origins(request)),
        meta=RequestMeta.from_request(request),
    )


def verify_assertion(
    request: HttpRequest, credential: dict[str, Any] | str, *, purpose: str, user_id: int | None
) -> User:
    return check_assertion(
        take_challenge(request, purpose), credential, purpose=purpose, user_id=user_id
    )


def check_assertion(
    taken: PasskeyChallenge | None,
    credential: dict[str, Any] | str,
    *,
    purpose: str,
    user_id: int | None,
) -> User:
    """The passkey of `user_id` (when given) signed `taken`, with user verification; else
    PasskeyInvalidError (400 `passkey_invalid`)."""
    if taken is None:
        raise PasskeyInvalidError()
    challenge, expected_user, meta = taken.challenge, taken.user_id, taken.meta
    data = _decode_credential(credential)
    raw_id = data.get("rawId") or data.get("id") if isinstance(data, dict) else None
    passkey = (
        Passkey.objects.select_related("user").filter(credential_id=str(raw_id)).first()
        if isinstance(raw_id, str)
        else None
    )
    if (
        passkey is None
        or (expected_user is not None and passkey.user_id != expected_user)
        or (user_id is not None and passkey.user_id != user_id)
    ):
        audit.record(
            Actions.PASSKEY_ASSERT, "failed", subject=user_id, meta=meta, purpose_code=purpose
        )
        raise PasskeyInvalidError()
    try:
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=taken.rp_id,
            expected_origin=list(taken.origins),
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except InvalidAuthenticationResponse as exc:
        audit.record(
            Actions.PASSKEY_ASSERT, "failed", subject=passkey.user, meta=meta, purpose_code=purpose
        )
        raise PasskeyInvalidError() from exc
    Passkey.objects.filter(pk=passkey.pk).update(
        sign_count=verified.new_sign_count, last_used_at=timezone.now()
    )
    audit.record(
        Actions.PASSKEY_ASSERT, "ok", subject=passkey.user, meta=meta, purpose_code=purpose
    )
    return passkey.user


def remove(user: User, public_id: str, *, meta: RequestMeta) -> bool:
    with transaction.atomic():
        count, _ = Passkey.objects.filter(user=user, public_id=public_id).delete()
        if count:
            audit.record(Actions.PASSKEY_REMOVE, subject=user, meta=meta, passkey_id=public_id)
    return bool(count)
