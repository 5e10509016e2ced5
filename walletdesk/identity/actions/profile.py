"""Display name, address and language."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from walletdesk.core.actors import Actor
from walletdesk.identity import audit
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import Role
from walletdesk.identity.models import (
    User,
)
from walletdesk.identity.text import clean_display_text, skeleton


def _clean_display_name(raw: str, user: User | None = None) -> str:
    """A customer's display name is shown to payees: it may not imitate staff (UPL-7).
    Staff names themselves are set by the operator and may say who they are."""
    if not raw:
        return ""
    if user is not None and user.role != Role.CUSTOMER:
        return clean_display_text(raw, reserved_check=False)
    staff_names = (
        User.objects.exclude(role=Role.CUSTOMER)
        .exclude(display_name="")
        .values_list("display_name", flat=True)
    )
    return clean_display_text(raw, staff_skeletons=frozenset(skeleton(n) for n in staff_names))


def update_profile(user: User, *, display_name: str, address: str, actor: Actor) -> User:
    meta = RequestMeta.from_actor(actor)
    name = _clean_display_name(display_name, user)
    place = clean_display_text(address, max_length=200, reserved_check=False) if address else ""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(display_name=name, address=place)
        audit.record(Actions.PROFILE_CHANGE, subject=user, meta=meta, fields="display_name,address")
    user.refresh_from_db()
    return user


def set_language(user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        User.objects.filter(pk=user.pk).update(preferred_language=language)
