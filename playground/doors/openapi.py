"""OpenAPI descriptions of the doors that are plain async Django views (config.api.schema adds them
to the schema by URL name). A new door is one entry in OPERATIONS, built from the parts below."""

from typing import Any

from config.api.schema import envelope, error_response
from playground.doors.responses import MAX_LIST
from playground.doors.rest import MAX_N
from playground.generation.params import MAX_MODELS, MAX_STOPS
from playground.media import EXTENSIONS

REST_SECURITY = [{"apiKeyAuth": []}, {"jwtAuth": []}, {"cookieAuth": []}]
OPENAI_SECURITY = [{"openaiKeyAuth": []}]
SECURITY_SCHEMES = {
    "openaiKeyAuth": {"type": "http", "scheme": "bearer", "description": "An API key: `Bearer sk_live_...`."}
}
OPENAI_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "param", "code"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": "string", "nullable": True},
                "code": {"type": "string", "nullable": True},
            },
        }
    },
}

_number = {"type": "number"}
SAMPLING: dict[str, Any] = {
    "max_tokens": {"type": "integer", "minimum": 1, "nullable": True},
    "temperature": {**_number, "minimum": 0, "maximum": 2, "nullable": True},
    "top_p": {**_number, "minimum": 0, "maximum": 1, "nullable": True},
    "stop": {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}, "maxItems": MAX_STOPS},
        ],
        "nullable": True,
    },
    # null is the model's default, as in OpenAI's API.
    "presence_penalty": {**_number, "minimum": -2, "maximum": 2, "nullable": True},
    "frequency_penalty": {**_number, "minimum": -2, "maximum": 2, "nullable": True},
    "seed": {"type": "integer", "nullable": True},
    "cache": {"type": "boolean", "description": "Answer from the response cache when the same call was made."},
}
# What a caller sends: OpenAI's chat messages (content parts, tool calls and tool results included).
CHAT_MESSAGE = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {"type": "string", "enum": ["system", "developer", "user", "assistant", "tool"]},
        "content": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}],
            "nullable": True,
        },
        "tool_calls": {"type": "array", "items": {"type": "object"}, "nullable": True},
        "tool_call_id": {"type": "string"},
        "name": {"type": "string"},
    },
}
# What a model answers: text, or null with the tool calls it asks for.
ANSWER = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {
        "role": {"type": "string", "enum": ["assistant"]},
        "content": {"type": "string", "nullable": True},
        "tool_calls": {"type": "array", "items": {"type": "object"}},
        "refusal": {"nullable": True},
    },
}
MESSAGES = {"type": "array", "items": CHAT_MESSAGE, "minItems": 1}
# The model options and attribution every chat door takes (playground.generation.params).
MODEL_OPTIONS: dict[str, Any] = {
    "tools": {"type": "array", "items": {"type": "object"}, "nullable": True},
    "tool_choice": {"oneOf": [{"type": "string"}, {"type": "object"}], "nullable": True},
    "parallel_tool_calls": {"type": "boolean", "nullable": True},
    "response_format": {"type": "object", "nullable": True},
    "logprobs": {"type": "boolean", "nullable": True},
    "top_logprobs": {"type": "integer", "minimum": 0, "nullable": True},
    "logit_bias": {"type": "object", "nullable": True},
    "reasoning_effort": {"type": "string", "nullable": True},
    "user": {"type": "string", "nullable": True},
    "safety_identifier": {"type": "string", "nullable": True},
    "metadata": {"type": "object", "nullable": True},
}
USAGE = {
    "type": "object",
    "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
    "properties": {
        **{k: {"type": "integer", "minimum": 0} for k in ("prompt_tokens", "completion_tokens", "total_tokens")},
        "cached_tokens": {"type": "integer"},
        "reasoning_tokens": {"type": "integer"},
        "estimated": {"type": "boolean"},
    },
}
MONEY = {"type": "string", "nullable": True, "description": "US dollars, as a decimal string."}
FINISH = {"type": "string", "nullable": True}
EVENT_TYPES = ["session", "status", "chunk", "metrics", "error", "done"]


def _sse(data: str) -> dict[str, Any]:
    """An event stream: each event a `data:` line (described by `data`) and a blank line."""
    event = {"type": "object", "required": ["data"], "properties": {"data": {"type": "string", "description": data}}}
    return {"text/event-stream": {"schema": event}}


