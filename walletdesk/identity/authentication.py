"""Revocable bearer tokens for the wallet app: `Authorization: Bearer wd_<prefix>_<secret>`.

Only SHA-256 of the whole token is stored; the token is shown once at creation. Requests made
with a token are exempt from CSRF (there is no cookie to ride on, SES-5).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from walletdesk.identity.models import ApiToken, User

TOKEN_PREFIX = "wd_"  # noqa: S105


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    days = int(str(settings.WALLETDESK_IDENTITY["API_TOKEN_DAYS"]))
    row = ApiToken.objects.create(
        user=user,
        name=name[:64],
        prefix=prefix,
        key_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return row, token


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
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
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
