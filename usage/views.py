"""Signed-in pages: the usage dashboard, API keys, and account settings."""

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.api_keys import api_key_create, api_key_revoke, api_key_usage_view
from accounts.models import ApiKey, ApiKeyScope, Theme
from catalog.models import AIModel, Favorite, Provider, UserProviderKey
from catalog.services import user_provider_key_delete, user_provider_key_set
from playground.models import Generation
from playground.turns import format_cost
from usage.selectors import quota_block, usage_summary


def _percent(used: float, limit: float | None) -> int | None:
    return None if not limit else min(100, round(100 * used / limit))


def _quota_bars(user: Any) -> list[dict[str, Any]]:
    quota = quota_block(user)
    bars = []
    for name in ("daily", "weekly", "monthly"):
        block = quota[name]
        bars.append(
            {"label": f"{name.capitalize()} requests", **block, "percent": _percent(block["used"], block["limit"])}
        )
    budget = quota["budget"]
    bars.append(
        {
            "label": "Monthly budget (USD)",
            "used": round(budget["used"], 4),
            "limit": budget["limit"],
            "percent": _percent(budget["used"], budget["limit"]),
        }
    )
    return bars


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    summary = usage_summary(user=request.user, start=None, end=None, model=None)
    recent = (
        Generation.objects.filter(user=request.user)
        .only("id", "model_slug", "status", "total_tokens", "cost", "created_at", "conversation_id", "endpoint")
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
        "bars": _quota_bars(request.user),
        "recent": [{"g": g, "cost": format_cost(g.cost)} for g in recent],
        "favorites": favorites,
        "chart_json": json.dumps(chart, cls=DjangoJSONEncoder),
    }
    return render(request, "usage/dashboard.html", context)


# --- API keys ----------------------------------------------------------------------------------


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(
        choices=ApiKeyScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiKeyScope.AI_READ, ApiKeyScope.AI_WRITE, ApiKeyScope.USAGE_READ],
    )
    expires_in = forms.TypedChoiceField(
        choices=[(30, "30 days"), (90, "90 days"), (365, "1 year"), (0, "Never")], coerce=int, initial=90
    )


@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, raw = api_key_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_in_days=form.cleaned_data["expires_in"] or None,
        )
        # Post/redirect/get: a reload must not create a second key. The full key rides in the
        # session for exactly one page view, then it is gone for good.
        request.session["new_api_key"] = raw
        return redirect("usage:api-keys")
    created_key = request.session.pop("new_api_key", None)
    keys = list(ApiKey.objects.filter(user=request.user, revoked_at__isnull=True).order_by("-created_at"))
    usage = api_key_usage_view(keys)
    rows = [{"key": k, **usage.get(k.pk, {})} for k in keys]
    return render(request, "usage/api_keys.html", {"form": form, "rows": rows, "created_key": created_key})


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk, user=request.user, revoked_at__isnull=True)
    api_key_revoke(key=key)
    messages.success(request, f"Key “{key.name}” revoked. Calls with it now get 401.")
    return redirect("usage:api-keys")


# --- Settings ----------------------------------------------------------------------------------


class PreferencesForm(forms.Form):
    theme = forms.ChoiceField(choices=Theme.choices)
    default_model = forms.ChoiceField(required=False)
    notify_email = forms.BooleanField(required=False, label="Email me about my account")
    notify_quota = forms.BooleanField(required=False, label="Warn me at 80% and 100% of a quota or budget")
    notify_jobs = forms.BooleanField(required=False, label="Tell me when video and batch jobs finish")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slugs = AIModel.objects.filter(is_active=True, kind="chat").values_list(
            "slug", "display_name"
        )
        self.fields["default_model"].choices = [("", "Platform default"), *slugs]


class ProviderKeyForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.filter(enabled=True).exclude(slug="demo"))
    api_key = forms.CharField(max_length=500, widget=forms.PasswordInput, label="Your key")


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    prefs = PreferencesForm(
        request.POST if request.POST.get("form") == "preferences" else None,
        initial={
            "theme": user.theme,
            "default_model": user.default_model,
            "notify_email": user.notifications.get("email", True),
            "notify_quota": user.notifications.get("quota_warnings", True),
            "notify_jobs": user.notifications.get("job_updates", True),
        },
    )
    key_form = ProviderKeyForm(request.POST if request.POST.get("form") == "provider_key" else None)
    if request.method == "POST" and request.POST.get("form") == "preferences" and prefs.is_valid():
        data = prefs.cleaned_data
        user.theme, user.default_model = data["theme"], data["default_model"]
        user.notifications = {
            **user.notifications,
            "email": data["notify_email"],
            "quota_warnings": data["notify_quota"],
            "job_updates": data["notify_jobs"],
        }
        user.save(update_fields=["theme", "default_model", "notifications", "updated_at"])
        messages.success(request, "Settings saved.")
        return redirect("usage:settings")
    if request.method == "POST" and request.POST.get("form") == "provider_key" and key_form.is_valid():
        user_provider_key_set(
            user=user, provider=key_form.cleaned_data["provider"], api_key=key_form.cleaned_data["api_key"]
        )
        messages.success(request, f"Your {key_form.cleaned_data['provider'].name} key is saved, encrypted.")
        return redirect("usage:settings")
    context = {
        "prefs": prefs,
        "key_form": key_form,
        "provider_keys": UserProviderKey.objects.filter(user=user).select_related("provider"),
        "favorites": Favorite.objects.filter(user=user).select_related("model"),
    }
    return render(request, "usage/settings.html", context)


@login_required
@require_POST
def provider_key_delete(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=provider_id)
    if user_provider_key_delete(user=request.user, provider=provider):
        messages.success(request, f"Your {provider.name} key is removed; the platform key is used again.")
    return redirect("usage:settings")


@login_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout

    from accounts.services import user_delete_account

    user = request.user
    if request.POST.get("confirm") != "DELETE" or (
        user.has_usable_password() and not user.check_password(request.POST.get("password", ""))
    ):
        messages.error(request, "Type DELETE and your current password to delete the account.")
        return redirect("usage:settings")
    user_delete_account(user=user)
    logout(request)
    messages.success(request, "Your account and personal data are deleted.")
    return redirect("home")


@login_required
@require_GET
def export_account(request: HttpRequest) -> HttpResponse:
    from accounts.services import user_export

    response = HttpResponse(
        json.dumps(user_export(user=request.user), cls=DjangoJSONEncoder, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="switchboard-export.json"'
    return response
