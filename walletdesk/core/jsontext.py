"""Strict JSON decoding shared by the HTTP API and the WebSockets.

The stdlib accepts what a wallet must not: duplicate keys (the last one silently wins), NaN and
Infinity, nesting deep enough to exhaust the interpreter's recursion limit, and `"\\ud800"`
escapes that decode to lone UTF-16 surrogates, which cannot be encoded as UTF-8 and therefore
crash whatever echoes or stores them (an error message naming a bad choice, a database row).
Everything that reads JSON from outside goes through `loads_strict`, so these are refused once,
at the edge, with stable codes.
"""

from __future__ import annotations

import json
from typing import Any

from walletdesk.core.errors import InvalidTextError, JsonTooDeepError

#: Deepest nesting of objects and arrays accepted. Our request bodies are at most 3 levels deep;
#: the margin leaves room for new endpoints while keeping every recursive consumer safe.
MAX_JSON_DEPTH = 32


class DuplicateKeyError(ValueError):
    """The same key appears twice in one JSON object (the message is the key)."""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def is_valid_text(text: str) -> bool:
    """False when `text` holds a lone surrogate (it then has no UTF-8 encoding)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise `JsonTooDeepError` or `InvalidTextError` for a decoded JSON value.

    Iterative, so that the check itself cannot hit the recursion limit it protects against.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not is_valid_text(item):
                raise InvalidTextError()
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                raise JsonTooDeepError(limit=max_depth)
            if isinstance(item, dict):
                for key, child in item.items():
                    if not is_valid_text(key):
                        raise InvalidTextError()
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def loads_strict(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode JSON, refusing duplicate keys and NaN/Infinity (`ValueError`; `DuplicateKeyError`
    names the key), nesting deeper than `max_depth` (`JsonTooDeepError`) and lone surrogates in
    keys or strings (`InvalidTextError`). Bytes that are not UTF-8 are a `ValueError`."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        value = json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except RecursionError as exc:
        raise JsonTooDeepError(limit=max_depth) from exc
    check_text(value, max_depth=max_depth)
    return value