SSE = _sse(f"A JSON object whose `type` is one of {', '.join(EVENT_TYPES)} (design.md).")
OPENAI_SSE = _sse("A chunk object (or an error object) in OpenAI's shape; `[DONE]` ends the stream.")


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": _json(schema)}


def operation(
    summary: str,
    responses: dict[str, Any],
    *,
    errors: tuple[int, ...],
    openai: bool = False,
    body: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    tag: str = "ai",
) -> dict[str, Any]:
    """One operation; `errors` are the statuses it can answer with, in the door's error shape."""
    shape = OPENAI_ERROR if openai else None
    described = {**responses, **{str(s): error_response(s, *([shape] if shape else [])) for s in errors}}
    op: dict[str, Any] = {
        "summary": summary,
        "operationId": summary.lower().replace(" ", "_").replace("-", "_"),
        "tags": [tag],
        "security": OPENAI_SECURITY if openai else REST_SECURITY,
        "responses": described,
    }
    if body is not None:
        op["requestBody"] = _body(body)
    if parameters:
        op["parameters"] = parameters
    return op


def _query(name: str, schema: dict[str, Any], required: bool = False, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


# A generation's errors: bad input, credentials, scope, unknown model, limits/quotas, provider, Redis.
GENERATION_ERRORS = (400, 401, 403, 404, 429, 502, 503)

REST_CHAT_BODY = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "model": {
            "type": "string",
            "nullable": True,
            "description": "A model's slug; left out or null: the caller's default.",
        },
        "messages": MESSAGES,
        "stream": {"type": "boolean", "description": "Answer as an event stream (text/event-stream)."},
        "n": {"type": "integer", "minimum": 1, "maximum": MAX_N, "nullable": True},
        "notify": {"type": "boolean", "description": "Send a notification when the answer is ready."},
        **SAMPLING,
        **MODEL_OPTIONS,
    },
}
STREAM_BODY = {
    "type": "object",
    "required": ["models"],
    "description": "Every field of Chat, the same for each model; `messages`, or a `prompt` instead. Only "
    "`models` and `prompt` are checked before the stream starts (400).",
    "properties": {
        "models": {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": MAX_MODELS},
                {"type": "string", "minLength": 1},
            ],
            "description": f"1 to {MAX_MODELS} slugs: a list, or comma-separated.",
        },
        "prompt": {"type": "string", "minLength": 1},
        # Checked for each model as it starts: a value it refuses is that model's `error` event.
        **{
            k: {"description": "As in Chat; refused per model, as an `error` event."}
            for k in REST_CHAT_BODY["properties"]
            if k not in ("model", "stream", "n", "notify")
        },
    },
}
REST_CHAT_DATA = {
    "type": "object",
    "required": ["id", "model", "choices", "usage", "cost", "cached", "created"],
    "properties": {
        "id": {"type": "string"},
        "model": {"type": "string"},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "message", "finish_reason"],
                "properties": {"index": {"type": "integer"}, "message": ANSWER, "finish_reason": FINISH},
            },
        },
        "usage": USAGE,
        "cost": MONEY,
        "cached": {"type": "boolean"},
        "created": {"type": "integer"},
    },
}
REST_GENERATE_BODY = {
    "type": "object",
    "required": ["prompt"],
    "properties": {
        "model": {"type": "string", "nullable": True},
        "prompt": {"type": "string", "minLength": 1},
        "n": {"type": "integer", "minimum": 1, "maximum": MAX_N, "default": 1},
        **SAMPLING,
    },
}
REST_GENERATE_DATA = {
    "type": "object",
    "required": ["id", "model", "choices", "usage", "cost", "created"],
    "properties": {
        "id": {"type": "string"},
        "model": {"type": "string"},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "index", "finish_reason"],
                "properties": {"text": {"type": "string"}, "index": {"type": "integer"}, "finish_reason": FINISH},
            },
        },
        "usage": USAGE,
        "cost": MONEY,
        "created": {"type": "integer"},
    },
}

OPENAI_CHAT_BODY = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "messages": MESSAGES,
        "stream": {"type": "boolean"},
        "stream_options": {
            "type": "object",
            "nullable": True,
            "properties": {"include_usage": {"type": "boolean"}},
        },
        "n": {"type": "integer", "enum": [1], "nullable": True},
        "max_completion_tokens": {"type": "integer", "minimum": 1, "nullable": True},
        **SAMPLING,
        **MODEL_OPTIONS,
    },
}
OPENAI_COMPLETION_BODY = {
    "type": "object",
    "required": ["model", "prompt"],
    "properties": {
        **{k: v for k, v in OPENAI_CHAT_BODY["properties"].items() if k != "messages"},
        "prompt": {
            "oneOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
            ]
        },
    },
}


