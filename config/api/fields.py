"""Serializer bases that take JSON's types as they are: DRF reads 42 as the string "42", 1 as true and
an empty query value as the field's default; the schema promises a string, a boolean, a value."""

from typing import Any

from django.http import QueryDict
from rest_framework import serializers


def _wrong_form_text(field: serializers.Field, value: Any) -> str | None:
    if isinstance(field, serializers.BooleanField) and value not in ("true", "false"):
        return "Must be true or false."
    return None


def _wrong_type(field: serializers.Field, value: Any) -> str | None:
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
        return "Must be true or false."
    if isinstance(field, serializers.CharField) and not isinstance(value, str):
        return "Must be a string."
    return None


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, by name, instead of dropping them silently (the schema says
    `additionalProperties: false`, config.api.schema), and a JSON value of the wrong type for a string
    or boolean field. Form data is all text: a page's form is left to the fields (a ticked box sends
    "on"); an API's form (`api_form`) takes "true" or "false" for a boolean, as its schema says."""

    api_form = False

    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        form = isinstance(data, QueryDict)
        if isinstance(data, dict) and not (form and not self.api_form):
            check = _wrong_form_text if form else _wrong_type
            wrong = {name: check(field, data[name]) for name, field in self.fields.items() if name in data}
            errors = {name: [message] for name, message in wrong.items() if message}
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class QuerySerializer(serializers.Serializer):
    """Query parameters: one given empty (`?category=`) is refused, not read as its default, unless its
    field allows a blank."""

    def to_internal_value(self, data: Any) -> dict:
        empty = {
            name: ["May not be empty."]
            for name, field in self.fields.items()
            if data.get(name) == "" and not getattr(field, "allow_blank", False)
        }
        if empty:
            raise serializers.ValidationError(empty)
        return super().to_internal_value(data)
