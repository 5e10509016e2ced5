"""Emergency freeze (AUTH-12) and the ways out of it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity import audit, otp, sessions, unfreeze_review, wallet_hooks
from walletdesk.identity.actions._shared import _identity_settings, _notify, _now_text
from walletdesk.identity.actions.second_factor import has_totp, require_step_up, verify_totp
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import OtpPurpose
from walletdesk.identity.errors import (
    UnfreezeCoolOffError,
)
from walletdesk.identity.models import (
    UnfreezeRequest,
    User,
)


def emergency_freeze(user: User, *, source: str, actor: Actor) -> None:
    """One action: block every debit, revoke all sessions and API tokens, close open sockets.

    `actor`: the customer (from the app, the API or the alert link, which proves who they are),
    or an agent or the system acting for them; the audit row names them and where they were.
    All in one transaction, so a debit racing the freeze either committed before it or is refused
    by the wallet's own status check inside its transaction."""
    meta = RequestMeta.from_actor(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        wallet_hooks.wallet().freeze(locked.pk, f"emergency_freeze:{source}"[:64])
        already = locked.frozen_at is not None
        if not already:
            locked.frozen_at = timezone.now()
            locked.save(update_fields=["frozen_at"])
        sessions.revoke_everything(locked, reason="freeze")
        audit.record(
            Actions.FREEZE,
            "ok",
            subject=locked,
            actor=actor,
            meta=meta,
            source=source,
            repeated=already,
        )
        assert locked.frozen_at is not None
        available = locked.frozen_at + timedelta(
            hours=_identity_settings()["UNFREEZE_COOL_OFF_HOURS"]
        )
        _notify(
            locked.pk,
            "frozen",
            {
                "time": _now_text(),
                "available_at": timezone.localtime(available).strftime("%Y-%m-%d %H:%M"),
            },
        )


def unfreeze_available_at(user: User) -> datetime | None:
    if user.frozen_at is None:
        return None
    return user.frozen_at + timedelta(hours=_identity_settings()["UNFREEZE_COOL_OFF_HOURS"])


def self_unfreeze(user: User, code: str, *, actor: Actor, stepped_up_at: float | None) -> None:
    """Full verification: a fresh step-up (password + factor) plus an unfreeze code, after the
    cool-off. Earlier than that, the customer asks for agent review (UnfreezeRequest)."""
    require_step_up(stepped_up_at)
    meta = RequestMeta.from_actor(actor)
    available = unfreeze_available_at(user)
    if available is None:
        return
    if timezone.now() < available:
        raise UnfreezeCoolOffError(
            available_at=timezone.localtime(available).strftime("%Y-%m-%d %H:%M")
        )
    if has_totp(user):
        verify_totp(user, code, meta=meta)
    else:
        otp.verify_code(user, OtpPurpose.UNFREEZE, code, meta=meta)
    _do_unfreeze(user, by="customer", actor=actor)


def _do_unfreeze(user: User, *, by: str, actor: Actor) -> None:
    """Lift the freeze: `by` the customer (after the cool-off, `actor` is them) or the "agents"
    (the second approval of an unfreeze request, `actor` is the second approver)."""
    meta = RequestMeta.from_actor(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        wallet_hooks.wallet().unfreeze(locked.pk)
        locked.frozen_at = None
        locked.save(update_fields=["frozen_at"])
        unfreeze_review.complete_pending(locked, actor=actor.label)
        audit.record(Actions.UNFREEZE, subject=locked, actor=actor, meta=meta, by=by)
        _notify(locked.pk, "unfrozen", {"time": _now_text()})


def request_unfreeze_review(user: User, *, actor: Actor) -> UnfreezeRequest:
    meta = RequestMeta.from_actor(actor)
    with transaction.atomic():
        existing = UnfreezeRequest.objects.filter(user=user, status="pending").first()
        if existing is not None:
            return existing
        row = unfreeze_review.open_request(user, meta=meta)
        audit.record(Actions.UNFREEZE_REQUEST, subject=user, meta=meta)
    return row


def approve_unfreeze_request(
    request_id: str, approver: User, *, meta: RequestMeta, decision_reason: str = "checked"
) -> bool:
    """Agent-review hook (ACC-4), through the approval queue (`unfreeze_review`): two different
    staff members with `identity.approve_unfreeze` must approve; the second approval lifts the
    freeze. Returns True when the account was unfrozen. The caller checks the approver's fresh
    second factor.

    Refusals (403 `permission_denied`) are audited and the audit row survives the refusal: a
    customer, staff without the permission, the account's own holder, or the first approver
    approving a second time."""
    return unfreeze_review.approve(request_id, approver, meta=meta, decision_reason=decision_reason)
