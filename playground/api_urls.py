"""`/api/v1/...`: REST generation (async views), usage and sessions (DRF)."""

from django.urls import path

from playground import ai_api, api

urlpatterns = [
    path("ai/chat", ai_api.chat, name="ai-chat"),
    path("ai/generate", ai_api.generate, name="ai-generate"),
    path("ai/stream", ai_api.stream, name="ai-stream"),
    path("ai/usage", api.AiUsageView.as_view(), name="ai-usage"),
    path("usage", api.GenerationListView.as_view(), name="usage-generations"),
    path("sessions", api.SessionListView.as_view(), name="sessions"),
    path("sessions/<uuid:session_id>", api.SessionDetailView.as_view(), name="session-detail"),
]
