"""Background jobs of identity. Each one is idempotent enough to run twice and calls actions."""

from __future__ import annotations

from celery import shared_task

from walletdesk.identity import approvals


@shared_task(name="walletdesk.identity.tasks.process_signup")
def process_signup(
    login_name: str, password_hash: str, display_name: str, ip: str, user_agent: str
) -> None:
    """The part of a sign-up that depends on whether the identifier is registered."""
    from walletdesk.identity.actions import register_signup
    from walletdesk.identity.audit import RequestMeta

    register_signup(
        login_name, password_hash, display_name, meta=RequestMeta(ip=ip, user_agent=user_agent)
    )


@shared_task(name="walletdesk.identity.tasks.expire_approval_requests")
def expire_approval_requests() -> int:
    """Requests nobody decided in time move to `expired` (the staff page also does it lazily)."""
    return approvals.expire_due()
