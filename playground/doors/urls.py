"""Every door's routes, one line each (included at the site's root)."""

from django.urls import path

from playground.doors import embeddings, images, jobs, openai, records, rest, sse

urlpatterns = [
    # Our REST API (`/api/v1/`), in the envelope.
    path("api/v1/ai/chat", rest.chat, name="ai-chat"),
    path("api/v1/ai/generate", rest.generate, name="ai-generate"),
    path("api/v1/ai/stream", sse.stream, name="ai-stream"),
    path("api/v1/ai/usage", records.AiUsageView.as_view(), name="ai-usage"),
    path("api/v1/usage", records.GenerationListView.as_view(), name="usage-generations"),
    path("api/v1/sessions", records.SessionListView.as_view(), name="sessions"),
    path("api/v1/sessions/<uuid:session_id>", records.SessionDetailView.as_view(), name="session-detail"),
    path("api/v1/ai/embeddings", embeddings.rest_embeddings, name="ai-embeddings"),
    path("api/v1/ai/images", images.rest_images, name="ai-images"),
    path("files/images/<str:token>", images.image_file, name="image-file"),
    path("api/v1/ai/video", jobs.VideoSubmitView.as_view(), name="jobs-video"),
    path("api/v1/ai/tasks", jobs.TaskListView.as_view(), name="jobs-tasks"),
    path("api/v1/ai/tasks/<uuid:task_id>", jobs.TaskDetailView.as_view(), name="jobs-task"),
    path("api/v1/ai/tasks/<uuid:task_id>/cancel", jobs.TaskCancelView.as_view(), name="jobs-task-cancel"),
    path("api/v1/ai/tasks/<uuid:task_id>/file", jobs.TaskFileView.as_view(), name="jobs-task-file"),
    path("api/v1/ai/batch", jobs.BatchSubmitView.as_view(), name="jobs-batch"),
    path("api/v1/ai/batch/<uuid:batch_id>", jobs.BatchDetailView.as_view(), name="jobs-batch-detail"),
    path(
        "api/v1/ai/batch/<uuid:batch_id>/results.<str:fmt>", jobs.BatchResultsView.as_view(), name="jobs-batch-results"
    ),
    # The OpenAI-compatible API (`/v1/`), in OpenAI's shapes, on config.gateway_handler.
    path("v1/chat/completions", openai.chat_completions, name="openai-chat-completions"),
    path("v1/completions", openai.completions, name="openai-completions"),
    path("v1/embeddings", embeddings.openai_embeddings, name="openai-embeddings"),
    path("v1/images/generations", images.openai_images, name="openai-images"),
    path("v1/models", openai.models, name="openai-models"),
    path("v1/models/<path:slug>", openai.model_detail, name="openai-model"),
]
