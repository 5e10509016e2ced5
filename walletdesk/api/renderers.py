"""The API's JSON renderer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import JSONRenderer

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {
            _replace_lone_surrogates(key): _replace_lone_surrogates(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_replace_lone_surrogates(item) for item in value]
    return value


class SafeJSONRenderer(JSONRenderer):
    """DRF's renderer, except that a lone UTF-16 surrogate in the data becomes U+FFFD instead of
    a UnicodeEncodeError (a 500 while rendering what may itself be an error response).

    The parser already refuses such text on the way in (`invalid_text`); this is the second
    wall, for text that reaches a response another way (a serializer's error echoing input).
    """

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return super().render(
                _replace_lone_surrogates(data), accepted_media_type, renderer_context
            )
