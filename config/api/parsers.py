from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from config.api import hygiene


class StrictJSONParser(JSONParser):
    """JSON only, with a size cap, a body that must be an object, and the hygiene checks (depth,
    NUL characters, lone surrogates) before any view sees it."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise ParseError(f"Request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        raw = stream.read() if stream is not None else b""
        try:
            data = hygiene.loads(raw)
        except hygiene.UnsafeJSON as exc:
            raise ParseError(str(exc)) from None
        if not isinstance(data, dict):
            raise ParseError("The request body must be a JSON object.")
        return data
