from django.urls import path

from webhooks import api

urlpatterns = [
    path("webhooks", api.EndpointListView.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>", api.EndpointDetailView.as_view(), name="api-webhook"),
    path("webhooks/<int:pk>/deliveries", api.EndpointDeliveriesView.as_view(), name="api-webhook-deliveries"),
    path("webhooks/<int:pk>/test", api.EndpointTestView.as_view(), name="api-webhook-test"),
    path("webhooks/<int:pk>/rotate-secret", api.EndpointRotateSecretView.as_view(), name="api-webhook-rotate-secret"),
    path("webhooks/deliveries/<int:pk>/redeliver", api.DeliveryRedeliverView.as_view(), name="api-webhook-redeliver"),
]
