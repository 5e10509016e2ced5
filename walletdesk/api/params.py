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


def single_query_value(params: Any, name: str) -> str | None:
    """The one value of query parameter `name` (None when absent).

    Given twice (`?type=a&type=b`) or empty (`?type=`), it is a 400 naming the parameter: the
    API's parameters take one value each, and guessing which one was meant hides client bugs.
    """
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
    values = [value for value in values if value is not None]
    if not values:
        return None
    if len(values) > 1:
        raise ValidationFailedError(fields={name: [_("Give this parameter once.")]})
    if values[0] == "":
        raise ValidationFailedError(fields={name: [_("Give a value or leave the parameter out.")]})
    return str(values[0])


def integer_query_param(params: Any, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The integer in `params[name]` (a QueryDict), or `default` when absent.

    Anything else than 1 to len(str(maximum)) ASCII digits inside [minimum, maximum], given once,
    is a 400 `validation_failed` naming the parameter.
    """
    raw = single_query_value(params, name)
    if raw is None:
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
