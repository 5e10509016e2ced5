"""Four eyes on sensitive actions (security guide ACC-4; DESIGN.md, "Decisions").

An `ApprovalRequest` describes an action in plain values and waits: requested → approved,
rejected or expired. The app that owns the action registers an executor for its kind
(`register_executor`); the executor runs when the last required approval arrives, inside the same
transaction that moves the request to `approved`, as the approver. The status moves with a
conditional UPDATE (`core.statemachine.change_status`), so of two racing approvals exactly one
runs the action; the other gets 409 `invalid_state_transition` and nothing happens twice.

Who may decide: staff whose role grants the kind's approve permission, never the requester,
never the customer the action concerns, and (for two-approval kinds) never the first approver a
second time. Refusals are audited and the audit row survives the refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from walletdesk.core.errors import (
    InvalidStateTransitionError,
    NotFoundError,
    PermissionDeniedError,
)
from walletdesk.core.money import CURRENCY_EXPONENTS
from walletdesk.core.statemachine import change_status
from walletdesk.identity import audit
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import (
    APPROVAL_TRANSITIONS,
    ApprovalKind,
    ApprovalStatus,
    DecisionReason,
)
from walletdesk.identity.errors import ApprovalExpiredError, DecisionReasonRequiredError
from walletdesk.identity.models import ApprovalRequest, User

Executor = Callable[[ApprovalRequest, User], dict[str, Any]]
# The decider's request metadata while an executor or hook runs, for their own audit rows.
_DECISION_META: ContextVar[RequestMeta | None] = ContextVar("approval_meta", default=None)


def decision_meta() -> RequestMeta:
    return _DECISION_META.get() or RequestMeta(ip="", user_agent="")


_EXECUTORS: dict[str, Executor] = {}

APPROVE_PERMISSION: dict[str, str] = {
    ApprovalKind.REFUND: "identity.approve_refund",
    ApprovalKind.UNFREEZE: "identity.approve_unfreeze",
}
DEFAULTS: dict[str, Any] = {
    # At or above these amounts a money action waits for a second approver. A currency not
    # listed is compared through its CNY equivalent with the "CNY" figure.
    "MONEY_THRESHOLDS": {"CNY": "500.00"},
    "TTL_HOURS": 72,
}


def approval_settings() -> dict[str, Any]:
    return {**DEFAULTS, **getattr(settings, "WALLETDESK_APPROVALS", {})}


def threshold_minor(currency: str) -> int | None:
    """The configured threshold for `currency` in minor units, or None when only the CNY
    equivalent applies."""
    raw = approval_settings()["MONEY_THRESHOLDS"].get(currency)
    if raw is None:
        return None
    return int(Decimal(str(raw)).scaleb(CURRENCY_EXPONENTS.get(currency, 2)))


_REASON_LABELS: dict[str, dict[str, Any]] = {}


def register_executor(
    kind: str, executor: Executor, reason_labels: dict[str, Any] | None = None
) -> None:
    """Called once by the owning app (e.g. payments registers "refund" in its AppConfig), with
    the translatable labels of the reason codes its requests carry."""
    _EXECUTORS[kind] = executor
    _REASON_LABELS[kind] = dict(reason_labels or {})


def reason_label(row: ApprovalRequest) -> str:
    """The requester's reason in the reader's language (the code itself if it has no label)."""
    return str(_REASON_LABELS.get(row.kind, {}).get(row.reason_code, row.reason_code))


def actor_label(user: User) -> str:
    return f"{'agent' if user.is_staff else 'customer'}:{user.pk}"


def request_approval(
    *,
    kind: str,
    subject_id: int,
    requested_by: User,
    reason_code: str,
    note: str = "",
    payload: dict[str, Any] | None = None,
    amount: int | None = None,
    currency: str = "",
    required_approvals: int = 1,
    meta: RequestMeta,
) -> ApprovalRequest:
    with transaction.atomic():
        row = ApprovalRequest.objects.create(
            kind=kind,
            subject_id=subject_id,
            requested_by=requested_by,
            reason_code=reason_code,
            note=note[:200],
            payload=payload or {},
            amount=amount,
            currency=currency,
            required_approvals=required_approvals,
            expires_at=timezone.now() + timedelta(hours=approval_settings()["TTL_HOURS"]),
        )
        audit.record(
            Actions.APPROVAL_REQUESTED,
            subject=subject_id,
            actor=requested_by,
            meta=meta,
            kind=kind,
            approval=str(row.public_id),
            reason_code=reason_code,
        )
    return row


def _load(approval_id: str | uuid.UUID) -> ApprovalRequest:
    try:
        public_id = uuid.UUID(str(approval_id))
    except ValueError as exc:
        raise NotFoundError() from exc
    row = ApprovalRequest.objects.filter(public_id=public_id).first()
    if row is None:
        raise NotFoundError()
    return row


def _deny(row: ApprovalRequest, user: User, what: str, meta: RequestMeta) -> PermissionDeniedError:
    with transaction.atomic():
        audit.record(
            Actions.ACCESS_DENIED,
            "denied",
            subject=row.subject_id,
            actor=user,
            meta=meta,
            what=what,
            approval=str(row.public_id),
        )
    return PermissionDeniedError()


def _expire_if_due(row: ApprovalRequest) -> None:
    if row.status == ApprovalStatus.REQUESTED and row.expires_at <= timezone.now():
        change_status(
            row,
            ApprovalStatus.EXPIRED,
            transitions=APPROVAL_TRANSITIONS,
            actor="system",
            reason="expired",
        )
        raise ApprovalExpiredError()


def _refusal(row: ApprovalRequest, user: User) -> str:
    permission = APPROVE_PERMISSION.get(row.kind, "")
    if not (user.is_active and user.is_staff and user.has_perm(permission)):
        return "no_permission"
    if user.pk == row.subject_id:
        return "own_account"
    if user.pk == row.requested_by_id or user.pk == row.first_approver_id:
        return "self_approval"
    return ""


def approve(
    approval_id: str | uuid.UUID,
    approver: User,
    *,
    decision_reason: str,
    meta: RequestMeta,
    on_first_approval: Callable[[ApprovalRequest], None] | None = None,
) -> ApprovalRequest:
    """Record one approval. The last required one runs the action (as `approver`) and moves the
    request to `approved` in one transaction; the executor's result is kept on the row.

    The caller has checked the approver's fresh second factor (step-up)."""
    if decision_reason not in DecisionReason.values:
        raise DecisionReasonRequiredError()
    row = _load(approval_id)
    refusal = _refusal(row, approver)
    if refusal:
        raise _deny(row, approver, refusal, meta)
    _expire_if_due(row)
    with transaction.atomic():
        row = ApprovalRequest.objects.select_for_update().get(pk=row.pk)
        if row.status != ApprovalStatus.REQUESTED:
            raise InvalidStateTransitionError(
                current=str(row.status), target=str(ApprovalStatus.APPROVED)
            )
        refusal = _refusal(row, approver)
        if refusal:
            transaction.set_rollback(True)
        elif row.required_approvals > 1 and row.first_approver_id is None:
            moved = ApprovalRequest.objects.filter(
                pk=row.pk, status=ApprovalStatus.REQUESTED, first_approver__isnull=True
            ).update(first_approver=approver)
            if moved != 1:
                # Someone else's first approval won the race; theirs counts, ask again.
                raise InvalidStateTransitionError(
                    current=str(row.status), target=str(ApprovalStatus.APPROVED)
                )
            row.first_approver = approver
            if on_first_approval is not None:
                token = _DECISION_META.set(meta)
                try:
                    on_first_approval(row)
                finally:
                    _DECISION_META.reset(token)
            else:
                _audit_decision(row, approver, "approved_once", decision_reason, meta)
            return row
        else:
            change_status(
                row,
                ApprovalStatus.APPROVED,
                transitions=APPROVAL_TRANSITIONS,
                actor=actor_label(approver),
                reason=decision_reason,
                also={
                    "decided_by": approver,
                    "decided_at": timezone.now(),
                    "decision_reason": decision_reason,
                },
            )
            token = _DECISION_META.set(meta)
            try:
                result = dict(_EXECUTORS[row.kind](row, approver))
            finally:
                _DECISION_META.reset(token)
            # An executor that wrote its own audit row naming the approver says so; one row
            # per decision is enough (ACC-4 counts them).
            audited = bool(result.pop("_audited", False))
            ApprovalRequest.objects.filter(pk=row.pk).update(result=result)
            row.result = result
            if not audited:
                _audit_decision(row, approver, "approved", decision_reason, meta)
            return row
    raise _deny(row, approver, refusal, meta)


