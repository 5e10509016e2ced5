from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from walletdesk.identity.identifiers import normalise_login_name
from walletdesk.identity.models import User


class LoginNameBackend(ModelBackend):
    """Sign in with a phone number (any common spelling) or an email address."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        login_name = normalise_login_name(username)
        if login_name is None:
            User().set_password(password)  # equal work for malformed identifiers
            return None
        return super().authenticate(request, username=login_name, password=password, **kwargs)


class PasskeyBackend(ModelBackend):
    """Named backend for sessions started by a verified passkey assertion.

    It never authenticates by itself (`authenticate` returns None); `identity.passkeys` verifies
    the assertion and then calls `login(..., backend=...)` with this path, so `get_user` works.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        return None
