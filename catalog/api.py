"""Catalog REST API: public reads of the model catalog."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.users_api import SignedInNotByKey
from catalog.availability import availability_map
from catalog.models import AIModel, Favorite
from catalog.selectors import (
    ModelFilters,
    categories_with_counts,
    favorite_models,
    model_aliases,
    model_list,
    model_resolve,
    trending_models,
    visible_models,
)
from catalog.serializers import (
    AIModelDetailSerializer,
    AIModelSerializer,
    CategorySerializer,
    ModelListParams,
    spec_model,
)
from config.api.exceptions import ApiError
from config.api.pagination import page_serializer, pagination_block
from config.api.renderers import WithMessage
from config.api.schema import errors


class CatalogView(APIView):
    permission_classes = [AllowAny]

    def listed(self, request: Request, models: list[AIModel]) -> list[dict]:
        """Serialized models with their availability for the caller, looked up once for the whole list."""
        context = {"request": request, "availability": availability_map(models, user=request.user)}
        return AIModelSerializer(models, many=True, context=context).data


class ModelListView(CatalogView):
    """GET /api/models: filter, sort and page through the catalog."""

    @extend_schema(
        tags=["models"],
        operation_id="models_list",
        parameters=[ModelListParams],
        responses=page_serializer("ModelPage", AIModelSerializer(many=True)),
    )
    def get(self, request: Request) -> Response:
        params = ModelListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        page, limit = params.validated_data["page"], params.validated_data["limit"]
        qs = model_list(params.filters())
        total = qs.count()
        items = list(qs[(page - 1) * limit : page * limit])
        return Response({"items": self.listed(request, items), "pagination": pagination_block(page, limit, total)})


@extend_schema(tags=["models"], responses=AIModelDetailSerializer)
class ModelDetailView(CatalogView):
    """GET /api/models/{id}: by numeric id or by slug ("openai/gpt-4o-mini")."""

    def get(self, request: Request, key: str) -> Response:
        model = model_resolve(key)
        if model is None or not visible_models().filter(pk=model.pk).exists():
            raise Http404
        return Response(AIModelDetailSerializer(model, context={"request": request}).data)


@extend_schema(
    tags=["models"],
    responses=inline_serializer("CategoryList", fields={"categories": CategorySerializer(many=True)}),
)
class CategoryListView(CatalogView):
    def get(self, request: Request) -> Response:
        return Response({"categories": CategorySerializer(categories_with_counts(), many=True).data})


@extend_schema(tags=["models"], responses=inline_serializer("Trending", fields={"items": AIModelSerializer(many=True)}))
class TrendingView(CatalogView):
    """The models most used in the last 7 days (featured ones until there is usage)."""

    def get(self, request: Request) -> Response:
        return Response({"items": self.listed(request, trending_models())})


@extend_schema(tags=["ai"])
class AIModelsView(CatalogView):
    """GET /api/v1/ai/models in the product spec's shape, with the short names the API accepts: a provider's
    name means its default chat model, a bare upstream id the one model that has it."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        aliases = model_aliases()
        by_slug: dict[str, list[str]] = {}
        for alias, slug in aliases.items():
            by_slug.setdefault(slug, []).append(alias)
        models = [spec_model(m, by_slug.get(m.slug)) for m in model_list(ModelFilters())]
        return Response({"models": models, "aliases": aliases})


# --- /api/users/favorites: the signed-in user's favourite models (a session or a JWT, not an API key) ---


class FavoriteBody(serializers.Serializer):
    model = serializers.CharField(max_length=200, help_text='A slug, id or short name ("minimax", "gpt-4o-mini").')


def _visible_model(name: str) -> AIModel:
    model = model_resolve(name)
    if model is None or not visible_models().filter(pk=model.pk).exists():
        raise ApiError("NOT_FOUND", f"The model '{name}' does not exist.", {"model": ["Not found."]})
    return model


class FavoriteListView(CatalogView):
    """GET lists the caller's favourites, newest first; POST `{"model": ...}` adds one (201, or 200 when
    it was already there)."""

    permission_classes = [IsAuthenticated, SignedInNotByKey]

    @extend_schema(
        tags=["users"], responses=inline_serializer("FavoriteList", fields={"favorites": AIModelSerializer(many=True)})
    )
    def get(self, request: Request) -> Response:
        return Response({"favorites": self.listed(request, list(favorite_models(request.user)))})

    @extend_schema(tags=["users"], request=FavoriteBody, responses={200: dict, 201: dict, **errors(404)})
    def post(self, request: Request) -> Response:
        body = FavoriteBody(data=request.data)
        body.is_valid(raise_exception=True)
        model = _visible_model(body.validated_data["model"])
        _, created = Favorite.objects.get_or_create(user=request.user, model=model)
        data = WithMessage({"model": self.listed(request, [model])[0]}, "Added to favorites.")
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FavoriteDetailView(CatalogView):
    """DELETE removes a favourite; a model that is not one of the caller's favourites is a 404."""

    permission_classes = [IsAuthenticated, SignedInNotByKey]

    @extend_schema(tags=["users"], responses={200: None})
    def delete(self, request: Request, key: str) -> Response:
        model = model_resolve(key)
        deleted = Favorite.objects.filter(user=request.user, model=model).delete()[0] if model else 0
        if not deleted:
            raise ApiError("NOT_FOUND", f"'{key}' is not one of your favorites.")
        return Response(WithMessage(None, "Removed from favorites."))
