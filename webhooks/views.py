"""The webhooks page under /settings/webhooks/: list, create, edit, delivery log, test, redeliver."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from webhooks import services
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, WebhookEndpoint

DELIVERIES_PER_PAGE = 20
_NEW_SECRET = "webhooks_new_secret"


def _get_endpoint_for_user(request: HttpRequest, pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=pk, user=request.user)


def _show_secret_once(request: HttpRequest, endpoint: WebhookEndpoint, secret: str) -> None:
    # Kept in the session for exactly one page view, so the secret is not in a URL or the browser history.
    request.session[_NEW_SECRET] = {"id": endpoint.pk, "secret": secret}


def _deliveries_page(request: HttpRequest, endpoint: WebhookEndpoint) -> Page:
    deliveries = endpoint.deliveries.select_related("message").prefetch_related("attempts").order_by("-created_at")
    return Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None, initial={"events": ["ai.task.completed", "ai.task.failed"]})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(user=request.user, **form.cleaned_data)
        except services.EndpointLimitReached as exc:
            form.add_error(None, str(exc))
        else:
            _show_secret_once(request, endpoint, secret)
            messages.success(request, "Webhook endpoint created.")
            return redirect("webhooks:detail", pk=endpoint.pk)
    endpoints = WebhookEndpoint.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "webhooks/index.html", {"endpoints": endpoints, "form": form})


@login_required
@vary_on_headers("HX-Request")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for_user(request, pk)
    form = EndpointForm(request.POST or None, initial={"url": endpoint.url, "events": endpoint.events})
    if request.method == "POST" and form.is_valid():
        services.endpoint_update(endpoint=endpoint, **form.cleaned_data)
        messages.success(request, "Webhook endpoint saved.")
        return redirect("webhooks:detail", pk=endpoint.pk)
    new_secret = request.session.pop(_NEW_SECRET, None)
    context = {
        "endpoint": endpoint,
        "form": form,
        "deliveries": _deliveries_page(request, endpoint),
        "new_secret": new_secret["secret"] if new_secret and new_secret["id"] == endpoint.pk else None,
    }
    template = "webhooks/detail.html#deliveries" if request.htmx else "webhooks/detail.html"
    return render(request, template, context)


@login_required
@require_POST
def toggle(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for_user(request, pk)
    services.endpoint_update(endpoint=endpoint, active=not endpoint.active)
    if request.htmx:
        return render(request, "webhooks/detail.html#status", {"endpoint": endpoint})
    return redirect("webhooks:detail", pk=endpoint.pk)


@login_required
@require_POST
def send_test(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for_user(request, pk)
    services.endpoint_send_test(endpoint=endpoint)
    return _after_send(request, endpoint, "Test event sent.")


@login_required
@require_POST
def redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("endpoint"), pk=pk, endpoint__user=request.user)
    services.delivery_redeliver(delivery=delivery)
    return _after_send(request, delivery.endpoint, "Redelivery queued.")


def _after_send(request: HttpRequest, endpoint: WebhookEndpoint, note: str) -> HttpResponse:
    if request.htmx:
        context = {"endpoint": endpoint, "deliveries": _deliveries_page(request, endpoint), "note": note}
        return render(request, "webhooks/detail.html#deliveries", context)
    messages.success(request, note)
    return redirect("webhooks:detail", pk=endpoint.pk)


@login_required
@require_POST
def rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for_user(request, pk)
    secret = services.endpoint_rotate_secret(endpoint=endpoint)
    _show_secret_once(request, endpoint, secret)
    hours = settings.WEBHOOKS_SECRET_GRACE_HOURS
    messages.success(request, f"New secret created. The previous one keeps signing for {hours} hours as well.")
    return redirect("webhooks:detail", pk=endpoint.pk)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.endpoint_delete(endpoint=_get_endpoint_for_user(request, pk))
    messages.success(request, "Webhook endpoint deleted.")
    return redirect("webhooks:index")
