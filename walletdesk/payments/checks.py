"""Deployment checks for the payments app's own settings (see walletdesk/core/checks.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from walletdesk.core.secret_strength import GENERATE_HINT, weakness

RAIL_CALLBACK_SECRET_MIN_LENGTH = 32


@register(Tags.security, deploy=True)
def check_rail_callback_secret(**kwargs: Any) -> list[CheckMessage]:
    secret = str(settings.WALLETDESK.get("RAIL_CALLBACK_SECRET", ""))
    problem = weakness(secret, min_length=RAIL_CALLBACK_SECRET_MIN_LENGTH)
    if problem:
        return [
            Error(
                f"WALLETDESK_RAIL_CALLBACK_SECRET is too easy to guess: {problem}. Whoever "
                "knows it can sign a rail callback that credits a top-up.",
                hint=f"Set it to 32+ random characters, shared with the rail. {GENERATE_HINT}",
                id="payments.E001",
            )
        ]
    return []
