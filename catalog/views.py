"""Model discovery pages: the grid with filters, a model's page, and favorites."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from catalog.forms import DiscoverForm
from catalog.models import AIModel, Favorite
from catalog.selectors import favorite_models, model_stats, models_qs, visible_models
from catalog.selectors import model_list as select_models

PAGE_SIZE = 24


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
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "catalog/discover.html#results" if request.htmx else "catalog/discover.html"
    return render(request, template, context)


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    model = _get_model_for_user(request, slug)
    context = {
        "model": model,
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
