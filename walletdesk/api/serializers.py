from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses fields it does not declare (mass assignment, security guide ACC-5)."""

    default_error_messages = {"unknown_field": _("This field is not accepted here.")}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: [self.error_messages["unknown_field"]] for name in sorted(unknown)[:10]},
                    code="unknown_field",
                )
        return super().to_internal_value(data)
