"""The playground's composer: send a turn, stream its answers, stop a model; view code; presets.

Sending stores the turn under a one-time token (so prompts of any length never travel in a URL);
the page then opens one EventSource for the turn, which carries every model of the comparison, on
the same runner as the API's event stream (playground.doors.sse).
"""

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, retarget

from playground.doors.sse import EventStreamResponse, merge_model_events, run_model
from playground.generation.inputs import Origin, origin_of, turn_input
from playground.models import Conversation, Preset
from playground.pages import snippets
from playground.pages.forms import ParamsForm, PresetForm, SendForm
from playground.pages.turns import Answer, Turn, history_for_model
from playground.search import search_reindex
from usage.models import Door, Generation
from usage.settings_store import default_model

TURN_TTL = 600
_TURN_KEY = "pg-turn:{}"
_STOP_KEY = "pg-stop:{}:{}"


@login_required
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    form = SendForm(request.POST)
    if not form.is_valid():
        errors = " ".join(e for field_errors in form.errors.values() for e in field_errors)
        response = HttpResponse(f'<p class="message error">{errors}</p>', status=200)
        return retarget(response, "#send-errors")
    conversation, created = _conversation_for(request, form)
    turn_number = _next_turn(conversation, form.cleaned_data.get("edit_turn"))
    prompt = form.cleaned_data["prompt"]
    token = secrets.token_urlsafe(18)
    origin = origin_of(request, user=request.user, door=Door.PLAYGROUND)
    cache.set(
        _TURN_KEY.format(token),
        {
            "user_id": request.user.pk,
            "conversation_id": str(conversation.pk),
            "turn": turn_number,
            "prompt": prompt,
            "models": form.models,
            "messages": {
                slug: [*history_for_model(conversation, slug, turn_number), {"role": "user", "content": prompt}]
                for slug in form.models
            },
            "params": form.api_params(),
            "ip": origin.ip,
            "user_agent": origin.user_agent[:300],
        },
        TURN_TTL,
    )
    turn = Turn(
        number=turn_number,
        prompt=prompt,
        answers=[Answer(model=slug, status="queued", status_label="queued") for slug in form.models],
        stream_url=reverse("playground:stream", args=[token]),
        stop_url=reverse("playground:stop", args=[token]),
    )
    response = render(request, "playground/_turn.html", {"turn": turn, "conversation_id": str(conversation.pk)})
    if created:
        response = push_url(response, conversation.get_absolute_url())
    return response


def _conversation_for(request: HttpRequest, form: SendForm) -> tuple[Conversation, bool]:
    system = form.cleaned_data.get("system_prompt", "")
    existing = form.cleaned_data.get("conversation")
    if existing:
        conversation = Conversation.objects.filter(pk=existing, owner=request.user).first()
        if conversation is not None:
            conversation.models = form.models
            conversation.system_prompt = system
            conversation.save(update_fields=["models", "system_prompt", "updated_at"])
            return conversation, False
    title = " ".join(form.cleaned_data["prompt"].split())[:80]
    conversation = Conversation.objects.create(
        owner=request.user, title=title, system_prompt=system, models=form.models
    )
    return conversation, True


def _next_turn(conversation: Conversation, edit_turn: int | None) -> int:
    if edit_turn is not None:
        # Editing an earlier message replaces that turn and everything after it: the old answers
        # leave the conversation but stay in the ledger, since they were billed.
        later = Generation.objects.filter(conversation=conversation, turn__gte=edit_turn, removed_at__isnull=True)
        later.update(removed_at=timezone.now())
        search_reindex(conversation.pk)  # the replaced turns' words leave the search too
        return edit_turn
    latest = conversation.generations.filter(removed_at__isnull=True).aggregate(latest=Max("turn"))["latest"]
    return 0 if latest is None else latest + 1


