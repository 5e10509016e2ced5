"""A JSON parser that refuses what the stdlib quietly accepts (security guide API-3): duplicate
keys, NaN/Infinity, bodies over 1 MiB, nesting deeper than `MAX_JSON_DEPTH` and lone UTF-16
surrogates (see walletdesk.core.jsontext)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from walletdesk.core.error_envelope import MAX_JSON_BODY_BYTES, MAX_JSON_BODY_LABEL
from walletdesk.core.errors import BodyTooLargeError
from walletdesk.core.jsontext import DuplicateKeyError, loads_strict

__all__ = ["MAX_JSON_BODY_BYTES", "StrictJSONParser", "loads_strict"]


class StrictJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        # Django refuses a declared Content-Length over DATA_UPLOAD_MAX_MEMORY_SIZE before we get
        # here (RequestDataTooBig, rendered as the same 413); this covers chunked bodies.
        raw = stream.read(MAX_JSON_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_JSON_BODY_BYTES:
            raise BodyTooLargeError(limit=MAX_JSON_BODY_LABEL)
        if not raw:
            return {}
        try:
            return loads_strict(raw)
        except DuplicateKeyError as exc:
            raise ParseError(
                _("The field %(field)s appears more than once.") % {"field": str(exc)[:40]},
                code="duplicate_json_key",
            ) from exc
        except ValueError as exc:  # UnicodeDecodeError is a ValueError too
            raise ParseError(
                _("The request body is not valid JSON."), code="malformed_json"
            ) from exc
