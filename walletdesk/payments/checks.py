"""Deployment checks for the payments app's own settings (see walletdesk/core/checks.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.utils.module_loading import import_string

from walletdesk.core.secret_strength import GENERATE_HINT, weakness
from walletdesk.payments.enums import RailMethod
from walletdesk.payments.rails import registry

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


RAIL_PROVIDER_METHODS = ("start_top_up", "start_payout", "query", "verify_card")


@register(Tags.compatibility)
def check_rail_providers_load(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for method in RailMethod.values:
        path = registry.provider_path(method)
        try:
            provider_class = import_string(path)
        except ImportError:
            provider_class = None
        missing = [name for name in RAIL_PROVIDER_METHODS if not hasattr(provider_class, name)]
        if provider_class is None or missing:
            errors.append(
                Error(
                    f"{registry.environment_variable(method)}={path!r} is not a rail provider "
                    f"(it needs {', '.join(RAIL_PROVIDER_METHODS)}).",
                    hint='Use "sandbox" or the dotted path of a class implementing '
                    "walletdesk.payments.rails.base.RailProvider.",
                    id="payments.E003",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_no_sandbox_money(**kwargs: Any) -> list[CheckMessage]:
    """The sandbox rail credits top-ups and "pays out" withdrawals without moving real money."""
    if settings.WALLETDESK.get("ALLOW_SANDBOX", False):
        return []
    errors: list[CheckMessage] = []
    for method in RailMethod.values:
        try:
            sandboxed = registry.is_sandbox(method)
        except ImportError:
            continue  # payments.E003 reports it
        if sandboxed:
            variable = registry.environment_variable(method)
            errors.append(
                Error(
                    f"Payment method {method} is served by the sandbox rail: top-ups would be "
                    "credited and withdrawals 'paid out' without real money moving.",
                    hint=f"Set {variable} to your acquirer's provider class, or "
                    "WALLETDESK_ALLOW_SANDBOX=1 for a sandbox deployment.",
                    id="payments.E002",
                )
            )
    return errors
