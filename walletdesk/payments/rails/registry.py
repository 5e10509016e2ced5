"""Which provider serves each rail method.

The built-in sandbox serves every method unless ``WALLETDESK["RAIL_PROVIDERS"]`` maps a method
to the dotted path of a class (constructed with the method name) implementing `RailProvider`.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from walletdesk.payments.enums import RailMethod
from walletdesk.payments.errors import RailUnavailableError
from walletdesk.payments.rails.base import RailProvider

DEFAULT_PROVIDER = "walletdesk.payments.rails.sandbox.SandboxRail"


@cache
def _provider(method: str, dotted_path: str) -> RailProvider:
    provider_class = import_string(dotted_path)
    provider: RailProvider = provider_class(method)
    return provider


def get_provider(method: str) -> RailProvider:
    if method not in RailMethod.values:
        raise RailUnavailableError()
    configured = settings.WALLETDESK.get("RAIL_PROVIDERS") or {}
    assert isinstance(configured, dict)
    return _provider(method, str(configured.get(method, DEFAULT_PROVIDER)))


def available_methods() -> list[str]:
    return list(RailMethod.values)