def reject(
    approval_id: str | uuid.UUID, approver: User, *, decision_reason: str, meta: RequestMeta
) -> ApprovalRequest:
    if decision_reason not in DecisionReason.values:
        raise DecisionReasonRequiredError()
    row = _load(approval_id)
    refusal = _refusal(row, approver)
    # The requester may withdraw their own request; nobody else without the permission may.
    if refusal and not (refusal == "self_approval" and approver.pk == row.requested_by_id):
        raise _deny(row, approver, refusal, meta)
    _expire_if_due(row)
    with transaction.atomic():
        change_status(
            row,
            ApprovalStatus.REJECTED,
            transitions=APPROVAL_TRANSITIONS,
            actor=actor_label(approver),
            reason=decision_reason,
            also={
                "decided_by": approver,
                "decided_at": timezone.now(),
                "decision_reason": decision_reason,
            },
        )
        rejected = _REJECT_HOOKS.get(row.kind)
        if rejected is not None:
            rejected(row, approver)
        _audit_decision(row, approver, "rejected", decision_reason, meta)
    return row


def _audit_decision(
    row: ApprovalRequest, approver: User, outcome: str, reason: str, meta: RequestMeta
) -> None:
    """One audit row per decision (ACC-4 counts them)."""
    audit.record(
        Actions.APPROVAL_DECIDED,
        outcome,
        subject=row.subject_id,
        actor=approver,
        meta=meta,
        kind=row.kind,
        approval=str(row.public_id),
        reason_code=reason,
    )


_REJECT_HOOKS: dict[str, Callable[[ApprovalRequest, User], None]] = {}


def register_reject_hook(kind: str, hook: Callable[[ApprovalRequest, User], None]) -> None:
    _REJECT_HOOKS[kind] = hook


def expire_due() -> int:
    """Move every request past its deadline to `expired` (a periodic job may call this)."""
    count = 0
    for row in ApprovalRequest.objects.filter(
        status=ApprovalStatus.REQUESTED, expires_at__lte=timezone.now()
    ):
        try:
            _expire_if_due(row)
        except ApprovalExpiredError:
            count += 1
    return count


def pending_for(user: User) -> list[ApprovalRequest]:
    """Requests waiting for a decision, of the kinds this staff member may approve."""
    expire_due()
    kinds = [kind for kind, perm in APPROVE_PERMISSION.items() if user.has_perm(perm)]
    mine = ApprovalRequest.objects.filter(status=ApprovalStatus.REQUESTED, requested_by=user)
    decidable = ApprovalRequest.objects.filter(status=ApprovalStatus.REQUESTED, kind__in=kinds)
    return list((mine | decidable).select_related("subject", "requested_by").order_by("created_at"))
