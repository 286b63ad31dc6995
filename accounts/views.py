"""The account's pages: home, the theme toggle, settings, API keys, export and deletion."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import hooks
from accounts.api_keys import api_key_create, api_key_revoke, api_key_usage_view
from accounts.exports import account_export_start
from accounts.models import AccountExport, ApiKey, ApiKeyScope, ExportStatus, Theme, default_api_key_scopes
from accounts.services import user_delete_account


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_POST
def set_theme(request: HttpRequest) -> HttpResponse:
    """The header's theme toggle: remembered on the account when signed in, in the session otherwise."""
    theme = request.POST.get("theme", "")
    if theme not in Theme.values:
        return HttpResponse(status=400)
    if request.user.is_authenticated:
        request.user.theme = theme
        request.user.save(update_fields=["theme", "updated_at"])
    request.session["theme"] = theme
    return HttpResponse(status=204)


# --- API keys ----------------------------------------------------------------------------------


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(
        choices=ApiKeyScope.choices, widget=forms.CheckboxSelectMultiple, initial=default_api_key_scopes
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
        return redirect("accounts:api-keys")
    created_key = request.session.pop("new_api_key", None)
    keys = list(ApiKey.objects.filter(user=request.user, revoked_at__isnull=True).order_by("-created_at"))
    usage = api_key_usage_view(keys)
    rows = [{"key": k, **usage.get(k.pk, {})} for k in keys]
    return render(request, "accounts/api_keys.html", {"form": form, "rows": rows, "created_key": created_key})


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk, user=request.user, revoked_at__isnull=True)
    api_key_revoke(key=key)
    messages.success(request, f"Key “{key.name}” revoked. Calls with it now get 401.")
    return redirect("accounts:api-keys")


# --- Settings ----------------------------------------------------------------------------------


class PreferencesForm(forms.Form):
    theme = forms.ChoiceField(choices=Theme.choices)
    default_model = forms.ChoiceField(required=False)
    notify_email = forms.BooleanField(required=False, label="Email me about my account")
    notify_quota = forms.BooleanField(required=False, label="Warn me at 80% and 100% of a quota or budget")
    notify_jobs = forms.BooleanField(required=False, label="Tell me when video and batch jobs finish")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_model"].choices = [("", "Platform default"), *hooks.default_model_choices()]


def _preferences(request: HttpRequest) -> PreferencesForm:
    user = request.user
    data = request.POST if request.POST.get("form") == "preferences" else None
    initial = {
        "theme": user.theme,
        "default_model": user.default_model,
        "notify_email": user.notifications.get("email", True),
        "notify_quota": user.notifications.get("quota_warnings", True),
        "notify_jobs": user.notifications.get("job_updates", True),
    }
    return PreferencesForm(data, initial=initial)


def _save_preferences(request: HttpRequest, data: dict[str, Any]) -> None:
    user = request.user
    user.theme, user.default_model = data["theme"], data["default_model"]
    user.notifications = {
        **user.notifications,
        "email": data["notify_email"],
        "quota_warnings": data["notify_quota"],
        "job_updates": data["notify_jobs"],
    }
    user.save(update_fields=["theme", "default_model", "notifications", "updated_at"])


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    prefs = _preferences(request)
    if request.method == "POST" and request.POST.get("form") == "preferences" and prefs.is_valid():
        _save_preferences(request, prefs.cleaned_data)
        messages.success(request, "Settings saved.")
        return redirect("accounts:settings")
    cards = []
    for card in hooks.settings_cards():
        result = card(request)
        if isinstance(result, HttpResponse):  # the card handled a POST of its own form
            return result
        cards.append(result)
    export = AccountExport.objects.filter(user=request.user).first()
    return render(request, "accounts/settings.html", {"prefs": prefs, "cards": cards, "export": export})


@login_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.POST.get("confirm") != "DELETE" or (
        user.has_usable_password() and not user.check_password(request.POST.get("password", ""))
    ):
        messages.error(request, "Type DELETE and your current password to delete the account.")
        return redirect("accounts:settings")
    user_delete_account(user=user)
    logout(request)
    messages.success(request, "Your account and personal data are deleted.")
    return redirect("accounts:home")


# --- Export: a background job; the settings page shows its progress and the download -------------


def _get_export_for_user(request: HttpRequest, pk: Any) -> AccountExport:
    return get_object_or_404(AccountExport, pk=pk, user=request.user)


@login_required
def export_account(request: HttpRequest) -> HttpResponse:
    """POST starts an export (or shows the one under way); GET goes to where its progress shows."""
    if request.method != "POST":
        return redirect("accounts:settings")
    export = account_export_start(user=request.user)
    if request.htmx:
        return render(request, "accounts/_export.html", {"export": export})
    messages.success(request, "Your export is being prepared: it appears below when it is ready.")
    return redirect("accounts:settings")


@login_required
@require_GET
def export_status(request: HttpRequest, pk: Any) -> HttpResponse:
    return render(request, "accounts/_export.html", {"export": _get_export_for_user(request, pk)})


@login_required
@require_GET
def export_download(request: HttpRequest, pk: Any) -> HttpResponse:
    export = _get_export_for_user(request, pk)
    if export.status != ExportStatus.READY or not export.file:
        raise Http404("This export is not ready.")
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"switchboard-export-{export.created_at:%Y%m%d}.jsonl.gz",
        content_type="application/gzip",
    )
