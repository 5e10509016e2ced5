"""The one signal receiver: index every new authenticated session, however it was created
(our login views, the admin login, tests' force_login), so the session middleware can enforce
revocation and timeouts on it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from walletdesk.identity import sessions


@receiver(user_logged_in, dispatch_uid="walletdesk.identity.index_session")
def index_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.start_session(request, user)
