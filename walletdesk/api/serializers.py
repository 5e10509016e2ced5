from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses fields it does not declare (mass assignment, security guide ACC-5)."""

    default_error_messages = {
        "unknown_field": _("This field is not accepted here."),
        "not_an_object": _("Send a JSON object."),
    }

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": [self.error_messages["not_an_object"]]}, code="not_an_object"
            )
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: [self.error_messages["unknown_field"]] for name in sorted(unknown)[:10]},
                    code="unknown_field",
                )
        return super().to_internal_value(data)


def validated(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    """Validate request data with `serializer_class`; errors become the 400 envelope."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
