"""The jobs door (DRF): `/api/v1/ai/video`, `/api/v1/ai/tasks...` and `/api/v1/ai/batch...`.

Thin views: they parse, call playground.jobs.video / playground.jobs.batch, and render. Someone
else's job is a 404, indistinguishable from a missing one.
"""

import json
from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http_status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import HasScope, key_id_of
from config.api.exceptions import ApiError
from config.api.pagination import PagePagination, paginated_schema
from config.api.renderers import WithMessage
from config.api.schema import errors
from config.money import money
from playground.jobs import batch as batches
from playground.jobs import video
from playground.models import BatchRun, VideoJob
from usage.admission import rate_headers
from usage.middleware import meters_itself


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ApiError("VALIDATION_ERROR", "The request body must be a JSON object.")
    return request.data


def video_job_data(job: VideoJob) -> dict[str, Any]:
    """The task as the API shows it; `status` is the job's own word, `provider_state` the provider's."""
    return {
        "id": str(job.pk),
        "task_id": str(job.pk),
        "type": "video",
        "model": job.model_slug,
        "status": job.status,
        "provider_state": job.provider_state,
        "provider_task_id": job.provider_task_id or None,
        "prompt": job.prompt,
        "duration": job.duration,
        "resolution": job.resolution,
        "video_url": reverse("jobs-task-file", args=[job.pk]) if job.file else None,
        "width": job.width,
        "height": job.height,
        "cost": money(job.cost),
        "error": job.error or None,
        "attempts": job.attempts,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@meters_itself
class VideoSubmitView(APIView):
    permission_classes = [HasScope("ai:write")]

    @extend_schema(operation_id="ai_video_create", request=dict, responses={202: dict, **errors(404)})
    def post(self, request: Request) -> Response:
        data = _body(request)
        inp = video.VideoInput(
            user=request.user,
            model=str(data.get("model") or ""),
            prompt=data.get("prompt"),
            duration=data.get("duration"),
            resolution=data.get("resolution"),
            first_frame_image=data.get("first_frame_image"),
            api_key_id=key_id_of(request),
        )
        job, admission = video.video_job_submit(inp=inp)
        body = WithMessage(video_job_data(job), "Video job queued.")
        return Response(body, status=http_status.HTTP_202_ACCEPTED, headers=rate_headers(admission))


def _own_job(request: Request, task_id: Any) -> VideoJob:
    return get_object_or_404(VideoJob, pk=task_id, user=request.user)


class TaskListView(APIView):
    permission_classes = [HasScope("ai:read")]
    pagination_class = PagePagination

    @extend_schema(
        operation_id="ai_tasks_list",
        responses={200: OpenApiResponse(response=paginated_schema({"type": "array", "items": {"type": "object"}}))},
        parameters=[OpenApiParameter("status", str, description="Only tasks with this status.")],
    )
    def get(self, request: Request) -> Response:
        queryset = VideoJob.objects.filter(user=request.user)
        if status := request.query_params.get("status"):
            queryset = queryset.filter(status=status)
        paginator = PagePagination()
        page = paginator.paginate_queryset(queryset, request, self)
        return paginator.get_paginated_response([video_job_data(job) for job in page])


class TaskDetailView(APIView):
    permission_classes = [HasScope("ai:read")]

    @extend_schema(operation_id="ai_tasks_retrieve", responses={200: dict})
    def get(self, request: Request, task_id: Any) -> Response:
        return Response(video_job_data(_own_job(request, task_id)))


class TaskCancelView(APIView):
    permission_classes = [HasScope("ai:write")]

    @extend_schema(operation_id="ai_tasks_cancel", request=None, responses={200: dict})
    def post(self, request: Request, task_id: Any) -> Response:
        job = _own_job(request, task_id)
        if not video.video_job_cancel(job=job):
            job.refresh_from_db()
            raise ApiError("VALIDATION_ERROR", f"The task has already finished ({job.status}).")
        job.refresh_from_db()
        return Response(WithMessage(video_job_data(job), "Task cancelled."))


class TaskFileView(APIView):
    """The finished clip, streamed to its owner only."""

    permission_classes = [HasScope("ai:read")]

    @extend_schema(operation_id="ai_tasks_file", responses={(200, "video/mp4"): bytes})
    def get(self, request: Request, task_id: Any) -> HttpResponse:
        return clip_response(_own_job(request, task_id))


def clip_response(job: VideoJob) -> FileResponse:
    if not job.file:
        raise Http404("The video is not ready.")
    response = FileResponse(job.file.open("rb"), content_type="video/mp4", filename=f"{job.pk}.mp4")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- batch -----------------------------------------------------------------------------------------


def batch_data(batch: BatchRun) -> dict[str, Any]:
    return {
        "id": str(batch.pk),
        "model": batch.model_slug,
        "kind": batch.kind,
        "status": batch.status,
        "parameters": batch.parameters,
        "progress": batches.batch_progress(batch),
        "cost": money(batch.cost),
        "results_url": reverse("jobs-batch-results", args=[batch.pk, "json"]),
        "results_jsonl_url": reverse("jobs-batch-results", args=[batch.pk, "jsonl"]),
        "created_at": batch.created_at.isoformat(),
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
    }


class BatchSubmitView(APIView):
    permission_classes = [HasScope("ai:write")]

    @extend_schema(operation_id="ai_batch_create", request=dict, responses={202: dict, **errors(404)})
    def post(self, request: Request) -> Response:
        data = _body(request)
        inp = batches.BatchInput(
            user=request.user,
            model=data.get("model"),
            prompts=data.get("prompts"),
            parameters=data.get("parameters"),
            api_key_id=key_id_of(request),
        )
        batch = batches.batch_submit(inp=inp)
        return Response(WithMessage(batch_data(batch), "Batch queued."), status=http_status.HTTP_202_ACCEPTED)


def _own_batch(request: Request, batch_id: Any) -> BatchRun:
    return get_object_or_404(BatchRun, pk=batch_id, user=request.user)


class BatchDetailView(APIView):
    permission_classes = [HasScope("ai:read")]

    @extend_schema(operation_id="ai_batch_retrieve", responses={200: dict})
    def get(self, request: Request, batch_id: Any) -> Response:
        return Response(batch_data(_own_batch(request, batch_id)))


class BatchResultsView(APIView):
    """`results.json` (one document) or `results.jsonl` (one item per line), as a download."""

    permission_classes = [HasScope("ai:read")]

    @extend_schema(operation_id="ai_batch_results", responses={(200, "application/json"): dict})
    def get(self, request: Request, batch_id: Any, fmt: str) -> HttpResponse:
        if fmt not in ("json", "jsonl"):
            raise Http404("Results are available as .json or .jsonl.")
        batch = _own_batch(request, batch_id)
        rows = batches.batch_results(batch)
        if fmt == "jsonl":
            body = "".join(json.dumps(row) + "\n" for row in rows)
            content_type = "application/x-ndjson"
        else:
            body = json.dumps({"batch": batch_data(batch), "results": rows}, indent=2)
            content_type = "application/json"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}.{fmt}"'
        return response
