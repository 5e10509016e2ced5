# ruff: noqa: S105  (action names such as "password_reset" are not secrets)
"""The security audit log: one structured row per security event, append-only, hash-chained.

Rows carry who acted (actor id and type), on whose account (subject), what (action), the result,
and the request's IP, user agent and request id. `data` holds small non-secret facts; keys that
look like secrets are refused outright so a careless caller fails loudly in tests (AUD-2).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from walletdesk.core.actors import Actor, ActorKind
from walletdesk.core.client_address import client_address
from walletdesk.core.request_context import current_request_id
from walletdesk.identity.models import AuditChainHead, AuditEvent, User

GENESIS_HASH = "0" * 64
_SECRET_KEYS = re.compile(r"pass|secret|token|code|otp|session|key|cvv|cvc|card", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class Actions:
    """Every audited action name, in one place."""

    LOGIN = "login"
    LOGOUT = "logout"
    LOCKOUT = "lockout"
    SIGNUP = "signup"
    OTP_SENT = "otp_sent"
    OTP_VERIFY = "otp_verify"
    STEP_UP = "step_up"
    PASSWORD_RESET_REQUEST = "password_reset_request"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGE = "password_change"
    PHONE_CHANGE = "phone_change"
    EMAIL_CHANGE = "email_change"
    TOTP_ENABLE = "totp_enable"
    TOTP_DISABLE = "totp_disable"
    RECOVERY_CODES = "recovery_codes_generated"
    RECOVERY_CODE_USED = "recovery_code_used"
    PASSKEY_ADD = "passkey_add"
    PASSKEY_REMOVE = "passkey_remove"
    PASSKEY_ASSERT = "passkey_assert"
    NEW_DEVICE = "new_device"
    SESSION_REVOKE = "session_revoke"
    TOKEN_CREATE = "api_token_create"
    TOKEN_REVOKE = "api_token_revoke"
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    UNFREEZE_REQUEST = "unfreeze_request"
    PAYMENT_PASSWORD_SET = "payment_password_set"
    PROFILE_CHANGE = "profile_change"
    KYC_SUBMIT = "kyc_submit"
    KYC_REVIEW = "kyc_review"
    KYC_DOCUMENT_VIEW = "kyc_document_view"
    CLOSURE = "account_closure"
    ACCESS_DENIED = "access_denied"
    RATE_LIMITED = "rate_limited"
    RECIPIENT_LOOKUP = "recipient_lookup"
    NOTIFICATION_PREFERENCES = "notification_preferences"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_DECIDED = "approval_decided"
    MONEY_ACTION = "money_action"
    DATA_EXPORT = "data_export"
    TICKET_ACCOUNT_LINK = "ticket_account_link"
    CONSOLE_ACTION = "console_action"
    CONTACT_REVEAL = "contact_reveal"
    PAYMENT_PASSWORD_UNLOCK = "payment_password_unlock"


@dataclass(frozen=True, slots=True)
class RequestMeta:
    ip: str
    user_agent: str

    @classmethod
    def from_request(cls, request: HttpRequest | None) -> RequestMeta:
        if request is None:
            return cls(ip="", user_agent="")
        return cls(ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")[:300])

    @classmethod
    def from_actor(cls, actor: Actor) -> RequestMeta:
        """Where an action's actor was: the audit row's ip and user agent."""
        return cls(ip=(actor.ip or "")[:64], user_agent=(actor.device or "")[:300])


def client_ip(request: HttpRequest) -> str:
    # X-Forwarded-For counts only from WALLETDESK_TRUSTED_PROXIES (core.client_address).
    return client_address(request)[:64]


def escape_for_log(value: str) -> str:
    """CR, LF and other control characters as visible escapes, so one event stays one line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    for key in data:
        if _SECRET_KEYS.search(key) and key not in _ALLOWED_KEYS:
            raise ValueError(f"audit data key {key!r} looks like a secret")
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(value, str | int | float | bool | type(None)):
            value = str(value)
        cleaned[key] = escape_for_log(value) if isinstance(value, str) else value
    return cleaned


_ALLOWED_KEYS = frozenset({"session", "purpose_code", "token_id", "passkey_id", "reason_code"})


def canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _hashable_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_type": event.actor_type,
        "subject_id": event.subject_id,
        "action": event.action,
        "result": event.result,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "data": event.data,
    }


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    payload = prev_hash + "|" + canonical(_hashable_fields(event))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# How an Actor's kind reads in the audit log (staff have always been "staff" there).
_ACTOR_TYPES = {
    ActorKind.CUSTOMER: "customer",
    ActorKind.AGENT: "staff",
    ActorKind.SYSTEM: "system",
    ActorKind.ASSISTANT: "assistant",
}


def record(
    action: str,
    result: str = "ok",
    *,
    subject: User | int | None = None,
    actor: User | Actor | None = None,
    actor_type: str | None = None,
    request: HttpRequest | None = None,
    meta: RequestMeta | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one audit event. Runs in the caller's transaction, so it commits or rolls back
    with the change it describes.

    `actor` is a user, or a typed `core.actors.Actor` (then `meta` defaults to where it was)."""
    actor_id: int | None
    if isinstance(actor, Actor):
        meta = meta or RequestMeta.from_actor(actor)
        actor_id = actor.user_id
        actor_type = actor_type or _ACTOR_TYPES[actor.kind]
    else:
        meta = meta or RequestMeta.from_request(request)
        if actor is None and request is not None and request.user.is_authenticated:
            actor = request.user
        actor_id = actor.pk if actor is not None else None
        if actor_type is None:
            actor_type = (
                "anonymous" if actor is None else ("staff" if actor.is_staff else "customer")
            )
    subject_id = subject.pk if isinstance(subject, User) else subject
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor_id,
        actor_type=actor_type,
        subject_id=subject_id,
        action=action,
        result=result,
        ip=meta.ip,
        user_agent=escape_for_log(meta.user_agent),
        request_id=current_request_id(),
        data=_clean(data),
    )
    # Normalise through JSON so the hash computed now equals the one computed from the stored row.
    event.data = json.loads(canonical(event.data))
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        event.prev_hash = head.last_hash
        event.entry_hash = compute_hash(head.last_hash, event)
        event.save()
        head.last_hash = event.entry_hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return event


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None
    reason: str


def verify_chain() -> ChainReport:
    """Recompute every hash in order. Detects edited, deleted, inserted or reordered rows."""
    prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return ChainReport(False, checked, event.pk, "previous hash does not match")
        if compute_hash(prev, event) != event.entry_hash:
            return ChainReport(False, checked, event.pk, "row content does not match its hash")
        prev = event.entry_hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != prev or head.count != checked):
        return ChainReport(False, checked, None, "the newest rows are missing")
    return ChainReport(True, checked, None, "")
