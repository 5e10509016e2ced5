"""Account closure (注销)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity import audit, otp, sessions, wallet_hooks
from walletdesk.identity.actions._shared import _notify, _now_text
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import OtpPurpose
from walletdesk.identity.errors import (
    AccountFrozenError,
    ClosureBlockedError,
)
from walletdesk.identity.models import (
    User,
)

RETENTION_YEARS = 5


def closure_blockers(user: User) -> list[Any]:
    return list(wallet_hooks.wallet().closure_blockers(user.pk))


def send_closure_code(user: User, *, actor: Actor) -> otp.IssuedCode:
    if closure_blockers(user):
        raise ClosureBlockedError()
    meta = RequestMeta.from_actor(actor)
    return otp.issue_code(user, OtpPurpose.CLOSURE, ip=meta.ip, meta=meta)


def close_account(user: User, code: str, *, actor: Actor) -> None:
    meta = RequestMeta.from_actor(actor)
    if user.frozen_at is not None:
        raise AccountFrozenError()
    otp.verify_code(user, OtpPurpose.CLOSURE, code, meta=meta)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if closure_blockers(locked):
            raise ClosureBlockedError()
        wallet_hooks.wallet().close(locked.pk)
        # Tell the customer on their own channels before the identifiers are released.
        _notify(locked.pk, "account_closed", {"time": _now_text()})
        now = timezone.now()
        locked.closed_at = now
        locked.is_active = False
        locked.login_name = f"closed:{locked.public_id}"
        locked.retained_contact = f"{locked.phone or ''}|{locked.email or ''}"
        locked.phone = None
        locked.email = None
        locked.set_unusable_password()
        locked.save(
            update_fields=[
                "closed_at",
                "is_active",
                "login_name",
                "phone",
                "email",
                "password",
                "retained_contact",
            ]
        )
        sessions.revoke_everything(locked, reason="closed")
        audit.record(Actions.CLOSURE, subject=locked, actor=locked, meta=meta)


def closure_retention() -> dict[str, Any]:
    return {"years": RETENTION_YEARS}
