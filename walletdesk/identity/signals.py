"""Signal receivers. Index every new authenticated session, however it was created
(our login views, the admin login, tests' force_login), so the session middleware can enforce
revocation and timeouts on it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from walletdesk.identity import roles, sessions
from walletdesk.identity.models import User


@receiver(user_logged_in, dispatch_uid="walletdesk.identity.index_session")
def index_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.start_session(request, user)


@receiver(post_save, sender=User, dispatch_uid="walletdesk.identity.role_group")
def keep_role_group(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created and not instance.is_staff:
        return  # a new customer has no role group to join
    if created or update_fields is None or "role" in update_fields:
        roles.place_in_role_group(instance)


def sync_role_groups_after_migrate(sender: Any, **kwargs: Any) -> None:
    from django.apps import apps

    # post_migrate fires once per app with models; the last one runs after every app's
    # permissions exist.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if with_models and sender is with_models[-1]:
        roles.sync_role_groups()


def _notification_contact(user_id: int) -> Any:
    from walletdesk.identity.facade import get_contact
    from walletdesk.notifications.facade import Contact

    found = get_contact(user_id)
    return Contact(found.phone, found.email, found.language, found.public_id)


def register_with_lower_apps() -> None:
    """Tell notifications and realtime what they need to know about people (see
    notifications/directory.py and realtime/facade.py)."""
    from walletdesk.identity.facade import freeze_link_for, purpose_label
    from walletdesk.notifications.facade import UserDirectory, register_user_directory
    from walletdesk.realtime.facade import register_session_check

    register_user_directory(
        UserDirectory(
            contact=_notification_contact,
            freeze_link=freeze_link_for,
            purpose_label=purpose_label,
        )
    )
    register_session_check(sessions.session_is_live)


def audit_notification_preferences(sender: Any, user_id: int, actor: Any, **kwargs: Any) -> None:
    """notifications' `preferences_changed`: the audit row, in the saving transaction."""
    from walletdesk.identity import audit

    audit.record(audit.Actions.NOTIFICATION_PREFERENCES, subject=user_id, actor=actor)