def _completion(chat: bool) -> dict[str, Any]:
    if chat:
        choice_props: dict[str, Any] = {"message": ANSWER}
    else:
        choice_props = {"text": {"type": "string"}}
    return {
        "type": "object",
        "required": ["id", "object", "created", "model", "choices", "usage"],
        "properties": {
            "id": {"type": "string"},
            "object": {"type": "string", "enum": ["chat.completion" if chat else "text_completion"]},
            "created": {"type": "integer"},
            "model": {"type": "string"},
            "choices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "finish_reason"],
                    "properties": {
                        "index": {"type": "integer"},
                        "finish_reason": FINISH,
                        "logprobs": {"nullable": True},
                        **choice_props,
                    },
                },
            },
            "usage": USAGE,
            "system_fingerprint": {"type": "string", "nullable": True},
            "cached": {"type": "boolean"},
        },
    }


OPENAI_MODEL = {
    "type": "object",
    "required": ["id", "object", "created", "owned_by"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["model"]},
        "created": {"type": "integer"},
        "owned_by": {"type": "string"},
    },
}


def _ok(description: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description, "content": content}}


OPERATIONS: dict[str, dict[str, Any]] = {
    "ai-chat": {
        "post": operation(
            "Chat",
            _ok("The answer; with `stream: true`, an event stream.", {**_json(envelope(REST_CHAT_DATA)), **SSE}),
            body=REST_CHAT_BODY,
            errors=GENERATION_ERRORS,
        )
    },
    "ai-generate": {
        "post": operation(
            "Generate",
            _ok(f"Up to {MAX_N} answers to one prompt.", _json(envelope(REST_GENERATE_DATA))),
            body=REST_GENERATE_BODY,
            errors=GENERATION_ERRORS,
        )
    },
    "ai-stream": {
        "get": operation(
            "Stream",
            _ok(
                "Events `session`, then per model `status`, `chunk`, `metrics` or `error`, and `done`.",
                SSE,
            ),
            parameters=[
                _query("prompt", {"type": "string", "minLength": 1}, required=True),
                _query(
                    "models", {"type": "string", "minLength": 1}, True, f"1 to {MAX_MODELS} slugs, comma-separated."
                ),
                _query("token", {"type": "string"}, description="A JWT, for clients that cannot set headers."),
                _query("max_tokens", SAMPLING["max_tokens"]),
                _query("temperature", SAMPLING["temperature"]),
                _query("top_p", SAMPLING["top_p"]),
            ],
            errors=(400, 401, 403, 429, 503),
        ),
        "post": {
            **operation(
                "Stream a chat",
                _ok("The same events as the GET, for the whole chat request.", SSE),
                body=STREAM_BODY,
                errors=(400, 401, 403, 429, 503),
            ),
            "operationId": "stream_chat",
        },
    },
    "openai-chat-completions": {
        "post": operation(
            "Create chat completion",
            _ok(
                "OpenAI's chat completion; with `stream: true`, its chunk stream.",
                {**_json(_completion(True)), **OPENAI_SSE},
            ),
            body=OPENAI_CHAT_BODY,
            errors=(*GENERATION_ERRORS, 504),
            openai=True,
            tag="openai",
        )
    },
    "openai-completions": {
        "post": operation(
            "Create completion",
            _ok(
                "OpenAI's text completion; with `stream: true`, its chunk stream.",
                {**_json(_completion(False)), **OPENAI_SSE},
            ),
            body=OPENAI_COMPLETION_BODY,
            errors=(*GENERATION_ERRORS, 504),
            openai=True,
            tag="openai",
        )
    },
    "openai-models": {
        "get": operation(
            "List models",
            _ok(
                "The models a key can call.",
                _json(
                    {
                        "type": "object",
                        "required": ["object", "data"],
                        "properties": {
                            "object": {"type": "string", "enum": ["list"]},
                            "data": {"type": "array", "items": OPENAI_MODEL},
                        },
                    }
                ),
            ),
            errors=(401, 403, 429, 503),
            openai=True,
            tag="openai",
        )
    },
    "openai-model": {
        "get": operation(
            "Retrieve model",
            _ok("One model.", _json(OPENAI_MODEL)),
            parameters=[{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            errors=(401, 403, 404, 429, 503),
            openai=True,
            tag="openai",
        )
    },
}


# Embeddings and images (playground.doors.embeddings, .images): OpenAI's fields on both doors.
EMBEDDING_BODY = {
    "type": "object",
    "required": ["input"],
    "properties": {
        "model": {"type": "string", "nullable": True},
        "input": {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
                {"type": "array", "items": {"type": "integer"}, "minItems": 1},
                {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}, "minItems": 1},
            ]
        },
        "dimensions": {"type": "integer", "minimum": 1, "nullable": True},
        "encoding_format": {"type": "string", "enum": ["float", "base64"], "nullable": True},
        "user": {"type": "string", "nullable": True},
    },
}
VECTORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["object", "index", "embedding"],
        "properties": {
            "object": {"type": "string", "enum": ["embedding"]},
            "index": {"type": "integer"},
            "embedding": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}]},
        },
    },
}
EMBEDDING_USAGE = {"type": "object", "required": ["prompt_tokens", "total_tokens"]}
IMAGE_BODY = {
    "type": "object",
    "required": ["prompt"],
    "properties": {
        "model": {"type": "string", "nullable": True},
        "prompt": {"type": "string", "minLength": 1},
        "n": {"type": "integer", "minimum": 1, "nullable": True},
        **{name: {"type": "string", "nullable": True} for name in ("size", "quality", "background", "aspect_ratio")},
        "output_format": {"type": "string", "enum": ["png", "jpeg", "webp"], "nullable": True},
        "response_format": {"type": "string", "enum": ["url", "b64_json"], "nullable": True},
        "user": {"type": "string", "nullable": True},
        "safety_identifier": {"type": "string", "nullable": True},
    },
}
MEDIA_ERRORS = GENERATION_ERRORS

