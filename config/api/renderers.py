"""Wrap every successful DRF response in the envelope; errors arrive already wrapped."""

from typing import Any

from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from config.api.envelope import success_body


class WithMessage(dict):
    """A view returns `WithMessage(data, "text")` to set the envelope's message."""

    def __init__(self, data: Any = None, message: str = "") -> None:
        super().__init__(data=data, message=message)


def wrap(data: Any) -> Any:
    if isinstance(data, dict) and data.get("success") in (True, False) and "timestamp" in data:
        return data
    if isinstance(data, WithMessage):
        return success_body(data["data"], data["message"])
    return success_body(data)


class EnvelopeJSONRenderer(JSONRenderer):
    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == 204:
            return b""
        if data is None and response is None:
            return b""
        return super().render(wrap(data), accepted_media_type, renderer_context)


class EnvelopeBrowsableAPIRenderer(BrowsableAPIRenderer):
    def get_content(self, renderer: Any, data: Any, accepted_media_type: str, renderer_context: dict) -> str:
        return super().get_content(renderer, wrap(data), accepted_media_type, renderer_context)
