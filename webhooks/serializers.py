from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from config.api.fields import StrictSerializer
from webhooks import signing
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.validators import EVENTS, validate_endpoint_url, validate_events


def _django_to_drf(fn: Any, value: Any) -> Any:
    try:
        return fn(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc


class EndpointInput(StrictSerializer):
    url = serializers.CharField(max_length=2048)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS), min_length=1, max_length=20)
    secret = serializers.CharField(
        min_length=signing.MIN_RAW_SECRET_CHARS, max_length=200, required=False, trim_whitespace=True
    )
    active = serializers.BooleanField(required=False, default=True)

    def validate_url(self, value: str) -> str:
        return _django_to_drf(validate_endpoint_url, value)

    def validate_events(self, value: list[str]) -> list[str]:
        return _django_to_drf(validate_events, value)

    def validate_secret(self, value: str) -> str:
        if not signing.is_valid_secret(value):
            raise serializers.ValidationError(signing.SECRET_RULE)
        return value


class EndpointUpdateInput(EndpointInput):
    """PUT changes only the fields it is given (the product spec's example sends no secret)."""

    url = serializers.CharField(max_length=2048, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENTS), min_length=1, max_length=20, required=False
    )
    active = serializers.BooleanField(required=False)


class RotateInput(StrictSerializer):
    secret = serializers.CharField(min_length=signing.MIN_RAW_SECRET_CHARS, max_length=200, required=False)

    validate_secret = EndpointInput.validate_secret


class EndpointOutput(serializers.ModelSerializer):
    last_delivery = serializers.DateTimeField(source="last_delivery_at", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "events",
            "active",
            "disabled_reason",
            "failing_since",
            "created_at",
            "updated_at",
            "last_delivery",
        ]


class AttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "status_code", "response_excerpt", "duration_ms", "error"]


class DeliveryOutput(serializers.ModelSerializer):
    webhook_id = serializers.CharField(read_only=True)
    event = serializers.CharField(source="message.event", read_only=True)
    webhook = serializers.IntegerField(source="endpoint_id", read_only=True)
    attempts = AttemptOutput(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook",
            "webhook_id",
            "event",
            "status",
            "attempt_count",
            "next_attempt_at",
            "created_at",
            "attempts",
        ]
