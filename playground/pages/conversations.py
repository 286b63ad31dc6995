"""The playground's conversation pages: the page itself, history and search, sharing, export."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from catalog.models import AIModel, Favorite, ModelKind
from playground.generation import MAX_MODELS
from playground.models import Conversation, Preset
from playground.pages.markdown import highlight_css, render_markdown
from playground.pages.search import search_conversations
from playground.pages.turns import conversation_turns
from usage.ledger.export import generations_csv
from usage.models import Generation
from usage.settings_store import default_model


def _get_conversation_for_user(request: HttpRequest, pk: Any) -> Conversation:
    return get_object_or_404(Conversation, pk=pk, owner=request.user)


def _picker_models(request: HttpRequest) -> list[AIModel]:
    favorites = set(Favorite.objects.filter(user=request.user).values_list("model_id", flat=True))
    models = list(
        AIModel.objects.filter(is_active=True, provider__enabled=True, kind=ModelKind.CHAT)
        .exclude(status="deprecated")
        .select_related("provider")
        .order_by("display_name")
    )
    for model in models:
        model.is_favorite = model.pk in favorites
    return sorted(models, key=lambda m: (not m.is_favorite, m.display_name.lower()))


def _default_selection(request: HttpRequest, conversation: Conversation | None) -> list[str]:
    if conversation and conversation.models:
        return list(conversation.models)
    if wanted := request.GET.getlist("model"):
        return wanted[:MAX_MODELS]
    return [default_model(request.user)]


def _page(request: HttpRequest, conversation: Conversation | None) -> HttpResponse:
    recent = Conversation.objects.filter(owner=request.user).only("id", "title", "updated_at")[:15]
    params: dict[str, Any] = {"system_prompt": conversation.system_prompt if conversation else ""}
    context = {
        "conversation": conversation,
        "conversation_id": str(conversation.pk) if conversation else "",
        "turns": conversation_turns(conversation) if conversation else [],
        "recent": recent,
        "models": _picker_models(request),
        "selected": _default_selection(request, conversation),
        "presets": Preset.objects.visible_to(request.user),
        "params": params,
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
    return HttpResponse(f'<div class="md">{render_markdown(generation.content)}</div>')


@require_GET
def highlight_stylesheet(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(highlight_css(), content_type="text/css")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- History ---------------------------------------------------------------------------------


def _history_queryset(request: HttpRequest) -> QuerySet[Conversation]:
    query = request.GET.get("q", "").strip()
    base = Conversation.objects.filter(owner=request.user)
    return search_conversations(base, query) if query else base.order_by("-updated_at")


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    page = Paginator(_history_queryset(request).only("id", "title", "updated_at", "models", "total_cost"), 20)
    context = {"page": page.get_page(request.GET.get("page")), "q": request.GET.get("q", "")}
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
    if request.htmx:
        return render(request, "playground/history.html#row", {"c": conversation})
    return redirect(conversation.get_absolute_url())


@login_required
@require_POST
def delete(request: HttpRequest, pk: Any) -> HttpResponse:
    conversation = _get_conversation_for_user(request, pk)
    conversation.delete()
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
        rows = conversation.generations.order_by("turn", "created_at")
        return generations_csv(rows, filename=f"{name}.csv")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