@login_required
@require_POST
def stop(request: HttpRequest, token: str) -> HttpResponse:
    model = request.POST.get("model", "")
    cache.set(_STOP_KEY.format(token, model), 1, TURN_TTL)
    return HttpResponse(status=204)


@require_GET
async def stream(request: HttpRequest, token: str) -> HttpResponse:
    user = await request.auser()
    pending = await sync_to_async(cache.get)(_TURN_KEY.format(token))
    if not user.is_authenticated or pending is None or pending["user_id"] != user.pk:
        return HttpResponse("This turn is not yours or has expired.", status=404)
    await sync_to_async(cache.delete)(_TURN_KEY.format(token))  # a turn is streamed once
    conversation_url = reverse("playground:conversation", args=[pending["conversation_id"]])
    return EventStreamResponse(_events(user, token, pending, conversation_url))


def _stop_check(token: str, slug: str) -> Callable[[], Awaitable[bool]]:
    """Whether the user pressed Stop on this model of this turn (asked between batches of deltas)."""

    async def stopped() -> bool:
        return await sync_to_async(cache.get)(_STOP_KEY.format(token, slug)) is not None

    return stopped


def _events(user: Any, token: str, pending: dict[str, Any], conversation_url: str) -> AsyncIterator[bytes]:
    origin = Origin(user=user, door=Door.PLAYGROUND, ip=pending["ip"], user_agent=pending["user_agent"])

    def start(queue: asyncio.Queue) -> list[asyncio.Task]:
        def answer(slug: str) -> Awaitable[object]:
            return run_model(turn_input(origin, pending, slug), slug, queue, _stop_check(token, slug))

        return [asyncio.create_task(answer(slug)) for slug in pending["models"]]

    # A browser that goes away (refresh, Stop all, closed tab) cancels every model; each records what
    # had arrived as a cancelled generation, so reopening the conversation shows it.
    return merge_model_events(
        start,
        session={
            "type": "session",
            "conversation_id": pending["conversation_id"],
            "conversation_url": conversation_url,
        },
        done={"type": "done"},
        conversation_id=pending["conversation_id"],
        prompt=pending.get("prompt", ""),
    )


# --- View code and presets ---------------------------------------------------------------------


@login_required
@require_GET
def view_code(request: HttpRequest) -> HttpResponse:
    form = ParamsForm(request.GET)
    form.is_valid()  # view-code shows what it can even for a half-filled form
    params = form.api_params()
    models = request.GET.getlist("models") or [default_model(request.user)]
    msgs: list[dict[str, str]] = []
    if system := form.cleaned_data.get("system_prompt"):
        msgs.append({"role": "system", "content": system})
    msgs.append({"role": "user", "content": request.GET.get("prompt") or "Hello!"})
    base = getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/")
    code = snippets.all_snippets(base_url=base, model=models[0], messages=msgs, params=params)
    return render(request, "playground/_code.html", {"code": code, "model": models[0]})


@login_required
@require_POST
def preset_save(request: HttpRequest) -> HttpResponse:
    form = PresetForm(request.POST)
    if not form.is_valid():
        return HttpResponse(" ".join(e for errors in form.errors.values() for e in errors), status=200)
    Preset.objects.update_or_create(
        user=request.user, name=form.cleaned_data["preset_name"], defaults={"params": form.api_params_with_system()}
    )
    return HttpResponse(f"Saved preset “{form.cleaned_data['preset_name']}”.")


@login_required
@require_POST
def preset_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Preset, pk=pk, user=request.user).delete()
    return HttpResponseClientRedirect(request.META.get("HTTP_REFERER") or "/playground/")


@login_required
@require_GET
def preset_apply(request: HttpRequest) -> HttpResponse:
    preset = Preset.objects.visible_to(request.user).filter(pk=request.GET.get("preset") or 0).first()
    params = dict(preset.params) if preset else {}
    if isinstance(params.get("stop"), list):
        params["stop"] = "\n".join(params["stop"])
    return render(request, "playground/_params.html", {"params": params})
