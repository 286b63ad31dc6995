"""The playground's conversation pages: the page itself, history and search, sharing, export."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.exceptions import ValidationError

from catalog.availability import availability_map
from catalog.models import AIModel, Favorite, ModelKind
from config.api.pagination import decode_cursor, encode_cursor
from playground.generation import MAX_MODELS
from playground.models import Conversation, Preset
from playground.pages import live
from playground.pages.forms import params_for_panel
from playground.pages.markdown import highlight_css
from playground.pages.surface import surface_fields
from playground.pages.turns import Turn, answer_for, conversation_turns, streaming_turn
from playground.search import search_conversations, search_reindex
from usage.ledger.export import generations_csv
from usage.models import Generation
from usage.settings_store import default_model


def _get_conversation_for_user(request: HttpRequest, pk: Any) -> Conversation:
    return get_object_or_404(Conversation, pk=pk, owner=request.user)


@dataclass
class PickerGroup:
    key: str
    name: str
    models: list[AIModel]


def _picker_models(request: HttpRequest) -> list[AIModel]:
    """The chat models, each with its availability for this user (`model.availability`)."""
    models = list(
        AIModel.objects.filter(is_active=True, provider__enabled=True, kind=ModelKind.CHAT)
        .exclude(status="deprecated")
        .select_related("provider")
        .order_by("provider__name", "display_name")
    )
    available = availability_map(models, user=request.user)
    for model in models:
        model.availability = available[model.pk]
    return models


def _picker_groups(request: HttpRequest, models: list[AIModel]) -> list[PickerGroup]:
    """Favourites first, then one group per provider; within each, the models that answer now first."""
    favorites = set(Favorite.objects.filter(user=request.user).values_list("model_id", flat=True))
    groups = [PickerGroup("fav", "Favourites", [m for m in models if m.pk in favorites])]
    by_provider: dict[int, PickerGroup] = {}
    for model in models:
        group = by_provider.setdefault(model.provider_id, PickerGroup(model.provider.slug, model.provider.name, []))
        group.models.append(model)
    groups += by_provider.values()
    for group in groups:
        group.models.sort(key=lambda m: (not m.availability.available, m.display_name.lower()))
    return [g for g in groups if g.models]


def _default_selection(request: HttpRequest, conversation: Conversation | None, models: list[AIModel]) -> list[str]:
    """What the picker starts with: the conversation's models, the `?model=` ones, else the default,
    keeping only models this user can call now (the first that answers when none of them can)."""
    if conversation and conversation.models:
        wanted = list(conversation.models)
    else:
        wanted = request.GET.getlist("model") or [default_model(request.user)]
    usable = {m.slug for m in models if m.availability.available}
    chosen = [slug for slug in dict.fromkeys(wanted) if slug in usable][:MAX_MODELS]
    first = next((m.slug for m in models if m.availability.available), None)
    return chosen or ([first] if first else [])


def recent_conversations(user: Any) -> QuerySet[Conversation]:
    """The sidebar's list: the newest conversations first."""
    return Conversation.objects.filter(owner=user).only("id", "title", "updated_at")[:15]


def _turns_with_the_running_one(conversation: Conversation) -> list[Turn]:
    """The stored turns, and the one still being answered (read from its events, from the start)."""
    turns = conversation_turns(conversation)
    running = live.running_turn(str(conversation.pk))
    if running is None:
        return turns
    # Answers of the running turn that are already stored come back through its events as well.
    now = streaming_turn(
        number=running["turn"],
        prompt=running["prompt"],
        models=running["models"],
        token=running["token"],
        images=running.get("images"),
    )
    return [t for t in turns if t.number != now.number] + [now]


