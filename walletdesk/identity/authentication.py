"""Revocable bearer tokens for the wallet app: `Authorization: Bearer wd_<prefix>_<secret>`.

Only SHA-256 of the whole token is stored; the token is shown once at creation. Requests made
with a token are exempt from CSRF (there is no cookie to ride on, SES-5).

A token lives like a web session (SES-3, `WALLETDESK_IDENTITY`): it dies after the idle limit
unused (30 min for customers, 15 for staff) and at the absolute limit after it was issued (12 h),
whichever comes first; the customer sees and revokes them on the security page.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from walletdesk.identity.models import ApiToken, User
from walletdesk.identity.sessions import absolute_limit, idle_limit

TOKEN_PREFIX = "wd_"  # noqa: S105


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# last_used_at is written at most this often; the idle limit is counted from it.
LAST_USED_WRITE_EVERY = timedelta(minutes=1)


def create_api_token(
    user: User, name: str = "", *, device_label: str = "", ip_prefix: str = "", region: str = ""
) -> tuple[ApiToken, str]:
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    row = ApiToken.objects.create(
        user=user,
        name=name[:64],
        prefix=prefix,
        key_hash=hash_token(token),
        created_at=now,
        last_used_at=now,
        expires_at=now + absolute_limit(),
        device_label=device_label[:120],
        ip_prefix=ip_prefix[:64],
        region=region[:64],
    )
    return row, token


def is_live(row: ApiToken, user: User, now: datetime | None = None) -> bool:
    """Not revoked, not past its absolute end, used within the idle limit."""
    now = now or timezone.now()
    last = row.last_used_at or row.created_at
    return row.revoked_at is None and row.expires_at > now and now - last <= idle_limit(user)


def user_for_token(token: str) -> tuple[User, ApiToken] | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if not is_live(row, row.user, now):
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_WRITE_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user, row


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith(f"{self.keyword} "):
            return None
        found = user_for_token(header[len(self.keyword) + 1 :].strip())
        if found is None:
            raise exceptions.AuthenticationFailed()
        return found

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
