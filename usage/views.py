"""The usage dashboard: quota bars, spend and requests over time, recent generations."""

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.models import AIModel, ModelKind
from config.money import dollars
from usage import limits
from usage.models import Door, Generation
from usage.selectors import UserUsage, quota_block, quota_days, summary_days, usage_summary

KIND_LABELS = {ModelKind.CHAT: "Chat", ModelKind.EMBEDDING: "Embeddings", ModelKind.IMAGE: "Images",
               ModelKind.VIDEO: "Video", "other": "Removed models"}  # fmt: skip


def _percent(used: float, limit: float | None) -> int | None:
    return None if not limit else min(100, round(100 * used / limit))


def _quota_bars(user: Any, usage: UserUsage) -> list[dict[str, Any]]:
    quota = quota_block(user, usage)
    bars = []
    for name in (q.name for q in limits.QUOTAS):
        block = quota[name]
        bars.append(
            {"label": f"{name.capitalize()} requests", **block, "percent": _percent(block["used"], block["limit"])}
        )
    budget = quota["budget"]
    used, limit = (None if v is None else float(v) for v in (budget["used"], budget["limit"]))
    bars.append(
        {
            "label": "Monthly budget (USD)",
            "used": budget["used"],
            "limit": budget["limit"],
            "percent": _percent(used or 0, limit),
        }
    )
    return bars


def _doors(by_door: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Spend by the door calls came in through, dearest first, named as the ledger names them."""
    labels = dict(Door.choices)
    rows = [{"door": labels.get(door, door), **f, "dollars": dollars(f["cost"])} for door, f in by_door.items()]
    return sorted(rows, key=lambda row: (-float(row["cost"]), row["door"]))


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    # The chart's 30 days and the quota's windows, read once (closed days from the rollups, the open
    # ones from the ledger) and summed for each block.
    (first, last), (quota_first, quota_last) = summary_days(), quota_days(limits.now())
    usage = UserUsage.read(user_id=request.user.pk, first=min(first, quota_first), last=max(last, quota_last))
    summary = usage_summary(user=request.user, start=None, end=None, model=None, usage=usage)
    recent = (
        Generation.objects.filter(user=request.user)
        .only("id", "model_slug", "status", "total_tokens", "cost", "created_at", "conversation_id", "door")
        .order_by("-created_at")[:10]
    )
    favorites = (
        AIModel.objects.filter(favorited_by__user=request.user).select_related("provider").order_by("display_name")
    )
    chart = {
        "days": [d["date"] for d in summary["by_date"]],
        "requests": [d["requests"] for d in summary["by_date"]],
        "tokens": [d["tokens"] for d in summary["by_date"]],
        "cost": [d["cost"] for d in summary["by_date"]],
        "models": list(summary["by_model"]),
        "model_cost": [m["cost"] for m in summary["by_model"].values()],
    }
    context = {
        "summary": summary,
        "kinds": [
            {"label": KIND_LABELS.get(kind, kind.capitalize()), **figures}
            for kind, figures in summary["by_kind"].items()
        ],
        "bars": _quota_bars(request.user, usage),
        "recent": [{"g": g, "cost": dollars(g.cost)} for g in recent],
        "doors": _doors(summary["by_door"]),
        "favorites": favorites,
        "chart_json": json.dumps(chart, cls=DjangoJSONEncoder),
    }
    return render(request, "usage/dashboard.html", context)
