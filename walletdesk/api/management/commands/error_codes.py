"""Print every stable error code as the Markdown table kept in docs/errors.md."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation

import walletdesk
from walletdesk.core.errors import WalletDeskError


def load_all_error_modules() -> None:
    """Import every module of the project (errors may be defined next to the code raising them)."""
    for module in pkgutil.walk_packages(walletdesk.__path__, "walletdesk."):
        if ".tests" in module.name or ".migrations" in module.name:
            continue
        importlib.import_module(module.name)


def _all_subclasses(cls: type[WalletDeskError]) -> list[type[WalletDeskError]]:
    found: list[type[WalletDeskError]] = []
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("walletdesk.") and ".tests" not in sub.__module__:
            found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def error_table() -> str:
    load_all_error_modules()
    lines = [
        "| code | HTTP | defined in | message (en) | message (zh-Hans) |",
        "|---|---|---|---|---|",
    ]
    by_code: dict[str, list[type[WalletDeskError]]] = {}
    for error in _all_subclasses(WalletDeskError):
        by_code.setdefault(error.code, []).append(error)
    for code, errors in sorted(by_code.items()):
        errors.sort(key=lambda e: (e.__module__, e.__qualname__))
        error = errors[0]
        with translation.override("en"):
            english = str(error.message)
        with translation.override("zh-hans"):
            chinese = str(error.message)
        module = ", ".join(sorted({e.__module__.removeprefix("walletdesk.") for e in errors}))
        lines.append(
            f"| `{code}` | {error.http_status} | `{module}` | {english} | {chinese} |".replace(
                "\n", " "
            )
        )
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the table of stable error codes (docs/errors.md is generated from it)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(error_table(), ending="")