OPERATIONS.update(
    {
        "ai-embeddings": {
            "post": operation(
                "Embeddings",
                _ok(
                    "One vector per input, in input order.",
                    _json(
                        envelope(
                            {
                                "type": "object",
                                "required": ["id", "model", "data", "usage", "created"],
                                "properties": {"data": VECTORS, "usage": EMBEDDING_USAGE, "cost": MONEY},
                            }
                        )
                    ),
                ),
                body=EMBEDDING_BODY,
                errors=MEDIA_ERRORS,
            )
        },
        "ai-images": {
            "post": operation(
                "Images",
                _ok(
                    "The pictures drawn, served from signed URLs.",
                    _json(
                        envelope(
                            {
                                "type": "object",
                                "required": ["id", "model", "images", "usage", "created"],
                                "properties": {"images": {"type": "array", "items": {"type": "object"}}, "cost": MONEY},
                            }
                        )
                    ),
                ),
                body=IMAGE_BODY,
                errors=MEDIA_ERRORS,
            )
        },
        "openai-embeddings": {
            "post": operation(
                "Create embeddings",
                _ok(
                    "OpenAI's embedding list.",
                    _json(
                        {
                            "type": "object",
                            "required": ["object", "data", "model", "usage"],
                            "properties": {
                                "object": {"type": "string", "enum": ["list"]},
                                "data": VECTORS,
                                "usage": EMBEDDING_USAGE,
                            },
                        }
                    ),
                ),
                body={**EMBEDDING_BODY, "required": ["model", "input"]},
                errors=(*MEDIA_ERRORS, 504),
                openai=True,
                tag="openai",
            )
        },
        "openai-images": {
            "post": operation(
                "Create image",
                _ok(
                    "OpenAI's image list.",
                    _json(
                        {
                            "type": "object",
                            "required": ["created", "data"],
                            "properties": {"data": {"type": "array", "items": {"type": "object"}}},
                        }
                    ),
                ),
                body=IMAGE_BODY,
                errors=(*MEDIA_ERRORS, 504),
                openai=True,
                tag="openai",
            )
        },
    }
)


