"""Sessions, remembered devices and API tokens."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor
from walletdesk.identity import audit, sessions
from walletdesk.identity.actions._shared import JUST_CREATED, _notify, _now_text
from walletdesk.identity.actions.alerts import freeze_link
from walletdesk.identity.actions.holds import mark_security_change
from walletdesk.identity.actions.login import _login_event
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.devices import describe_user_agent
from walletdesk.identity.enums import LoginResult
from walletdesk.identity.models import (
    Device,
    LoginEvent,
    User,
    UserSession,
)
from walletdesk.identity.regions import ip_prefix, region_for


def revoke_session(user: User, session_public_id: str, *, actor: Actor) -> bool:
    meta = RequestMeta.from_actor(actor)
    from walletdesk.identity.models import UserSession

    with transaction.atomic():
        count = sessions.revoke_rows(
            UserSession.objects.filter(
                user=user, public_id=session_public_id, revoked_at__isnull=True
            ),
            "user",
        )
        if count:
            audit.record(Actions.SESSION_REVOKE, subject=user, meta=meta, session=session_public_id)
    return bool(count)


def revoke_other_sessions(user: User, *, keep: UserSession | None, actor: Actor) -> int:
    """Sign out every session of `user` but `keep` (the caller's own)."""
    meta = RequestMeta.from_actor(actor)
    with transaction.atomic():
        count = sessions.revoke_sessions(user, reason="user", keep=keep)
        audit.record(Actions.SESSION_REVOKE, subject=user, meta=meta, count=count, scope="others")
    return count


def forget_device(user: User, device_public_id: str, *, actor: Actor) -> bool:
    meta = RequestMeta.from_actor(actor)
    from walletdesk.identity.models import UserSession

    with transaction.atomic():
        device = Device.objects.filter(
            user=user, public_id=device_public_id, forgotten_at__isnull=True
        ).first()
        if device is None:
            return False
        device.forgotten_at = timezone.now()
        device.save(update_fields=["forgotten_at"])
        sessions.revoke_rows(
            UserSession.objects.filter(user=user, device=device, revoked_at__isnull=True), "device"
        )
        audit.record(
            Actions.SESSION_REVOKE, subject=user, meta=meta, device=device.label, scope="device"
        )
    return True


def issue_api_token(user: User, name: str, *, actor: Actor) -> tuple[str, str]:
    """A bearer token after a successful sign-in (password and, when enrolled, second factor).

    Records the sign-in. A token asked from a device this account has not used before (its user
    agent on its network, for web sessions and earlier tokens alike) alerts the customer like a
    new-device web sign-in — not for the first sign-in right after sign-up — and starts the
    outflow hold."""
    meta = RequestMeta.from_actor(actor)
    from walletdesk.identity.authentication import create_api_token
    from walletdesk.identity.models import ApiToken

    label = describe_user_agent(meta.user_agent)
    network = ip_prefix(meta.ip)
    region = region_for(meta.ip) if meta.ip else ""
    with transaction.atomic():
        first_login = not LoginEvent.objects.filter(
            user=user, result=LoginResult.SUCCEEDED
        ).exists()
        known = (
            Device.objects.filter(
                user=user, label=label, ip_prefix=network, forgotten_at__isnull=True
            ).exists()
            or ApiToken.objects.filter(user=user, device_label=label, ip_prefix=network).exists()
        )
        alert = not known and not (first_login and timezone.now() - user.date_joined < JUST_CREATED)
        _login_event(user, meta, LoginResult.SUCCEEDED, method="api_token", new_device=not known)
        audit.record(Actions.LOGIN, "ok", subject=user, actor=user, meta=meta, method="api_token")
        row, token = create_api_token(
            user, name, device_label=label, ip_prefix=network, region=region
        )
        audit.record(
            Actions.TOKEN_CREATE, subject=user, actor=user, meta=meta, token_id=str(row.public_id)
        )
        if alert:
            mark_security_change(user.pk)
            audit.record(
                Actions.NEW_DEVICE,
                "alerted",
                subject=user,
                actor=user,
                meta=meta,
                device=label,
                region=region,
                method="api_token",
            )
            _notify(
                user.pk,
                "new_device",
                {
                    "time": _now_text(),
                    "device": label,
                    "region": _(region) if region else _("unknown region"),
                    "ip": meta.ip or "-",
                    "link": freeze_link(user.pk),
                },
            )
    return str(row.public_id), token


def revoke_api_token(user: User, token_public_id: str, *, actor: Actor) -> bool:
    meta = RequestMeta.from_actor(actor)
    from walletdesk.identity.models import ApiToken

    with transaction.atomic():
        count = ApiToken.objects.filter(
            user=user, public_id=token_public_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if count:
            audit.record(Actions.TOKEN_REVOKE, subject=user, meta=meta, token_id=token_public_id)
    return bool(count)
