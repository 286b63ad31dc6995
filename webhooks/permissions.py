"""API key scopes for the webhooks API.

A stand-in until accounts ships its scope permission: API keys put their scopes on `request.auth`
(`.scopes`); JWT and session sign-ins carry no scopes and may do everything their user may.
"""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

READ = "webhooks:read"
WRITE = "webhooks:write"


def _scopes(request: Request) -> set[str] | None:
    scopes = getattr(request.auth, "scopes", None)
    return None if scopes is None else set(scopes)


class WebhookScope(BasePermission):
    """Reading needs `webhooks:read` (or `webhooks:write`); anything else needs `webhooks:write`."""

    message = "This API key lacks the webhooks:read or webhooks:write scope this needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        scopes = _scopes(request)
        if scopes is None:
            return True
        if request.method in SAFE_METHODS:
            return bool(scopes & {READ, WRITE})
        return WRITE in scopes
