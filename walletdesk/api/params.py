"""Query parameters that are numbers: parsed strictly, bounded, and described in the schema.

`int()` on a client's string is a trap: it accepts "٣" and " 3 ", and a string of 4,301 digits
raises (Python's integer-string limit) instead of answering 400. Numeric parameters are therefore
ASCII digits only, at most as many digits as their maximum has, and inside their range.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from walletdesk.core.errors import ValidationFailedError


def integer_query_param(params: Any, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The integer in `params[name]` (a QueryDict), or `default` when absent or empty.

    Anything else than 1 to len(str(maximum)) ASCII digits inside [minimum, maximum] is a 400
    `validation_failed` naming the parameter.
    """
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if (
        not isinstance(raw, str)
        or not raw.isascii()
        or not raw.isdigit()
        or len(raw) > len(str(maximum))
        or not minimum <= int(raw) <= maximum
    ):
        raise ValidationFailedError(
            fields={
                name: [
                    _("Enter a whole number from %(minimum)s to %(maximum)s.")
                    % {"minimum": minimum, "maximum": maximum}
                ]
            }
        )
    return int(raw)


def integer_parameter(
    name: str, *, default: int, minimum: int, maximum: int, description: str = ""
) -> OpenApiParameter:
    """The OpenAPI declaration matching `integer_query_param` (range and maximum length)."""
    digits = len(str(maximum))
    text = f"{minimum}–{maximum}, default {default} (at most {digits} digits)."
    return OpenApiParameter(
        name,
        {
            "type": "integer",
            "minimum": minimum,
            "maximum": maximum,
            "default": default,
            "x-maxDigits": digits,
        },
        OpenApiParameter.QUERY,
        required=False,
        description=f"{description} {text}".strip(),
    )
