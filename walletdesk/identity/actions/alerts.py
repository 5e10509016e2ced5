"""What every security notice carries: the emergency-freeze link (AUTH-12)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from walletdesk.identity.actions._shared import _notify, _now_text
from walletdesk.identity.models import (
    User,
)

FREEZE_LINK_SALT = "walletdesk.identity.freeze-link"


FREEZE_LINK_MAX_AGE = 7 * 86400


def _security_change(user: User, change: str) -> None:
    _notify(
        user.pk,
        "security_change",
        {"change": change, "time": _now_text(), "link": freeze_link(user.pk)},
    )


def freeze_link(user_id: int, origin: str | None = None) -> str:
    user = User.objects.filter(pk=user_id).only("public_id").first()
    return freeze_link_for_public_id(str(user.public_id) if user else "", origin)


def freeze_link_for_public_id(public_id: str, origin: str | None = None) -> str:
    """`origin` ("https://host", no slash): the site the customer is on; else SITE_URL."""
    token = signing.dumps({"u": public_id}, salt=FREEZE_LINK_SALT, compress=True)
    path = f"/account/freeze/link/{token}/"
    if origin:
        return origin.rstrip("/") + path
    return str(settings.WALLETDESK_NOTIFICATIONS.get("SITE_URL", "")).rstrip("/") + path


def user_from_freeze_link(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=FREEZE_LINK_SALT, max_age=FREEZE_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        User.objects.filter(public_id=str(data.get("u") or ""), is_active=True).first()
        if isinstance(data, dict)
        else None
    )
