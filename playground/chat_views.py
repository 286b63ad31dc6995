"""The browser's door to the generation service: send a turn, stream its answers, stop a model.

Sending stores the turn under a one-time token (so prompts of any length never travel in a URL);
the page then opens one EventSource for the turn, which carries every model of the comparison.
"""

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url, retarget

from playground.ai_api import EventStreamResponse, batched_deltas, merge_model_events, metrics_event
from playground.doors import client_ip
from playground.forms import SendForm
from playground.models import Conversation
from playground.services import GenerationError, GenerationInput, Outcome, generation_stream
from playground.turns import Answer, Turn, history_for_model
from usage.models import Generation

logger = logging.getLogger(__name__)
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
    cache.set(
        _TURN_KEY.format(token),
        {
            "user_id": request.user.pk,
            "conversation_id": str(conversation.pk),
            "turn": turn_number,
            "models": form.models,
            "messages": {
                slug: [*history_for_model(conversation, slug, turn_number), {"role": "user", "content": prompt}]
                for slug in form.models
            },
            "params": form.api_params(),
            "ip": client_ip(request),
            "user_agent": request.headers.get("User-Agent", "")[:300],
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
        # Editing an earlier message replaces that turn and everything after it.
        Generation.objects.filter(conversation=conversation, turn__gte=edit_turn).delete()
        return edit_turn
    latest = conversation.generations.aggregate(latest=Max("turn"))["latest"]
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


def _input(user: Any, pending: dict[str, Any], slug: str) -> GenerationInput:
    params = pending["params"]
    return GenerationInput(
        user=user,
        model=slug,
        messages=pending["messages"][slug],
        door="playground",
        conversation_id=pending["conversation_id"],
        turn=pending["turn"],
        ip=pending["ip"],
        user_agent=pending["user_agent"],
        **{
            k: params.get(k)
            for k in ("max_tokens", "temperature", "top_p", "stop", "presence_penalty", "frequency_penalty", "seed")
        },
    )


async def _stopped(token: str, slug: str) -> bool:
    return await sync_to_async(cache.get)(_STOP_KEY.format(token, slug)) is not None


async def _answer(inp: GenerationInput, token: str, slug: str, queue: asyncio.Queue) -> Outcome | None:
    """One model of the turn; a Stop for this model closes its upstream call and records what arrived."""
    await queue.put({"type": "status", "model": slug, "status": "queued"})
    stream = None
    status = "done"
    try:
        stream = await generation_stream(inp)
        await queue.put({"type": "status", "model": slug, "status": "streaming"})
        # aclosing: after a Stop, and when this task is cancelled (the browser went away) at any
        # await, the upstream is closed and "cancelled" recorded now, not whenever the generator
        # happens to be garbage-collected.
        async with contextlib.aclosing(batched_deltas(stream.deltas())) as batches:
            async for text in batches:
                await queue.put({"type": "chunk", "model": slug, "content": text})
                if await _stopped(token, slug):
                    status = "cancelled"
                    break
    except GenerationError as exc:
        status = "error"
        await queue.put({"type": "error", "model": slug, "code": exc.code, "message": exc.message})
    except Exception:
        # Never leave a column hanging: an unexpected failure still ends this model's answer.
        logger.exception("playground answer failed", extra={"model": slug})
        status = "error"
        await queue.put({"type": "error", "model": slug, "code": "SERVER_ERROR", "message": "Something went wrong."})
    finally:
        outcome = stream.outcome if stream is not None else None
        if outcome is not None:
            event = metrics_event(outcome, slug)
            event.update(
                prompt_tokens=outcome.usage.prompt_tokens,
                completion_tokens=outcome.usage.completion_tokens,
                estimated=outcome.usage.estimated,
                finish_reason=outcome.finish_reason,
            )
            await queue.put(event)
        await queue.put({"type": "done", "model": slug, "status": status})
        await queue.put(None)
    return outcome


def _events(user: Any, token: str, pending: dict[str, Any], conversation_url: str) -> AsyncIterator[bytes]:
    def start(queue: asyncio.Queue) -> list[asyncio.Task]:
        return [
            asyncio.create_task(_answer(_input(user, pending, slug), token, slug, queue)) for slug in pending["models"]
        ]

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
    )
