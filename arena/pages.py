"""The arena's pages: start a blind battle, watch the hidden models answer, vote, see who they were;
the leaderboard; the user's shortlist; replaying a past conversation or a set of prompts.

Starting or continuing a battle stores the turn under a token (prompts never travel in a URL); the battle
page opens one EventSource for it (arena.stream), like the playground's compare mode, and a reloaded page
reattaches to the answers still running.
"""

import secrets
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arena import selectors, services
from arena.models import (
    MAX_CONTESTANTS,
    MIN_CONTESTANTS,
    Battle,
    BattleSource,
    BattleStatus,
    PromptCategory,
    ShortlistEntry,
)
from arena.stream import turn_events
from catalog.models import AIModel
from config.api.exceptions import ApiError
from playground.doors.sse import EventStreamResponse
from playground.models import Conversation
from playground.pages import live

TURN_TTL = 600
_TURN_KEY = "arena-turn:{}"
_LATEST_KEY = "arena-turn-of:{}"  # battle id -> the token of its turn until its answers have ended
_STOP_KEY = "arena-stop:{}:{}"
_OWNER_KEY = "arena-turn-owner:{}"  # who may press Stop on the turn
MAX_REPLAY_PROMPTS = 20


def _get_battle_for_user(request: HttpRequest, pk: Any) -> Battle:
    battle = selectors.battle_for_user(request.user, pk)
    if battle is None:
        raise Http404("No such battle.")
    return battle


def _queue_turn(request: HttpRequest, pending: services.PendingTurn) -> None:
    token = secrets.token_urlsafe(18)
    payload = {
        **pending.as_dict(),
        "ip": request.META.get("REMOTE_ADDR") or None,
        "user_agent": request.headers.get("User-Agent", "")[:300],
    }
    cache.set(_TURN_KEY.format(token), payload, TURN_TTL)
    cache.set(_LATEST_KEY.format(pending.battle_id), token, TURN_TTL)
    cache.set(_OWNER_KEY.format(token), request.user.pk, TURN_TTL)


def _count(raw: str | None) -> int:
    try:
        return int(raw or MIN_CONTESTANTS)
    except ValueError:
        return 0  # refused by the service, with its message


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "arena/index.html",
        {
            "battles": selectors.recent_battles(request.user),
            "categories": PromptCategory.choices,
            "counts": range(MIN_CONTESTANTS, MAX_CONTESTANTS + 1),
            "sources": BattleSource.choices,
            "conversations": Conversation.objects.filter(owner=request.user).order_by("-updated_at")[:10],
            "shortlist_size": ShortlistEntry.objects.filter(user=request.user).count(),
        },
    )


@login_required
@require_POST
def battle_create(request: HttpRequest) -> HttpResponse:
    try:
        battle, pending = services.battle_start(
            user=request.user,
            prompt=request.POST.get("prompt", ""),
            count=_count(request.POST.get("count")),
            category=request.POST.get("category", ""),
            source=request.POST.get("source") or BattleSource.POOL,
        )
    except ApiError as exc:
        messages.error(request, exc.message)
        return redirect("arena:index")
    _queue_turn(request, pending)
    return redirect(battle)


@login_required
@require_GET
def battle_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    battle = _get_battle_for_user(request, pk)
    token = cache.get(_LATEST_KEY.format(battle.pk))
    # Twice the token's life: a stream opened at the last moment has had time to finish.
    stale = token is None and battle.status == BattleStatus.ANSWERING
    if stale and services.battle_expire_unstreamed(battle=battle, older_than_seconds=2 * TURN_TTL):
        battle.refresh_from_db()
    context = selectors.battle_view(battle)
    context["stream_url"] = reverse("arena:stream", args=[token]) if token else ""
    context["stop_url"] = reverse("arena:stop", args=[token]) if token else ""
    return render(request, "arena/battle.html", context)


@login_required
@require_POST
def battle_send(request: HttpRequest, pk: Any) -> HttpResponse:
    battle = _get_battle_for_user(request, pk)
    try:
        pending = services.battle_continue(battle=battle, prompt=request.POST.get("prompt", ""))
    except ApiError as exc:
        messages.error(request, exc.message)
        return redirect(battle)
    _queue_turn(request, pending)
    return redirect(battle)


@login_required
@require_POST
def battle_vote(request: HttpRequest, pk: Any) -> HttpResponse:
    battle = _get_battle_for_user(request, pk)
    ranking = [request.POST.get(f"rank_{i}", "") for i in range(1, battle.contestants.count() + 1)]
    try:
        services.vote_cast(battle=battle, user=request.user, choice=request.POST.get("choice", ""), ranking=ranking)
    except ApiError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(battle.get_absolute_url(), status=303)
    messages.success(request, "Thanks, your vote is in. Here is who answered.")
    return HttpResponseRedirect(battle.get_absolute_url() + "#reveal", status=303)


