from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.models import Theme


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
