"""The playground's composer: send a turn, stream its answers, stop a model; view code; presets.

Sending stores the turn under a token (so prompts of any length never travel in a URL); the page
then opens one EventSource for the turn, which carries every model of the comparison. The answers
run on the server until they end or Stop is pressed, whatever happens to the page
(playground.pages.live); a reloaded page or a reconnecting EventSource reads on from where it was.
"""

import contextlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, reswap, retarget

from catalog.availability import availability_map
from catalog.models import AIModel
from playground.doors.sse import EventStreamResponse
from playground.generation.inputs import origin_of
from playground.media import image_for, ledger_messages, upstream_messages
from playground.models import Conversation, Preset
from playground.pages import live, snippets
from playground.pages.conversations import cut_title, recent_conversations
from playground.pages.forms import ParamsForm, PresetForm, SendForm, params_for_panel
from playground.pages.surface import (
    Surface,
    SurfaceError,
    read_response_format,
    read_surface,
    read_tools,
    refuse_lacking,
    surface_fields,
)
from playground.pages.turns import (
    conversation_turns,
    history_for_model,
    image_addresses,
    streaming_continuation,
    streaming_turn,
    tool_results,
)
from playground.search import search_reindex
from usage.models import Door, Generation
from usage.settings_store import default_model

_TURN_KEY = "pg-turn:{}"
MAX_TOOL_RESULT = 100000


@login_required
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    form = SendForm(request.POST)
    if not form.is_valid():
        errors = " ".join(e for field_errors in form.errors.values() for e in field_errors)
        response = HttpResponse(f'<p class="message error">{errors}</p>', status=200)
        return retarget(response, "#send-errors")
    try:
        surface = read_surface(request.POST, request.FILES)
    except SurfaceError as exc:
        return _field_error(exc.field_id, exc.message)
    chosen = list(AIModel.objects.filter(slug__in=form.models).select_related("provider"))
    existing = _existing_conversation(request, form)
    # Earlier images stay in the thread, so every model of a later turn must take images too.
    also = ["vision"] if existing is not None and _has_images(existing) else []
    if refused := _unavailable(request, chosen) or refuse_lacking(chosen, surface, also=also):
        return retarget(HttpResponse(f'<p class="message error">{escape(refused)}</p>'), "#send-errors")
    conversation, created = _conversation_for(request, form, existing, settings=form.api_params() | surface.options())
    turn_number = _next_turn(conversation, form.cleaned_data.get("edit_turn"))
    prompt = form.cleaned_data["prompt"]
    user_message = {"role": "user", "content": surface.content(prompt)}
    # Stored now (once, by content), so the turn shows its images at once; the upstream gets the data.
    images = image_addresses(ledger_messages([user_message], request.user)[0]["content"])
    token = _start_turn(
        request,
        conversation=conversation,
        turn=turn_number,
        prompt=prompt,
        messages={
            slug: [*upstream_messages(history_for_model(conversation, slug, turn_number), request.user), user_message]
            for slug in form.models
        },
        params=form.api_params() | surface.options(),
    )
    live.mark_running(
        str(conversation.pk),
        {"token": token, "turn": turn_number, "prompt": prompt, "models": form.models, "images": images},
    )
    turn = streaming_turn(number=turn_number, prompt=prompt, models=form.models, token=token, images=images)
    context = {"turn": turn, "conversation": conversation, "conversation_id": str(conversation.pk)}
    html = render_to_string("playground/_turn.html", context, request=request)
    if created:
        # The page learns its conversation at once: the address, the composer's hidden field, the
        # header and the sidebar all change with the first answer, so the next message follows on.
        oob = {**context, "oob": True, "recent": recent_conversations(request.user)}
        html += "".join(
            render_to_string(f"playground/index.html#{part}", oob, request=request)
            for part in ("conversation-field", "header", "sidebar")
        )
    response = HttpResponse(html)
    return push_url(response, conversation.get_absolute_url()) if created else response


