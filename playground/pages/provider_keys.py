"""The account settings page's "your own provider keys" card (accounts.hooks): calls to a provider use
the user's own key instead of the platform's (catalog.services), for the playground and the API alike.
Also the models a user may pick as the playground's default."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from catalog.models import AIModel, ModelKind, Provider, UserProviderKey
from catalog.services import user_provider_key_delete, user_provider_key_set

FORM = "provider_key"  # the card's form, among the settings page's


class ProviderKeyForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.filter(enabled=True).exclude(slug="demo"))
    api_key = forms.CharField(max_length=500, widget=forms.PasswordInput, label="Your key")


def provider_keys_card(request: HttpRequest) -> HttpResponse | str:
    posted = request.method == "POST" and request.POST.get("form") == FORM
    form = ProviderKeyForm(request.POST if posted else None)
    if posted and form.is_valid():
        provider = form.cleaned_data["provider"]
        user_provider_key_set(user=request.user, provider=provider, api_key=form.cleaned_data["api_key"])
        messages.success(request, f"Your {provider.name} key is saved, encrypted.")
        return redirect("accounts:settings")
    keys = UserProviderKey.objects.filter(user=request.user).select_related("provider")
    return render_to_string("playground/_provider_keys.html", {"key_form": form, "provider_keys": keys}, request)


@login_required
@require_POST
def provider_key_delete(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=provider_id)
    if user_provider_key_delete(user=request.user, provider=provider):
        messages.success(request, f"Your {provider.name} key is removed; the platform key is used again.")
    return redirect("accounts:settings")


def chat_model_choices() -> list[tuple[str, str]]:
    models = AIModel.objects.filter(is_active=True, kind=ModelKind.CHAT)
    return list(models.values_list("slug", "display_name"))
