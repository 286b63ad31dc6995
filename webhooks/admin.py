from django.contrib import admin

from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "user", "active", "failing_since", "last_delivery_at", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "user__email"]
    raw_id_fields = ["user"]
    # Secrets are never shown or edited here; owners rotate them on their webhooks page.
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["previous_secret_expires_at", "disabled_at", "failing_since", "last_delivery_at"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["attempted_at", "finished_at", "status_code", "duration_ms", "error", "response_excerpt"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["message", "endpoint", "status", "attempt_count", "next_attempt_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["message__id", "endpoint__url"]
    readonly_fields = ["endpoint", "message", "status", "attempt_count", "next_attempt_at", "enqueued_at"]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request: object) -> bool:
        return False
