"""Model discovery pages: the grid with filters, a model's page, and favorites."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from catalog.availability import availability_map, model_availability
from catalog.forms import DiscoverForm
from catalog.models import STATED_CAPABILITIES, AIModel, Capability, Favorite, ModelKind
from catalog.selectors import favorite_models, model_stats, models_qs, visible_models
from catalog.selectors import model_list as select_models

PAGE_SIZE = 24
# Where each kind of model is tried: (path, link text). The model's slug goes in ?model=.
TRY_IT = {
    ModelKind.CHAT: ("/playground/", "Open in playground"),
    ModelKind.EMBEDDING: ("/playground/embeddings", "Try in the embeddings playground"),
    ModelKind.IMAGE: ("/playground/images", "Generate images"),
    ModelKind.VIDEO: ("/playground/video/", "Generate a video"),
}
# Capabilities shown on a model's page, by kind: what a chat model's catalog entry states (all
# but the embeddings' dimensions) and streaming; an embedding model's dimensions.
SHOWN_CAPABILITIES = {
    ModelKind.CHAT: [*(c for c in STATED_CAPABILITIES if c != Capability.DIMENSIONS), Capability.STREAMING],
    ModelKind.EMBEDDING: [Capability.DIMENSIONS],
}


def try_it_url(model: AIModel) -> tuple[str, str]:
    path, label = TRY_IT[ModelKind(model.kind)]
    return f"{path}?model={quote(model.slug, safe='/:')}", label


def _get_model_for_user(request: HttpRequest, slug: str) -> AIModel:
    """A visible model; staff may also open hidden ones (to check them before turning them on)."""
    qs = models_qs() if request.user.is_staff else visible_models()
    model = qs.filter(slug=slug).first()
    if model is None:
        raise Http404("No such model.")
    return model


def _is_favorite(request: HttpRequest, model: AIModel) -> bool:
    return request.user.is_authenticated and Favorite.objects.filter(user=request.user, model=model).exists()


@require_GET
@vary_on_headers("HX-Request")
def discover(request: HttpRequest) -> HttpResponse:
    form = DiscoverForm(request.GET)
    models = select_models(form.filters(), user=request.user)
    page = Paginator(models, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    available = availability_map(page.object_list, user=request.user)
    for model in page.object_list:
        model.availability = available[model.pk]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "catalog/discover.html#results" if request.htmx else "catalog/discover.html"
    return render(request, template, context)


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    model = _get_model_for_user(request, slug)
    try_url, try_label = try_it_url(model)
    supported = model.supported_capabilities()
    context = {
        "model": model,
        "availability": model_availability(model, user=request.user),
        "try_url": try_url,
        "try_label": try_label,
        "capabilities": [(c.label, c in supported) for c in SHOWN_CAPABILITIES.get(model.kind, [])],
        "fallbacks": model.ordered_fallbacks(),
        "stats": model_stats(model),
        "is_favorite": _is_favorite(request, model),
    }
    return render(request, "catalog/detail.html", context)


@require_POST
def favorite_toggle(request: HttpRequest, slug: str) -> HttpResponse:
    login = f"{reverse('account_login')}?next={reverse('catalog:detail', args=[slug])}"
    if not request.user.is_authenticated:
        return HttpResponseClientRedirect(login) if request.htmx else redirect(login)
    model = _get_model_for_user(request, slug)
    deleted, _ = Favorite.objects.filter(user=request.user, model=model).delete()
    if not deleted:
        Favorite.objects.get_or_create(user=request.user, model=model)
    if request.htmx:
        return render(request, "catalog/_favorite.html", {"model": model, "is_favorite": not deleted})
    return redirect("catalog:detail", slug=model.slug)


@login_required
@require_GET
def favorites(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/favorites.html", {"models": favorite_models(request.user)})
