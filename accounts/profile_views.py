"""The public profile page (`/u/<username>`, opt-in), avatar files, and the settings page's profile form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from rest_framework import serializers

from accounts import avatars, services
from accounts.models import Status, User
from accounts.serializers import AvatarField, ProfileFieldsSerializer

SETTINGS_PAGE = "accounts:settings"
_LABELS = {
    "display_name": "Display name",
    "bio": "Bio",
    "website": "Website",
    "github": "GitHub",
    "twitter": "X (Twitter)",
    "avatar": "Avatar",
}


@require_GET
def public_profile(request: HttpRequest, username: str) -> HttpResponse:
    # Only what the person chose to show: no email, tier, usage or dates.
    person = get_object_or_404(User, username__iexact=username, public_profile=True, status=Status.ACTIVE)
    return render(request, "accounts/public_profile.html", {"person": person})


@require_GET
def avatar(request: HttpRequest, name: str) -> HttpResponse:
    data = avatars.avatar_file(name)
    if data is None:
        raise Http404("No such avatar.")
    response = HttpResponse(data, content_type="image/webp")
    # A new upload gets a new name, so a name's content never changes.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


class ProfileFormSerializer(ProfileFieldsSerializer):
    """The settings page's form: the API's profile rules, read as form data (an unticked box is False)."""

    avatar = AvatarField(required=False)
    remove_avatar = serializers.BooleanField(required=False)


@login_required
@require_POST
def profile_settings(request: HttpRequest) -> HttpResponse:
    data = request.POST.copy()
    data.pop("csrfmiddlewaretoken", None)
    data.update(request.FILES)
    form = ProfileFormSerializer(data=data)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{_LABELS.get(field, field)}: {' '.join(str(e) for e in errors)}")
        return redirect(reverse(SETTINGS_PAGE) + "#profile")
    profile = dict(form.validated_data)
    if profile.pop("remove_avatar", False) and "avatar" not in profile:
        profile["avatar"] = None
    services.user_update_profile(user=request.user, data={"profile": profile})
    messages.success(request, "Profile saved.")
    return redirect(reverse(SETTINGS_PAGE) + "#profile")
