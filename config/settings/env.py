"""Typed readers for environment variables.

Every setting that can change between deployments is read through these helpers, so a missing or
malformed value fails at start-up with a message naming the variable, not later at request time.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


def _raw(name: str, default: object) -> str | object:
    value = os.environ.get(name)
    if value is None:
        if default is _UNSET:
            raise ImproperlyConfigured(f"Set the environment variable {name} (see .env.example).")
        return default
    return value


def env_str(name: str, default: str | object = _UNSET) -> str:
    value = _raw(name, default)
    return str(value)


def env_optional(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def env_bool(name: str, default: bool | object = _UNSET) -> bool:
    value = _raw(name, default)
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}."
    )


def env_int(name: str, default: int | object = _UNSET) -> int:
    value = _raw(name, default)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from exc


def env_float(name: str, default: float | object = _UNSET) -> float:
    value = _raw(name, default)
    if isinstance(value, float | int):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number; got {value!r}.") from exc


def env_list(name: str, default: list[str] | object = _UNSET) -> list[str]:
    value = _raw(name, default)
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(",") if item.strip()]


def env_path(name: str, default: Path | object = _UNSET) -> Path:
    value = _raw(name, default)
    return value if isinstance(value, Path) else Path(str(value))
