"""`/v1/...`: the OpenAI-compatible API."""

from django.urls import path

from playground import openai_api

urlpatterns = [
    path("chat/completions", openai_api.chat_completions, name="openai-chat-completions"),
    path("completions", openai_api.completions, name="openai-completions"),
    path("models", openai_api.models, name="openai-models"),
    path("models/<path:slug>", openai_api.model_detail, name="openai-model"),
]