def _start_turn(
    request: HttpRequest,
    *,
    conversation: Conversation,
    turn: int,
    messages: dict[str, list],
    params: dict,
    prompt: str = "",
) -> str:
    """Keep a turn's requests under a new token (its stream starts them); the token. `prompt` goes into
    the conversation's search with the answers when the turn ends."""
    token = secrets.token_urlsafe(18)
    origin = origin_of(request, user=request.user, door=Door.PLAYGROUND)
    pending = {
        "user_id": request.user.pk,
        "conversation_id": str(conversation.pk),
        "turn": turn,
        "prompt": prompt,
        "models": list(messages),
        "messages": messages,
        "params": params,
        "ip": origin.ip,
        "user_agent": origin.user_agent[:300],
    }
    cache.set(_TURN_KEY.format(token), pending, live.TURN_TTL)
    return token


def _field_error(field_id: str, message: str) -> HttpResponse:
    """The message next to its field (out of band) and under the composer."""
    note = (
        f'<p class="field-note is-error surface-error" id="{field_id}" role="alert" hx-swap-oob="true">'
        f"{escape(message)}</p>"
    )
    return retarget(HttpResponse(f'<p class="message error">{escape(message)}</p>{note}'), "#send-errors")


def _has_images(conversation: Conversation) -> bool:
    return any(turn.images for turn in conversation_turns(conversation))


def _unavailable(request: HttpRequest, models: list[AIModel]) -> str:
    """Why one of the chosen models cannot answer for this user now ("" when all of them can)."""
    known = availability_map(models, user=request.user)
    for model in models:
        availability = known[model.pk]
        if not availability.available:
            return f"{model.display_name}: {availability.message}"
    return ""


def _existing_conversation(request: HttpRequest, form: SendForm) -> Conversation | None:
    existing = form.cleaned_data.get("conversation")
    return Conversation.objects.filter(pk=existing, owner=request.user).first() if existing else None


def _conversation_for(
    request: HttpRequest, form: SendForm, existing: Conversation | None, *, settings: dict[str, Any]
) -> tuple[Conversation, bool]:
    """The conversation the turn goes to, holding the turn's models and settings: reopened, it shows them."""
    system = form.cleaned_data.get("system_prompt", "")
    if existing is not None:
        existing.models = form.models
        existing.system_prompt = system
        existing.settings = settings
        existing.save(update_fields=["models", "system_prompt", "settings", "updated_at"])
        return existing, False
    title = cut_title(form.cleaned_data["prompt"])
    conversation = Conversation.objects.create(
        owner=request.user, title=title, system_prompt=system, models=form.models, settings=settings
    )
    return conversation, True


def _next_turn(conversation: Conversation, edit_turn: int | None) -> int:
    """The new turn's number. Editing (or regenerating) a turn replaces it and every turn after it: the
    old answers leave the conversation (and its search) but stay in the ledger, since they were billed."""
    if edit_turn is not None:
        later = Generation.objects.filter(conversation=conversation, turn__gte=edit_turn, removed_at__isnull=True)
        later.update(removed_at=timezone.now())
        search_reindex(conversation.pk)
        return edit_turn
    latest = conversation.generations.filter(removed_at__isnull=True).aggregate(latest=Max("turn"))["latest"]
    return 0 if latest is None else latest + 1


@login_required
@require_POST
def tool_result(request: HttpRequest, pk: Any) -> HttpResponse:
    """Continue an answer that called tools: the user's results go back to the model as `tool`
    messages with the calls' ids, and its answer streams into the same turn."""
    generation = get_object_or_404(Generation, pk=pk, user=request.user, conversation__owner=request.user)
    calls = (generation.output or {}).get("tool_calls") or []
    ids, results = request.POST.getlist("tool_call_id"), request.POST.getlist("result")

    def refused(message: str) -> HttpResponse:  # shown under the result fields
        return reswap(retarget(HttpResponse(escape(message)), f"#result-error-{generation.pk}"), "innerHTML")

    if not calls or ids != [call["id"] for call in calls] or len(results) != len(ids):
        return refused("Give one result for each tool call of this answer.")
    if any(not r.strip() or len(r) > MAX_TOOL_RESULT for r in results):
        return refused(f"Write each tool's result (up to {MAX_TOOL_RESULT:,} characters).")
    if not cache.add(f"pg-tool-result:{generation.pk}", 1, live.TURN_TTL):
        return refused("These results were sent already.")
    slug = generation.requested_model or generation.model_slug
    messages = [
        *upstream_messages(generation.input_messages, request.user),
        {"role": "assistant", "content": generation.content or None, "tool_calls": calls},
        *({"role": "tool", "tool_call_id": i, "content": r} for i, r in zip(ids, results, strict=True)),
    ]
    token = _start_turn(
        request,
        conversation=generation.conversation,
        turn=generation.turn,
        messages={slug: messages},
        params=dict(generation.parameters or {}),
    )
    continuation = streaming_continuation(model=slug, results=tool_results(messages), token=token)
    return render(request, "playground/_continuation.html", {"c": continuation})