# The Responses door (playground.doors.responses): OpenAI's shapes, API keys only.
_object = {"type": "object"}
RESPONSES_BODY = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "input": {"oneOf": [{"type": "string"}, {"type": "array", "items": _object}]},
        "instructions": {"type": "string", "nullable": True},
        "previous_response_id": {"type": "string", "nullable": True},
        "store": {"type": "boolean", "nullable": True},
        "stream": {"type": "boolean"},
        "max_output_tokens": {"type": "integer", "minimum": 1, "nullable": True},
        "temperature": SAMPLING["temperature"],
        "top_p": SAMPLING["top_p"],
        "tools": {"type": "array", "items": _object, "nullable": True},
        "tool_choice": {"nullable": True},
        "parallel_tool_calls": {"type": "boolean", "nullable": True},
        "text": {**_object, "nullable": True},
        "reasoning": {**_object, "nullable": True},
        "metadata": {**_object, "nullable": True},
        "user": {"type": "string", "nullable": True},
    },
}
RESPONSE_OBJECT = {
    "type": "object",
    "required": ["id", "object", "created_at", "status", "model", "output"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["response"]},
        "created_at": {"type": "integer"},
        "status": {"type": "string"},
        "model": {"type": "string", "nullable": True},
        "output": {"type": "array", "items": _object},
        "usage": {**_object, "nullable": True},
    },
}
RESPONSES_SSE = _sse("A Responses event object (`response.created` ... `response.completed`).")
RESPONSE_ID = [{"name": "response_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _openai(summary: str, responses: dict[str, Any], errors: tuple[int, ...], **kw: Any) -> dict[str, Any]:
    return operation(summary, responses, errors=errors, openai=True, tag="openai", **kw)


OPERATIONS.update(
    {
        "openai-responses": {
            "post": _openai(
                "Create response",
                _ok("A response; with `stream: true`, its event stream.", {**_json(RESPONSE_OBJECT), **RESPONSES_SSE}),
                (*GENERATION_ERRORS, 504),
                body=RESPONSES_BODY,
            )
        },
        "openai-response": {
            "get": _openai(
                "Retrieve response",
                _ok("A stored response of the caller's.", _json(RESPONSE_OBJECT)),
                (401, 403, 404, 429, 503),
                parameters=RESPONSE_ID,
            ),
            "delete": _openai(
                "Delete response",
                _ok(
                    "The stored copy is forgotten (its ledger row is kept).",
                    _json(
                        {
                            "type": "object",
                            "required": ["id", "object", "deleted"],
                            "properties": {
                                "id": {"type": "string"},
                                "object": {"type": "string", "enum": ["response"]},
                                "deleted": {"type": "boolean", "enum": [True]},
                            },
                        }
                    ),
                ),
                (401, 403, 404, 429, 503),
                parameters=RESPONSE_ID,
            ),
        },
        "openai-response-cancel": {
            "post": {
                **_openai(
                    "Cancel response",
                    {},
                    (400, 401, 403, 404, 429, 503),
                    parameters=RESPONSE_ID,
                ),
                "description": "Every response is answered in the foreground, so a stored one is final: 400.",
            }
        },
        "openai-response-input-items": {
            "get": _openai(
                "List input items",
                _ok(
                    "A response's input items, a page at a time.",
                    _json(
                        {
                            "type": "object",
                            "required": ["object", "data", "first_id", "last_id", "has_more"],
                            "properties": {
                                "object": {"type": "string", "enum": ["list"]},
                                "data": {"type": "array", "items": _object},
                                "first_id": {"type": "string", "nullable": True},
                                "last_id": {"type": "string", "nullable": True},
                                "has_more": {"type": "boolean"},
                            },
                        }
                    ),
                ),
                (400, 401, 403, 404, 429, 503),
                parameters=[
                    *RESPONSE_ID,
                    _query("order", {"type": "string", "enum": ["asc", "desc"], "default": "desc"}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIST, "default": 20}),
                    _query("after", {"type": "string"}, description="The id of the item to list after."),
                ],
            )
        },
    }
)


# The Anthropic door (playground.doors.anthropic): Anthropic's shapes and errors, API keys only.
ANTHROPIC_SECURITY = [{"anthropicKeyAuth": []}, {"openaiKeyAuth": []}]
SECURITY_SCHEMES["anthropicKeyAuth"] = {
    "type": "apiKey",
    "in": "header",
    "name": "x-api-key",
    "description": "An API key: `sk_live_...` (or as `Authorization: Bearer`).",
}
ANTHROPIC_ERROR = {
    "type": "object",
    "required": ["type", "error"],
    "properties": {
        "type": {"type": "string", "enum": ["error"]},
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
        },
        "request_id": {"type": "string"},
    },
}
# Anthropic's statuses: a Redis outage is its 529 `overloaded_error`, a provider's timeout 504.
ANTHROPIC_REASONS = {529: "A service the API depends on is overloaded or unavailable (`overloaded_error`)."}
ANTHROPIC_CONTENT = {"oneOf": [{"type": "string"}, {"type": "array", "items": _object}]}
ANTHROPIC_BODY = {
    "type": "object",
    "required": ["model", "messages", "max_tokens"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "messages": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {"role": {"type": "string", "enum": ["user", "assistant"]}, "content": ANTHROPIC_CONTENT},
            },
        },
        "system": {**ANTHROPIC_CONTENT, "nullable": True},
        "max_tokens": {"type": "integer", "minimum": 1},
        "stop_sequences": {"type": "array", "items": {"type": "string"}, "nullable": True},
        "temperature": {**_number, "minimum": 0, "maximum": 1, "nullable": True},
        "top_p": SAMPLING["top_p"],
        "tools": {"type": "array", "items": _object, "nullable": True},
        "tool_choice": {**_object, "nullable": True},
        "metadata": {
            "type": "object",
            "nullable": True,
            "properties": {"user_id": {"type": "string", "nullable": True}},
            "additionalProperties": False,
        },
        "output_config": {**_object, "nullable": True},
        "stream": {"type": "boolean"},
    },
}
ANTHROPIC_MESSAGE = {
    "type": "object",
    "required": ["id", "type", "role", "model", "content", "stop_reason", "usage"],
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string", "enum": ["message"]},
        "role": {"type": "string", "enum": ["assistant"]},
        "model": {"type": "string"},
        "content": {"type": "array", "items": _object},
        "stop_reason": {"type": "string", "nullable": True},
        "stop_sequence": {"type": "string", "nullable": True},
        "usage": {
            "type": "object",
            "required": ["input_tokens", "output_tokens"],
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
            },
        },
    },
}
ANTHROPIC_SSE = {
    "text/event-stream": {
        "schema": {
            "type": "object",
            "required": ["data"],
            "properties": {
                "event": {"type": "string", "description": "message_start ... message_stop, as Anthropic's."},
                "data": {"type": "string"},
            },
        }
    }
}


