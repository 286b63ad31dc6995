from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# (label, url name, who sees it). Pages that are not built yet are simply left out.
NAV = [
    ("Models", "catalog:discover", "all"),
    ("Playground", "playground:index", "user"),
    ("Arena", "arena:index", "user"),
    ("Dashboard", "usage:dashboard", "user"),
    ("Admin", "admin:index", "staff"),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _theme(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.theme
    return request.session.get("theme", "system") if hasattr(request, "session") else "system"


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    is_user = bool(user and user.is_authenticated)
    items = []
    for label, name, audience in NAV:
        if (audience == "user" and not is_user) or (audience == "staff" and not (is_user and user.is_staff)):
            continue
        url = _url(name)
        if url:
            items.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {
        "SITE_NAME": settings.SITE_NAME,
        "theme": _theme(request),
        "nav_items": items,
        "account_url": _url("accounts:settings") or _url("account_email"),
        "playground_url": _url("playground:index") or "/",
        "maintenance_banner": _banner(),
    }


def _banner() -> str:
    from usage.settings_store import get_setting

    return str(get_setting("maintenance_banner", "") or "")
