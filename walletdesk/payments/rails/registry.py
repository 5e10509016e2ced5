"""Which provider serves each rail method.

``WALLETDESK["RAIL_PROVIDERS"]`` (set from WALLETDESK_RAIL_PROVIDER_<METHOD>) maps each method to a
name from `PROVIDER_NAMES` or to the dotted path of a class implementing `RailProvider`,
constructed with the method name. A method it does not mention is served by the sandbox.
Providers that move no real money declare ``sandbox = True``; production refuses them unless
WALLETDESK_ALLOW_SANDBOX is on (payments/checks.py).
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from walletdesk.payments.enums import RailMethod
from walletdesk.payments.errors import RailUnavailableError
from walletdesk.payments.rails.base import RailProvider

DEFAULT_PROVIDER = "walletdesk.payments.rails.sandbox.SandboxRail"
PROVIDER_NAMES = {"sandbox": DEFAULT_PROVIDER}


def environment_variable(method: str) -> str:
    """The variable that chooses `method`'s provider (named in messages to the operator)."""
    return f"WALLETDESK_RAIL_PROVIDER_{method.upper()}"


def provider_path(method: str) -> str:
    configured = settings.WALLETDESK.get("RAIL_PROVIDERS") or {}
    assert isinstance(configured, dict)
    choice = str(configured.get(method, "") or "").strip() or "sandbox"
    return PROVIDER_NAMES.get(choice, choice)


def is_sandbox(method: str) -> bool:
    """Whether `method` is served by a provider that moves no real money."""
    return bool(getattr(import_string(provider_path(method)), "sandbox", False))


@cache
def _provider(method: str, dotted_path: str) -> RailProvider:
    provider_class = import_string(dotted_path)
    provider: RailProvider = provider_class(method)
    return provider


def get_provider(method: str) -> RailProvider:
    if method not in RailMethod.values:
        raise RailUnavailableError()
    return _provider(method, provider_path(method))


def available_methods() -> list[str]:
    return list(RailMethod.values)