def _anthropic(summary: str, ok: dict[str, Any], errors: tuple[int, ...], body: dict[str, Any]) -> dict[str, Any]:
    described = {
        str(s): {
            "description": ANTHROPIC_REASONS.get(s, "Error, in Anthropic's shape."),
            "content": _json(ANTHROPIC_ERROR),
        }
        for s in errors
    }
    return {
        "summary": summary,
        "operationId": "anthropic_" + summary.lower().replace(" ", "_"),
        "tags": ["anthropic"],
        "security": ANTHROPIC_SECURITY,
        "requestBody": _body(body),
        "responses": {**ok, **described},
    }


OPERATIONS.update(
    {
        "anthropic-messages": {
            "post": _anthropic(
                "Create message",
                _ok(
                    "Anthropic's message; with `stream: true`, its event stream.",
                    {**_json(ANTHROPIC_MESSAGE), **ANTHROPIC_SSE},
                ),
                (400, 401, 403, 404, 413, 429, 502, 504, 529),
                ANTHROPIC_BODY,
            )
        },
        "anthropic-count-tokens": {
            "post": _anthropic(
                "Count tokens",
                _ok(
                    "An estimate of the request's input tokens; nothing is called or charged.",
                    _json(
                        {
                            "type": "object",
                            "required": ["input_tokens"],
                            "properties": {"input_tokens": {"type": "integer", "minimum": 0}},
                        }
                    ),
                ),
                (400, 401, 403, 404, 413, 429, 529),
                {**ANTHROPIC_BODY, "required": ["model", "messages"]},
            )
        },
        "chat-image": {
            "get": {
                **operation(
                    "Chat image",
                    _ok(
                        "The image its owner sent in a chat message (anyone else: 404).",
                        {t: {"schema": {"type": "string", "format": "binary"}} for t in EXTENSIONS},
                    ),
                    parameters=[
                        {
                            "name": "sha",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "The image's SHA-256, in hex.",
                        }
                    ],
                    errors=(401, 403, 404, 429, 503),
                ),
                "tags": ["media"],
            }
        },
    }
)
