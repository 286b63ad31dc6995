"""`/api/v1/ai/...` background jobs: video tasks and batch runs."""

from django.urls import path

from playground import jobs_api

urlpatterns = [
    path("ai/video", jobs_api.VideoSubmitView.as_view(), name="jobs-video"),
    path("ai/tasks", jobs_api.TaskListView.as_view(), name="jobs-tasks"),
    path("ai/tasks/<uuid:task_id>", jobs_api.TaskDetailView.as_view(), name="jobs-task"),
    path("ai/tasks/<uuid:task_id>/cancel", jobs_api.TaskCancelView.as_view(), name="jobs-task-cancel"),
    path("ai/tasks/<uuid:task_id>/file", jobs_api.TaskFileView.as_view(), name="jobs-task-file"),
    path("ai/batch", jobs_api.BatchSubmitView.as_view(), name="jobs-batch"),
    path("ai/batch/<uuid:batch_id>", jobs_api.BatchDetailView.as_view(), name="jobs-batch-detail"),
    path(
        "ai/batch/<uuid:batch_id>/results.<str:fmt>",
        jobs_api.BatchResultsView.as_view(),
        name="jobs-batch-results",
    ),
]
