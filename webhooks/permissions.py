"""API key scopes for the webhooks API (JWT and session sign-ins hold every scope)."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.authentication import request_scopes

READ = "webhooks:read"
WRITE = "webhooks:write"


class WebhookScope(BasePermission):
    """Reading needs `webhooks:read` (or `webhooks:write`, which includes it); changes need `webhooks:write`.

    One class for both, because the list/detail views serve reads and writes on the same URL.
    """

    message = "This API key lacks the webhooks:read or webhooks:write permission this needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        scopes = request_scopes(request)
        if request.method in SAFE_METHODS:
            return bool(scopes & {READ, WRITE})
        return WRITE in scopes
