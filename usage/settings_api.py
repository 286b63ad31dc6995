from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from usage.settings_store import public_settings


class PublicSettingsView(APIView):
    """Settings an administrator marked public (tier limits, default model, banner, sign-up)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"settings": public_settings()})
