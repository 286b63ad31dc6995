"""An OpenAPI schema that says what the API really answers (drf-spectacular postprocessing hook).

drf-spectacular describes each DRF view's serializer; what every view then goes through is said here
once, not per view:

- every JSON success is wrapped in the envelope (`success`, `data`, `message`, `timestamp`);
- every operation lists the errors it can give, in the envelope's error shape (see `error_statuses`);
- the doors that are plain async Django views (the generation doors, `/v1`) are described by hand in
  `DOOR_DESCRIPTIONS` modules: each holds `OPERATIONS = {url_name: {method: operation}}` and is
  added here by its route, so describing a new door is one entry next to the others.
"""

import importlib
import re
import threading
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularAPIView

from config.api.envelope import ERROR_STATUS

# Modules holding hand-written operations for views outside DRF.
DOOR_DESCRIPTIONS = ("playground.doors.openapi",)

ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
TIMESTAMP = {"type": "string", "format": "date-time"}
REASONS = {
    400: "The request is invalid (a field, a query parameter or the body); `error.details` names the fields.",
    401: "No credentials, or credentials that are invalid, expired or revoked.",
    403: "Authenticated, but not allowed: a missing API-key scope or a role the operation needs.",
    404: "No such object, or it belongs to someone else.",
    413: "The request body is larger than the server accepts.",
    429: "A rate limit or a usage quota is exhausted; `Retry-After` says when to try again.",
    502: "The model's provider failed or answered with an error.",
    503: "A service the API depends on (Redis) is unavailable; `Retry-After` says when to try again.",
    504: "The model's provider did not answer in time.",
}

COMPONENTS: dict[str, Any] = {
    "ErrorEnvelope": {
        "type": "object",
        "description": "Every error of the REST API.",
        "required": ["success", "error", "timestamp"],
        "properties": {
            "success": {"type": "boolean", "enum": [False]},
            "error": {
                "type": "object",
                "required": ["message", "code", "details"],
                "properties": {
                    "message": {"type": "string"},
                    "code": {"type": "string", "enum": sorted(ERROR_STATUS)},
                    "details": {"description": "The fields at fault, or other facts about the error."},
                },
            },
            "timestamp": TIMESTAMP,
        },
    },
    # By page (`page`, `total`, `pages`, `has_prev`) or, with `?cursor=`, by position (`cursor`, `next_cursor`).
    "Pagination": {
        "type": "object",
        "required": ["limit", "has_next"],
        "properties": {
            **{k: {"type": "integer", "minimum": 0} for k in ("page", "limit", "total", "pages")},
            **{k: {"type": "boolean"} for k in ("has_next", "has_prev")},
            "cursor": {"type": "string"},
            "next_cursor": {"type": "string", "nullable": True},
        },
    },
}


def envelope(data: dict[str, Any] | None) -> dict[str, Any]:
    """The success envelope around `data`'s schema."""
    return {
        "type": "object",
        "required": ["success", "data", "timestamp"],
        "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "data": data if data is not None else {"nullable": True},
            "message": {"type": "string"},
            "timestamp": TIMESTAMP,
        },
    }


def error_response(status: int, ref: dict[str, Any] = ERROR_REF) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": REASONS.get(status, "Error."),
        "content": {"application/json": {"schema": ref}},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    return response


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Errors a DRF view gives beyond what `error_statuses` infers, for `extend_schema(responses=...)`:
    `responses={200: UserSerializer, **errors(401)}`; the hook gives them the envelope's error shape."""
    return {status: OpenApiResponse(description=REASONS.get(status, "Error.")) for status in statuses}


def error_statuses(path: str, operation: dict[str, Any]) -> list[int]:
    """The errors an operation can give, from what it takes and who may call it. Every operation is
    rate limited (429) and needs Redis (503); a view declaring more (`extend_schema(responses=...)`)
    keeps them."""
    security = operation.get("security") or [{}]
    statuses = [429, 503]
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(400)
    if any(scheme for scheme in security):  # credentials can be sent, so they can be wrong
        statuses.append(401)
    if {} not in security:
        statuses.append(403)
    if "{" in path:
        statuses.append(404)
    return sorted(statuses)


def _wrap_successes(operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        content = response.get("content", {}).get("application/json")
        if content is not None and not content.get("x-enveloped"):
            content["schema"] = envelope(content.get("schema"))


def _route_paths(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(OpenAPI path, URL name) for every named route of the site."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _route_paths(entry, route)
        elif isinstance(entry, URLPattern) and entry.name:
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).lstrip("^").rstrip("$")
            # drf-spectacular names a `pk` parameter `id` (SCHEMA_COERCE_PATH_PK).
            yield path.replace("{pk}", "{id}"), entry.name


def _add_doors(result: dict[str, Any]) -> None:
    """Every hand-written operation at its route, and the security schemes they name."""
    operations: dict[str, dict[str, Any]] = {}
    for name in DOOR_DESCRIPTIONS:
        module = importlib.import_module(name)
        operations.update(module.OPERATIONS)
        result["components"].setdefault("securitySchemes", {}).update(getattr(module, "SECURITY_SCHEMES", {}))
    for path, url_name in _route_paths():
        if url_name in operations:
            result["paths"].setdefault(path, {}).update(operations[url_name])


def _close_strict_bodies(result: dict[str, Any], generator: Any) -> None:
    """A StrictSerializer refuses unknown fields: its schemas say so."""
    from config.api.fields import StrictSerializer

    schemas = result["components"]["schemas"]
    for (name, kind), component in generator.registry._components.items():
        if kind == "schemas" and isinstance(component.object, StrictSerializer) and name in schemas:
            schemas[name]["additionalProperties"] = False


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: envelope, errors, then the hand-written doors."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    _close_strict_bodies(result, generator)
    for path, operations in result["paths"].items():
        for operation in operations.values():
            _wrap_successes(operation)
            responses = operation.setdefault("responses", {})
            for status in error_statuses(path, operation):
                responses.setdefault(str(status), error_response(status))
            for status, response in responses.items():  # declared with errors(): no body described yet
                if str(status)[0] in "45" and "content" not in response:
                    responses[status] = error_response(int(status))

    _add_doors(result)
    result["paths"] = dict(sorted(result["paths"].items()))
    return result


_generating = threading.Lock()


class SchemaView(SpectacularAPIView):
    """The schema, generated one request at a time: each view's AutoSchema is shared by every request
    (DRF's descriptor) and keeps the view it describes, so two generations at once described with
    each other's view and one failed with a 500."""

    def _get_schema_response(self, request: Any) -> Any:
        with _generating:
            return super()._get_schema_response(request)
