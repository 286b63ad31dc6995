"""`/api/v1/webhooks`: endpoints, their delivery log, tests, secret rotation and redelivery."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.exceptions import ApiError
from config.api.pagination import PagePagination
from config.api.renderers import WithMessage
from webhooks import services
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.permissions import WebhookScope
from webhooks.serializers import (
    DeliveryOutput,
    EndpointInput,
    EndpointOutput,
    EndpointUpdateInput,
    RotateInput,
)


def _endpoint_for(request: Request, pk: int) -> WebhookEndpoint:
    # Someone else's endpoint is a 404, not a 403: its existence is not ours to reveal.
    return get_object_or_404(WebhookEndpoint, pk=pk, user=request.user)


def _paginate(view: APIView, request: Request, queryset: QuerySet, serializer: type) -> Response:
    paginator = getattr(view, "pagination_class", PagePagination)()
    page = paginator.paginate_queryset(queryset, request, view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class WebhookApi(APIView):
    permission_classes = [IsAuthenticated, WebhookScope]


class EndpointListView(WebhookApi):
    pagination_class = PagePagination.named("webhooks")  # the product spec's list key

    @extend_schema(responses={200: EndpointOutput(many=True)})
    def get(self, request: Request) -> Response:
        return _paginate(self, request, WebhookEndpoint.objects.filter(user=request.user), EndpointOutput)

    @extend_schema(request=EndpointInput, responses={201: EndpointOutput})
    def post(self, request: Request) -> Response:
        serializer = EndpointInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            endpoint, secret = services.endpoint_create(user=request.user, **serializer.validated_data)
        except services.EndpointLimitReached as exc:
            raise ApiError("VALIDATION_ERROR", str(exc), {"webhooks": [str(exc)], "limit": exc.limit}) from None
        body = {"webhook": {**EndpointOutput(endpoint).data, "secret": secret}}
        return Response(WithMessage(body, "Webhook created; save the secret now, it is not shown again"), status=201)


class EndpointDetailView(WebhookApi):
    @extend_schema(responses={200: EndpointOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response({"webhook": EndpointOutput(_endpoint_for(request, pk)).data})

    @extend_schema(request=EndpointUpdateInput, responses={200: EndpointOutput})
    def put(self, request: Request, pk: int) -> Response:
        endpoint = _endpoint_for(request, pk)
        serializer = EndpointUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, **serializer.validated_data)
        return Response(WithMessage({"webhook": EndpointOutput(endpoint).data}, "Webhook updated successfully"))

    patch = put

    @extend_schema(responses={200: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.endpoint_delete(endpoint=_endpoint_for(request, pk))
        return Response(WithMessage(None, "Webhook deleted successfully"))


class EndpointDeliveriesView(WebhookApi):
    pagination_class = PagePagination

    @extend_schema(responses={200: DeliveryOutput(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        endpoint = _endpoint_for(request, pk)
        deliveries = endpoint.deliveries.select_related("message").prefetch_related("attempts")
        return _paginate(self, request, deliveries, DeliveryOutput)


class EndpointTestView(WebhookApi):
    @extend_schema(request=None, responses={202: DeliveryOutput})
    def post(self, request: Request, pk: int) -> Response:
        delivery = services.endpoint_send_test(endpoint=_endpoint_for(request, pk))
        return Response(WithMessage({"delivery": _delivery_data(delivery)}, "Test event sent"), status=202)


class EndpointRotateSecretView(WebhookApi):
    @extend_schema(request=RotateInput, responses={200: EndpointOutput})
    def post(self, request: Request, pk: int) -> Response:
        endpoint = _endpoint_for(request, pk)
        serializer = RotateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        secret = services.endpoint_rotate_secret(endpoint=endpoint, secret=serializer.validated_data.get("secret"))
        body = {
            "webhook": {**EndpointOutput(endpoint).data, "secret": secret},
            "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        }
        return Response(WithMessage(body, "Secret rotated; the previous one keeps signing for a grace period"))


class DeliveryRedeliverView(WebhookApi):
    @extend_schema(request=None, responses={202: DeliveryOutput})
    def post(self, request: Request, pk: int) -> Response:
        deliveries = Delivery.objects.select_related("endpoint", "message")
        delivery = get_object_or_404(deliveries, pk=pk, endpoint__user=request.user)
        new = services.delivery_redeliver(delivery=delivery)
        return Response(WithMessage({"delivery": _delivery_data(new)}, "Redelivery queued"), status=202)


def _delivery_data(delivery: Delivery) -> dict:
    # Re-read: in eager mode (tests, `make run` without a worker) the attempt has already happened.
    fresh = Delivery.objects.select_related("message").prefetch_related("attempts").get(pk=delivery.pk)
    return DeliveryOutput(fresh).data
