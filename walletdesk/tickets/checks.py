"""Deployment checks of the support desk (see walletdesk/core/checks.py for the mechanism)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_webhooks_refuse_loopback(**kwargs: Any) -> list[CheckMessage]:
    """Loopback and plain-http webhook targets are for a developer's local receiver only."""
    if settings.WALLETDESK_WEBHOOKS.get("ALLOW_LOOPBACK"):
        return [
            Error(
                "WALLETDESK_WEBHOOKS['ALLOW_LOOPBACK'] is on: webhooks and channel replies could "
                "be sent to this machine's own services.",
                hint="Remove it; only the development and test settings may set it.",
                id="tickets.E001",
            )
        ]
    return []
