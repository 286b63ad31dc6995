"""The playground's composer: send a turn, stream its answers, stop a model; view code; presets.

Sending stores the turn under a token (so prompts of any length never travel in a URL); the page
then opens one EventSource for the turn, which carries every model of the comparison. The answers
run on the server until they end or Stop is pressed, whatever happens to the page
(playground.pages.live); a reloaded page or a reconnecting EventSource reads on from where it was.
"""

import re
import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, retarget

from catalog.availability import availability_map
from catalog.models import AIModel
from playground.doors.sse import EventStreamResponse
from playground.generation.inputs import origin_of
from playground.models import Conversation, Preset
from playground.pages import live, snippets
from playground.pages.conversations import cut_title, recent_conversations
from playground.pages.forms import ParamsForm, PresetForm, SendForm
from playground.pages.turns import history_for_model, streaming_turn
from playground.search import search_reindex
from usage.models import Door, Generation
from usage.settings_store import default_model

_TURN_KEY = "pg-turn:{}"
_EVENT_ID = re.compile(r"\d{1,20}(-\d{1,20})?")


@login_required
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    form = SendForm(request.POST)
    if not form.is_valid():
        errors = " ".join(e for field_errors in form.errors.values() for e in field_errors)
        response = HttpResponse(f'<p class="message error">{errors}</p>', status=200)
        return retarget(response, "#send-errors")
    if refused := _unavailable(request, form.models):
        return retarget(HttpResponse(f'<p class="message error">{escape(refused)}</p>'), "#send-errors")
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
        live.TURN_TTL,
    )
    live.mark_running(
        str(conversation.pk), {"token": token, "turn": turn_number, "prompt": prompt, "models": form.models}
    )
    turn = streaming_turn(number=turn_number, prompt=prompt, models=form.models, token=token)
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


def _unavailable(request: HttpRequest, slugs: list[str]) -> str:
    """Why one of the chosen models cannot answer for this user now ("" when all of them can)."""
    models = list(AIModel.objects.filter(slug__in=slugs).select_related("provider"))
    known = availability_map(models, user=request.user)
    for model in models:
        availability = known[model.pk]
        if not availability.available:
            return f"{model.display_name}: {availability.message}"
    return ""


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
    title = cut_title(form.cleaned_data["prompt"])
    conversation = Conversation.objects.create(
        owner=request.user, title=title, system_prompt=system, models=form.models
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
    return EventStreamResponse(live.replay(token, after if _EVENT_ID.fullmatch(after) else ""))


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
    # The address this page was served from, unless the site's public URL is configured.
    base = settings.SITE_URL_CONFIGURED or request.build_absolute_uri("/")
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