def _page(request: HttpRequest, conversation: Conversation | None) -> HttpResponse:
    recent = recent_conversations(request.user)
    models = _picker_models(request)
    by_slug = {m.slug: m for m in models}
    selected = _default_selection(request, conversation, models)
    saved = conversation.settings if conversation else {}
    params = params_for_panel(saved) | {"system_prompt": conversation.system_prompt if conversation else ""}
    context = {
        "conversation": conversation,
        "conversation_id": str(conversation.pk) if conversation else "",
        "turns": _turns_with_the_running_one(conversation) if conversation else [],
        "recent": recent,
        "groups": _picker_groups(request, models),
        "selected": selected,
        "chosen": [by_slug[slug] for slug in selected],
        "presets": Preset.objects.visible_to(request.user),
        "params": params,
        "surface": surface_fields(saved),
        "max_models": MAX_MODELS,
    }
    return render(request, "playground/index.html", context)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@login_required
@require_GET
def conversation_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    return _page(request, _get_conversation_for_user(request, pk))


@login_required
@require_GET
def render_generation(request: HttpRequest, pk: Any) -> HttpResponse:
    generation = get_object_or_404(Generation, pk=pk, user=request.user)
    return render(request, "playground/_answer_body.html", {"answer": answer_for(generation)})


@require_GET
def highlight_stylesheet(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(highlight_css(), content_type="text/css")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
@require_POST
def branch(request: HttpRequest, pk: Any) -> HttpResponse:
    """Continue from a turn in a new conversation: it starts with the turns up to that one, as text."""
    source = _get_conversation_for_user(request, pk)
    turns = conversation_turns(source)
    upto = _branch_point(turns, request.POST.get("turn", ""))
    if upto is None:
        return HttpResponse("No such turn in this conversation.", status=400)
    carried = [
        {"prompt": t.prompt, "answers": [{"model": a.model, "content": a.content} for a in t.answers]}
        for t in turns[: upto + 1]
    ]
    new = Conversation.objects.create(
        owner=request.user,
        title=cut_title(f"{source.title} (branch)"),
        system_prompt=source.system_prompt,
        models=source.models,
        settings=source.settings,
        carried_turns=carried,
    )
    return HttpResponseClientRedirect(new.get_absolute_url()) if request.htmx else redirect(new)


def _branch_point(turns: list[Turn], wanted: str) -> int | None:
    """The position of the turn named by `wanted`: a turn number, or "c<i>" for a carried turn."""
    own = [i for i, t in enumerate(turns) if not t.carried and str(t.number) == wanted]
    if own:
        return own[0]
    carried = [i for i, t in enumerate(turns) if t.carried]
    if wanted.startswith("c") and wanted[1:].isdigit() and int(wanted[1:]) < len(carried):
        return carried[int(wanted[1:])]
    return None


def cut_title(text: str, limit: int = 80) -> str:
    """A title of at most `limit` characters, cut at a word boundary."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1].rsplit(" ", 1)[0] if " " in words[: limit - 1] else words[: limit - 1]
    return cut.rstrip(" ,.;:-") + "…"


# --- History ---------------------------------------------------------------------------------


def _history_queryset(request: HttpRequest) -> QuerySet[Conversation]:
    query = request.GET.get("q", "").strip()
    base = Conversation.objects.filter(owner=request.user)
    return search_conversations(base, query) if query else base.order_by("-updated_at", "-pk")


HISTORY_PAGE = 20


def _history_after(rows: QuerySet[Conversation], cursor: str) -> tuple[list[Conversation], bool]:
    """The conversations after a cursor (keyset on updated_at, id), or the newest without one."""
    if not cursor:
        found = list(rows[: HISTORY_PAGE + 1])
        return found[:HISTORY_PAGE], len(found) > HISTORY_PAGE
    try:
        value, pk = decode_cursor(cursor)
        updated, pk = Conversation._meta.get_field("updated_at").to_python(value), UUID(pk)
    except (ValidationError, DjangoValidationError, ValueError):
        raise Http404("No such page.") from None
    older = rows.filter(updated_at__lte=updated).filter(Q(updated_at__lt=updated) | Q(updated_at=updated, pk__lt=pk))
    found = list(older[: HISTORY_PAGE + 1])
    return found[:HISTORY_PAGE], len(found) > HISTORY_PAGE


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    # Pages by position, never by number: counting a heavy user's conversations (or a common word's
    # matches) cost more than showing them.
    rows = _history_queryset(request).only("id", "title", "updated_at", "models", "total_cost")
    context: dict[str, Any] = {"q": request.GET.get("q", ""), "cursor": request.GET.get("cursor", "")}
    context["rows"], has_next = _history_after(rows, context["cursor"])
    last = context["rows"][-1] if context["rows"] else None
    context["next_cursor"] = encode_cursor(last.updated_at, last.pk) if has_next and last else ""
    template = "playground/history.html#results" if request.htmx else "playground/history.html"
    return render(request, template, context)


@login_required
@require_POST
def rename(request: HttpRequest, pk: Any) -> HttpResponse:
    conversation = _get_conversation_for_user(request, pk)
    title = request.POST.get("title", "").strip()[:200]
    if not title:
        return HttpResponse("A title is required.", status=400)
    conversation.title = title
    conversation.save(update_fields=["title", "updated_at"])
    search_reindex(conversation.pk)
    if request.htmx:
        return render(request, "playground/history.html#row", {"c": conversation})
    return redirect(conversation.get_absolute_url())


@login_required
@require_POST
def delete(request: HttpRequest, pk: Any) -> HttpResponse:
    conversation = _get_conversation_for_user(request, pk)
    conversation.remove()  # its generations stay in the ledger: they were billed
    if request.htmx:
        return HttpResponse("")
    messages.success(request, "Conversation deleted.")
    return redirect("playground:history")


# --- Sharing ---------------------------------------------------------------------------------


@login_required
def share(request: HttpRequest, pk: Any) -> HttpResponse:
    conversation = _get_conversation_for_user(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "share":
            conversation.share(show_cost=request.POST.get("show_cost") == "on")
        elif action == "revoke":
            conversation.unshare()
    url = request.build_absolute_uri(conversation.share_url) if conversation.share_id else ""
    return render(request, "playground/_share.html", {"conversation": conversation, "share_url": url})


@require_GET
def shared(request: HttpRequest, share_id: str) -> HttpResponse:
    conversation = Conversation.objects.filter(share_id=share_id).first()
    if conversation is None:
        raise Http404("This conversation is not shared.")
    turns = conversation_turns(conversation, show_cost=conversation.share_shows_cost, public=True)
    return render(request, "playground/shared.html", {"conversation": conversation, "turns": turns})


# --- Export ----------------------------------------------------------------------------------


def export_data(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.pk),
        "title": conversation.title,
        "system_prompt": conversation.system_prompt,
        "created_at": conversation.created_at.isoformat(),
        "turns": [
            {
                "prompt": turn.prompt,
                "answers": [
                    {"model": a.model, "status": a.status, "content": a.content, "metrics": a.metrics}
                    for a in turn.answers
                ],
            }
            for turn in conversation_turns(conversation)
        ],
    }


def export_markdown(conversation: Conversation) -> str:
    lines = [f"# {conversation.title or 'Conversation'}", ""]
    if conversation.system_prompt:
        lines += ["> System: " + conversation.system_prompt.replace("\n", "\n> "), ""]
    for turn in conversation_turns(conversation):
        lines += ["## You", "", turn.prompt, ""]
        for answer in turn.answers:
            lines += [
                f"## {answer.model}",
                "",
                answer.content or f"*({answer.status_label})*",
                "",
                f"*{answer.metrics}*",
                "",
            ]
    return "\n".join(lines)


@login_required
@require_GET
def export(request: HttpRequest, pk: Any, fmt: str) -> HttpResponse:
    conversation = _get_conversation_for_user(request, pk)
    name = slugify(conversation.title or "conversation")[:50] or "conversation"
    if fmt == "json":
        response = JsonResponse(export_data(conversation), json_dumps_params={"indent": 2, "ensure_ascii": False})
    elif fmt == "md":
        response = HttpResponse(export_markdown(conversation), content_type="text/markdown; charset=utf-8")
    elif fmt == "csv":
        rows = conversation.generations.filter(removed_at__isnull=True).order_by("turn", "created_at")
        return generations_csv(rows, filename=f"{name}.csv")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