@login_required
@require_POST
def turn_stop(request: HttpRequest, token: str) -> HttpResponse:
    if cache.get(_OWNER_KEY.format(token)) != request.user.pk:
        return HttpResponse(status=404)
    cache.set(_STOP_KEY.format(token, request.POST.get("slot", "")), 1, TURN_TTL)
    return HttpResponse(status=204)


def _stop_check(token: str) -> Any:
    def for_slot(label: str) -> Any:
        async def stopped() -> bool:
            return await sync_to_async(cache.get)(_STOP_KEY.format(token, label)) is not None

        return stopped

    return for_slot


@require_GET
async def turn_stream(request: HttpRequest, token: str) -> HttpResponse:
    """The turn's events. The first request starts its answers, detached from the page; a reload reads
    them again from the start, a reconnecting EventSource from its Last-Event-ID."""
    user = await request.auser()
    pending = await cache.aget(_TURN_KEY.format(token))
    if not user.is_authenticated or pending is None or pending["user_id"] != user.pk:
        return HttpResponse("This turn is not yours or has expired.", status=404)
    latest = _LATEST_KEY.format(pending["battle_id"])

    async def ended() -> None:
        # The battle page renders the recorded answers from now on, and opens no stream.
        if await cache.aget(latest) == token:
            await cache.adelete(latest)

    await live.run_once(token, lambda: turn_events(user, pending, _stop_check(token)), ended)
    after = request.headers.get("Last-Event-ID", "")
    return EventStreamResponse(live.replay(token, after if live.EVENT_ID.fullmatch(after) else ""))


# --- Shortlist, leaderboard, replay --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def shortlist(request: HttpRequest) -> HttpResponse:
    usable = services.usable_chat_models()
    if request.method == "POST":
        chosen = set(request.POST.getlist("models"))
        services.shortlist_set(user=request.user, models=[m for m in usable if m.slug in chosen])
        messages.success(request, "Your shortlist is saved.")
        return redirect("arena:shortlist")
    mine = set(ShortlistEntry.objects.filter(user=request.user).values_list("model__slug", flat=True))
    return render(request, "arena/shortlist.html", {"models": usable, "mine": mine})


@login_required
@require_GET
def leaderboard_page(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", selectors.ALL)
    if category not in dict(selectors.categories()):
        category = selectors.ALL
    mine = request.GET.get("mine") == "1"
    unflagged = request.GET.get("exclude_flagged") == "1"
    board = selectors.leaderboard(
        user_id=request.user.pk if mine else None, category=category, exclude_flagged=unflagged
    )
    query = f"?category={category}" + ("&mine=1" if mine else "") + ("&exclude_flagged=1" if unflagged else "")
    return render(
        request,
        "arena/leaderboard.html",
        {
            "board": board,
            "matrix": selectors.matrix_rows(board),
            "categories": selectors.categories(),
            "category": category,
            "mine": mine,
            "unflagged": unflagged,
            "export_csv": reverse("arena-api-leaderboard-export", args=["csv"]) + query,
            "export_json": reverse("arena-api-leaderboard-export", args=["json"]) + query,
            "can_promote": request.user.has_perm("catalog.change_aimodel"),
        },
    )


@login_required
@require_POST
def replay(request: HttpRequest) -> HttpResponse:
    """A past conversation's prompts (or a set of prompts, one a line) replayed in a new battle: the first
    is sent now, the rest wait in the composer, one turn each."""
    include: AIModel | None = None
    replay_of = None
    if conversation_id := request.POST.get("conversation"):
        replay_of = Conversation.objects.filter(pk=conversation_id, owner=request.user).first()
        if replay_of is None:
            raise Http404("No such conversation.")
        prompts = selectors.conversation_prompts(replay_of)
        include = AIModel.objects.filter(slug__in=replay_of.models[:1]).first()
    else:
        prompts = [line.strip() for line in request.POST.get("prompts", "").splitlines() if line.strip()]
    if not prompts:
        messages.error(request, "There is no prompt to replay.")
        return redirect("arena:index")
    prompts = prompts[:MAX_REPLAY_PROMPTS]
    try:
        battle, pending = services.battle_start(
            user=request.user,
            prompt=prompts[0],
            count=_count(request.POST.get("count")),
            source=request.POST.get("source") or BattleSource.POOL,
            include=include if include is not None and include.is_usable else None,
            replay_of=replay_of,
            pending_prompts=prompts[1:],
        )
    except ApiError as exc:
        messages.error(request, exc.message)
        return redirect("arena:index")
    _queue_turn(request, pending)
    return redirect(battle)
