"""Actions take plain values and a typed `Actor`, never an HTTP request (issue 12).

Views, API endpoints, the console, the chat and jobs all call the same actions; only the
views know HTTP. This walks every function and method defined in the apps' action modules
and fails on any parameter annotated with a request type (Django's or DRF's).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType

import pytest

# Every app's actions module, plus payments' money operations (its actions by another name).
ACTION_MODULES = [
    "walletdesk.helpcenter.actions",
    "walletdesk.identity.actions",
    "walletdesk.ledger.actions",
    "walletdesk.notifications.actions",
    "walletdesk.payments.operations",
    "walletdesk.payments.topups",
    "walletdesk.payments.withdrawals",
    "walletdesk.tickets.actions",
]
REQUEST_TYPE = re.compile(r"\b(HttpRequest|WSGIRequest|ASGIRequest|Request)\b")


def _modules() -> Iterator[ModuleType]:
    for name in ACTION_MODULES:
        module = importlib.import_module(name)
        yield module
        if hasattr(module, "__path__"):  # a package: its topic modules too
            for info in pkgutil.iter_modules(module.__path__, prefix=f"{name}."):
                yield importlib.import_module(info.name)


def _callables(module: ModuleType) -> Iterator[tuple[str, object]]:
    for name, value in vars(module).items():
        if getattr(value, "__module__", None) != module.__name__:
            continue  # imported, checked where it is defined
        if inspect.isfunction(value):
            yield f"{module.__name__}.{name}", value
        elif inspect.isclass(value):
            for attribute, member in vars(value).items():
                function = getattr(member, "__func__", member)
                if inspect.isfunction(function):
                    yield f"{module.__name__}.{name}.{attribute}", function


def _takes_a_request(function: object) -> list[str]:
    assert callable(function)
    found = []
    for parameter in inspect.signature(function).parameters.values():
        annotation = parameter.annotation
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if REQUEST_TYPE.search(str(text)):
            found.append(parameter.name)
    return found


def test_the_walk_finds_the_actions() -> None:
    names = {name for module in _modules() for name, _ in _callables(module)}
    assert "walletdesk.identity.actions.contact.finish_contact_change" in names
    assert "walletdesk.payments.operations.transfer" in names
    assert "walletdesk.tickets.actions.open_ticket" in names


def test_a_request_parameter_is_found() -> None:
    from django.http import HttpRequest

    def handler(request: HttpRequest, user_id: int) -> None: ...

    assert _takes_a_request(handler) == ["request"]


@pytest.mark.parametrize("module_name", ACTION_MODULES)
def test_no_action_takes_an_http_request(module_name: str) -> None:
    offenders = {
        name: params
        for module in _modules()
        if module.__name__ == module_name or module.__name__.startswith(f"{module_name}.")
        for name, function in _callables(module)
        if (params := _takes_a_request(function))
    }
    assert offenders == {}
