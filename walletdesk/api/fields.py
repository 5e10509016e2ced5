"""Serializer fields shared by every API module."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from walletdesk.core.money import CURRENCY_EXPONENTS


@extend_schema_field(
    {"type": "string", "pattern": r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$", "example": "100.50"}
)
class AmountField(serializers.Field[str, str, str, Any]):
    """Keeps the raw string; the owning action parses it with `parse_amount` for its currency."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(
                'Send the amount as a string such as "100.50".', code="amount_must_be_string"
            )
        return data

    def to_representation(self, value: str) -> str:
        return value


@extend_schema_field({"type": "string", "enum": sorted(CURRENCY_EXPONENTS), "example": "CNY"})
class CurrencyField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=sorted(CURRENCY_EXPONENTS), **kwargs)


class StrictUUIDField(serializers.UUIDField):
    """A UUID sent as a string. DRF's own field also takes a JSON number as the UUID's integer
    value, so `true` became 00000000-0000-0000-0000-000000000001 and an optional id sent as
    `true` passed."""

    def to_internal_value(self, data: Any) -> uuid.UUID:
        if not isinstance(data, str | uuid.UUID):
            self.fail("invalid", value=data)
        value: uuid.UUID = super().to_internal_value(data)
        return value


__all__ = ["AmountField", "CurrencyField", "OpenApiTypes", "StrictUUIDField"]
