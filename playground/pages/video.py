"""The playground's Video tab: submit a prompt, watch the job's progress, play the finished clip.

Progress is an htmx partial that polls itself (`hx-trigger="every 2s"`) while the job is open; the
partial for a final state carries no trigger, so the polling stops by itself.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from catalog.models import AIModel, ModelKind
from config.api.exceptions import ApiError
from playground.doors.jobs import clip_response
from playground.jobs import video as jobs
from playground.models import VideoJob
from usage.models import Door

POLL_EVERY = "every 2s"


def _get_job_for_user(request: HttpRequest, pk: Any) -> VideoJob:
    return get_object_or_404(VideoJob, pk=pk, user=request.user)


def _video_models() -> list[AIModel]:
    return list(
        AIModel.objects.filter(is_active=True, provider__enabled=True, kind=ModelKind.VIDEO)
        .exclude(status="deprecated")
        .select_related("provider")
        .order_by("display_name")
    )


def _page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "models": _video_models(),
        "jobs": VideoJob.objects.filter(user=request.user)[:10],
        "durations": jobs.DURATIONS,
        "resolutions": jobs.RESOLUTIONS,
        "error": error,
        "poll_every": POLL_EVERY,
    }
    return render(request, "playground/video.html", context, status=status)


@login_required
@require_GET
def video(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def video_submit(request: HttpRequest) -> HttpResponse:
    inp = jobs.VideoInput(
        user=request.user,
        model=request.POST.get("model", ""),
        prompt=request.POST.get("prompt", ""),
        duration=request.POST.get("duration") or None,
        resolution=request.POST.get("resolution") or None,
        first_frame_image=request.POST.get("first_frame_image") or None,
        door=Door.PLAYGROUND,
    )
    try:
        job, _ = jobs.video_job_submit(inp=inp)
    except ApiError as exc:
        if request.htmx:
            return render(request, "playground/video.html#form-error", {"error": exc.message}, status=400)
        return _page(request, error=exc.message, status=400)
    if request.htmx:
        return render(request, "playground/video.html#submitted", {"job": job, "poll_every": POLL_EVERY})
    return redirect("playground:video")


@login_required
@require_GET
@vary_on_headers("HX-Request")
def video_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    return render(request, "playground/video.html#job", {"job": job, "poll_every": POLL_EVERY})


@login_required
@require_POST
def video_cancel(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    jobs.video_job_cancel(job=job)
    job.refresh_from_db()
    if request.htmx:
        return render(request, "playground/video.html#job", {"job": job, "poll_every": POLL_EVERY})
    return redirect("playground:video")


@login_required
@require_GET
def video_file(request: HttpRequest, pk: Any) -> HttpResponse:
    """The clip, streamed to its owner only (media files are not served publicly)."""
    return clip_response(_get_job_for_user(request, pk))