@login_required
@require_GET
def chat_image(request: HttpRequest, sha: str) -> HttpResponse:
    """An image the user sent in a chat message (only theirs)."""
    image = image_for(request.user, sha)
    if image is None:
        raise Http404("No such image.")
    response = FileResponse(image.file.open("rb"), content_type=image.media_type)
    response["Cache-Control"] = "private, max-age=86400, immutable"  # named by its content
    return response


@login_required
@require_POST
def stop(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one model of a running turn (`model`), or all of them."""
    pending = cache.get(_TURN_KEY.format(token))
    if pending is None or pending["user_id"] != request.user.pk:
        return HttpResponse("This turn is not yours or has ended.", status=404)
    live.request_stop(token, request.POST.get("model", ""))
    return HttpResponse(status=204)


@require_GET
async def stream(request: HttpRequest, token: str) -> HttpResponse:
    """The turn's events; the first request starts its answers, a reconnect resumes after Last-Event-ID."""
    user = await request.auser()
    pending = await cache.aget(_TURN_KEY.format(token))
    if not user.is_authenticated or pending is None or pending["user_id"] != user.pk:
        return HttpResponse("This turn is not yours or has expired.", status=404)
    await live.start_once(token, pending, user)
    after = request.headers.get("Last-Event-ID", "")
    return EventStreamResponse(live.replay(token, after if live.EVENT_ID.fullmatch(after) else ""))


# --- View code and presets ---------------------------------------------------------------------


@login_required
@require_GET
def view_code(request: HttpRequest) -> HttpResponse:
    form = ParamsForm(request.GET)
    form.is_valid()  # view-code shows what it can even for a half-filled form
    params = form.api_params()
    with contextlib.suppress(SurfaceError):  # a tool or schema not yet valid is explained on send
        params |= Surface(tools=read_tools(request.GET), response_format=read_response_format(request.GET)).options()
    models = request.GET.getlist("models") or [default_model(request.user)]
    msgs: list[dict[str, str]] = []
    if system := form.cleaned_data.get("system_prompt"):
        msgs.append({"role": "system", "content": system})
    msgs.append({"role": "user", "content": request.GET.get("prompt") or "Hello!"})
    # The address this page was served from, unless the site's public URL is configured.
    base = settings.SITE_URL_CONFIGURED or request.build_absolute_uri("/")
    code = snippets.all_snippets(base_url=base, model=models[0], messages=msgs, params=params)
    return render(request, "playground/_code.html", {"code": code, "model": models[0]})


@login_required
@require_POST
def preset_save(request: HttpRequest) -> HttpResponse:
    """Save the settings panel as a preset: the parameters, the system prompt, the tools and the answer format."""
    form = PresetForm(request.POST)
    if not form.is_valid():
        return HttpResponse(" ".join(e for errors in form.errors.values() for e in errors), status=200)
    try:
        surface = Surface(tools=read_tools(request.POST), response_format=read_response_format(request.POST))
    except SurfaceError as exc:
        return HttpResponse(f"Not saved: {exc.message}")
    Preset.objects.update_or_create(
        user=request.user,
        name=form.cleaned_data["preset_name"],
        defaults={"params": form.api_params_with_system() | surface.options()},
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
    """The panel's parameters (swapped in) and its tools and answer format (out of band) from a preset."""
    preset = Preset.objects.visible_to(request.user).filter(pk=request.GET.get("preset") or 0).first()
    saved = dict(preset.params) if preset else {}
    context = {"params": params_for_panel(saved), "surface": surface_fields(saved), "oob": True}
    html = render_to_string("playground/_params.html", context, request=request)
    html += render_to_string("playground/_surface.html", context, request=request)
    return HttpResponse(html)
