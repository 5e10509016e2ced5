"""A JSON parser that refuses what the stdlib quietly accepts (security guide API-3)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_BODY_BYTES = 1024 * 1024


class DuplicateKeyError(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(raw: bytes | str) -> Any:
    return json.loads(raw, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


class StrictJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = stream.read(MAX_JSON_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_JSON_BODY_BYTES:
            raise ParseError(_("The request body is larger than 1 MiB."), code="body_too_large")
        if not raw:
            return {}
        try:
            return loads_strict(raw.decode("utf-8"))
        except DuplicateKeyError as exc:
            raise ParseError(
                _("The field %(field)s appears more than once.") % {"field": str(exc)[:40]},
                code="duplicate_json_key",
            ) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(
                _("The request body is not valid JSON."), code="malformed_json"
            ) from exc
