"""The customer's early-unfreeze request through the four-eyes approval queue (ACC-4).

Asking before the 24 h cool-off creates an `UnfreezeRequest` linked to an `ApprovalRequest` of
kind "unfreeze" that needs two approvals from two different staff members (neither the account
holder). The first approval is recorded; the second lifts the freeze, as that approver.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from walletdesk.core.actors import Actor
from walletdesk.core.statemachine import change_status
from walletdesk.identity import approvals, audit
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import (
    UNFREEZE_REQUEST_TRANSITIONS,
    ApprovalKind,
    UnfreezeRequestStatus,
)
from walletdesk.identity.models import ApprovalRequest, UnfreezeRequest, User

CUSTOMER_REQUEST_REASON = "customer_request"


def open_request(
    user: User, *, meta: RequestMeta, requested_by: User | None = None
) -> UnfreezeRequest:
    """`requested_by`: the agent who asks for the customer (the customer by default)."""
    approval = approvals.request_approval(
        kind=ApprovalKind.UNFREEZE,
        subject_id=user.pk,
        requested_by=requested_by or user,
        reason_code=CUSTOMER_REQUEST_REASON,
        required_approvals=2,
        meta=meta,
    )
    return UnfreezeRequest.objects.create(user=user, approval=approval)


def _first_approval(row: ApprovalRequest) -> None:
    request = UnfreezeRequest.objects.select_related("user").get(approval=row)
    UnfreezeRequest.objects.filter(pk=request.pk).update(first_approver=row.first_approver)
    audit.record(
        Actions.UNFREEZE_REQUEST,
        "approved_once",
        subject=request.user,
        actor=row.first_approver,
        meta=approvals.decision_meta(),
    )


def _execute(row: ApprovalRequest, approver: User) -> dict[str, Any]:
    from walletdesk.identity.actions.freeze import _do_unfreeze

    request = UnfreezeRequest.objects.select_related("user").get(approval=row)
    UnfreezeRequest.objects.filter(pk=request.pk).update(second_approver=approver)
    meta = approvals.decision_meta()
    actor = Actor.agent(approver.pk, ip=meta.ip or None, device=meta.user_agent or None)
    _do_unfreeze(request.user, by="agents", actor=actor)
    return {"unfrozen": True, "_audited": True}


def _rejected(row: ApprovalRequest, approver: User) -> None:
    request = UnfreezeRequest.objects.get(approval=row)
    change_status(
        request,
        UnfreezeRequestStatus.REJECTED,
        transitions=UNFREEZE_REQUEST_TRANSITIONS,
        actor=approvals.actor_label(approver),
        reason=row.decision_reason,
        also={"completed_at": timezone.now()},
    )


def complete_pending(user: User, *, actor: str) -> None:
    """The freeze is lifted (by the customer after the cool-off, or by the agents): the open
    request is done. Its approval, if still waiting, is moot and expires."""
    from walletdesk.identity.enums import APPROVAL_TRANSITIONS, ApprovalStatus

    for request in UnfreezeRequest.objects.select_related("approval").filter(
        user=user, status=UnfreezeRequestStatus.PENDING
    ):
        change_status(
            request,
            UnfreezeRequestStatus.COMPLETED,
            transitions=UNFREEZE_REQUEST_TRANSITIONS,
            actor=actor,
            reason="unfrozen",
            also={"completed_at": timezone.now()},
        )
        approval = request.approval
        if approval is not None and approval.status == ApprovalStatus.REQUESTED:
            change_status(
                approval,
                ApprovalStatus.EXPIRED,
                transitions=APPROVAL_TRANSITIONS,
                actor=actor,
                reason="unfrozen",
            )


def approve(request_id: str, approver: User, *, meta: RequestMeta, decision_reason: str) -> bool:
    import uuid

    from walletdesk.core.errors import NotFoundError

    try:
        public_id = uuid.UUID(str(request_id))
    except ValueError as exc:
        raise NotFoundError() from exc
    request = UnfreezeRequest.objects.filter(
        public_id=public_id, status=UnfreezeRequestStatus.PENDING, approval__isnull=False
    ).first()
    if request is None or request.approval_id is None:
        raise NotFoundError()
    row = approvals.approve(
        request.approval.public_id,  # type: ignore[union-attr]
        approver,
        decision_reason=decision_reason,
        meta=meta,
        on_first_approval=_first_approval,
    )
    return str(row.status) == "approved"


approvals.register_executor(
    ApprovalKind.UNFREEZE,
    _execute,
    reason_labels={CUSTOMER_REQUEST_REASON: _("The customer asked to unfreeze early")},
)
approvals.register_reject_hook(ApprovalKind.UNFREEZE, _rejected)
