"""No request field is ever dropped: each one reaches the upstream body (under the provider's own
name), or the adapter reports it unsupported by name and makes no call, or, for attribution fields
a provider does not take, the gateway keeps it (recorded-only). Checked over real HTTP against the
fakes, field by field for every adapter, and for every field of OpenAI's chat request as the
official SDK lists it."""

import json
from typing import Any, get_type_hints

import pytest
from openai.types.chat import completion_create_params

from providers.base import OPTIONAL_FIELDS, RECORDED_FIELDS, ChatRequest, ProviderError
from providers.registry import ADAPTERS, get_adapter, supported_fields, unsupported_fields
from tests.providers.helpers import PERSON_FORMAT, WEATHER_TOOL, collect

NAMED_CHOICE = {"type": "function", "function": {"name": "get_weather"}}
# A value for each typed field that asks for something beyond the default, and what it needs along.
SAMPLES: dict[str, tuple[Any, dict[str, Any]]] = {
    "max_tokens": (7, {}),
    "temperature": (0.5, {}),
    "top_p": (0.9, {}),
    "stop": (["zz"], {}),
    "presence_penalty": (0.3, {}),
    "frequency_penalty": (0.2, {}),
    "seed": (42, {}),
    "tools": ([WEATHER_TOOL], {}),
    "tool_choice": (NAMED_CHOICE, {"tools": [WEATHER_TOOL]}),
    "parallel_tool_calls": (False, {"tools": [WEATHER_TOOL]}),
    "response_format": (PERSON_FORMAT, {}),
    "n": (2, {}),
    "logprobs": (True, {}),
    "top_logprobs": (2, {"logprobs": True}),
    "logit_bias": ({"50256": -100}, {}),
    "reasoning_effort": ("low", {}),
    "user": ("user-1", {}),
    "safety_identifier": ("safety-1", {}),
    "metadata": ({"team": "blue"}, {}),
}
OLLAMA_OPTIONS = {"temperature", "top_p", "stop", "seed", "presence_penalty", "frequency_penalty"}


def found_upstream(kind: str, name: str, body: dict[str, Any], config) -> Any:
    """Where each provider's wire format carries a typed field (KeyError: not there)."""
    if kind == "ollama":
        translated = {"max_tokens": ("options", "num_predict"), "response_format": ("format",)}
        translated |= {"reasoning_effort": ("think",)} | {f: ("options", f) for f in OLLAMA_OPTIONS}
        path = translated.get(name, (name,))
    elif kind == "huggingface_legacy":
        path = ("parameters", {"max_tokens": "max_new_tokens"}.get(name, name))
    elif name == "max_tokens":
        path = (get_adapter(config).max_tokens_field if kind != "minimax" else "max_completion_tokens",)
    else:
        path = (name,)
    value: Any = body
    for key in path:
        value = value[key]
    return value


def fake_key(kind: str) -> str:
    return {"openai_compatible": "openai", "huggingface": "hf", "huggingface_legacy": "hf_legacy"}.get(kind, kind)


@pytest.mark.parametrize("kind", [k for k in ADAPTERS if k != "demo"])
@pytest.mark.parametrize("name", OPTIONAL_FIELDS)
async def test_every_field_reaches_the_upstream_or_is_refused_by_name(config_for, fake_upstream, kind, name):
    value, companions = SAMPLES[name]
    model = f"m-{kind}@field-{name}"
    request = ChatRequest(model=model, messages=[{"role": "user", "content": "hi"}], **companions, **{name: value})
    config = config_for(kind)

    if name in unsupported_fields(config, request):
        with pytest.raises(ProviderError) as caught:
            await collect(get_adapter(config).stream_chat(request))
        assert caught.value.code == "unsupported_field" and name in caught.value.message
        assert fake_upstream.requests(fake_key(kind), model) == 0
        return
    try:
        await get_adapter(config).chat(request)
    except ProviderError as exc:
        assert exc.code != "unsupported_field"  # an answer the fake could not give is fine here
    body = fake_upstream.last_body(fake_key(kind), model)
    if name in ADAPTERS[kind].recorded_only_fields():
        assert name in RECORDED_FIELDS
        assert name not in body and json.dumps(value) not in json.dumps(body)  # not passed on, and not refused
        return
    expected = PERSON_FORMAT["json_schema"]["schema"] if (kind, name) == ("ollama", "response_format") else value
    expected = "low" if (kind, name) == ("ollama", "reasoning_effort") else expected
    assert found_upstream(kind, name, body, config) == expected


# The official SDK's own list of chat request fields, so a field OpenAI adds is checked too.
OPENAI_FIELDS = sorted(get_type_hints(completion_create_params.CompletionCreateParamsBase))
UNTYPED_SAMPLES: dict[str, Any] = {
    "audio": {"voice": "alloy", "format": "wav"},
    "function_call": "auto",
    "functions": [WEATHER_TOOL["function"]],
    "modalities": ["text", "audio"],
    "moderation": {"mode": "score"},
    "prediction": {"type": "content", "content": "hi"},
    "prompt_cache_key": "cache-1",
    "prompt_cache_options": {"mode": "explicit"},
    "prompt_cache_retention": "24h",
    "service_tier": "flex",
    "store": True,
    "stream_options": {"include_usage": True, "include_obfuscation": False},
    "verbosity": "low",
    "web_search_options": {"search_context_size": "low"},
}


def every_openai_field() -> dict[str, Any]:
    body: dict[str, Any] = {"model": "llama@every-field", "messages": [{"role": "user", "content": "hi"}]}
    body |= {name: SAMPLES[name][0] for name in OPTIONAL_FIELDS if name != "max_tokens"}
    body |= {"max_tokens": 9, "max_completion_tokens": 9, "stream": True}
    missing = [f for f in OPENAI_FIELDS if f not in body and f not in UNTYPED_SAMPLES]
    assert not missing, f"OpenAI's chat request has new fields; give them a sample here: {missing}"
    return body | UNTYPED_SAMPLES


def test_the_sdk_lists_the_fields_we_know_so_the_list_is_real():
    assert {"tools", "tool_choice", "response_format", "logprobs", "n", "seed", "stop", "messages"} <= set(
        OPENAI_FIELDS
    )


@pytest.mark.parametrize("allow_untyped", [False, True])
async def test_every_field_of_openais_chat_request_arrives_or_is_refused_by_name(
    config_for, fake_upstream, allow_untyped
):
    body = every_openai_field()
    body["model"] += f"-{int(allow_untyped)}"
    passthrough = frozenset(UNTYPED_SAMPLES) if allow_untyped else frozenset()
    config = config_for("openai_compatible", passthrough_fields=passthrough)
    request = ChatRequest.from_openai(body)

    refused = unsupported_fields(config, request)
    for name in refused:
        request.extra.pop(name)
    _, end = await collect(get_adapter(config).stream_chat(request))

    upstream = fake_upstream.last_body("openai", body["model"])
    # Unknown fields are refused unless the operator allowed them; stream_options is the adapter's.
    assert refused == (["stream_options"] if allow_untyped else sorted(UNTYPED_SAMPLES))
    for name in OPENAI_FIELDS:
        if name == "stream":
            assert upstream["stream"] is True
        elif name == "stream_options":
            assert upstream["stream_options"] == {"include_usage": True}
        elif name == "max_completion_tokens":
            assert upstream["max_tokens"] == 9  # the name compatible servers know
        elif name not in refused:
            assert upstream[name] == body[name], name
    assert end.finish_reason == "tool_calls"  # the named tool was called: the fields did their work


def test_from_openai_maps_typed_fields_and_keeps_the_rest_as_extra():
    request = ChatRequest.from_openai(
        {
            "model": "m",
            "messages": [],
            "stop": "END",
            "max_tokens": 5,
            "tools": [WEATHER_TOOL],
            "verbosity": "low",
            "stream": True,
            "stream_options": {"include_usage": True},
        }
    )

    assert (request.stop, request.max_tokens, request.tools) == (["END"], 5, [WEATHER_TOOL])
    assert request.extra == {"verbosity": "low"}


def test_the_openai_adapter_supports_every_typed_field_and_others_declare_what_they_lack():
    assert supported_fields("openai") == frozenset(OPTIONAL_FIELDS)
    assert (
        unsupported_fields("openai", ChatRequest(model="m", messages=[], **{n: v for n, (v, _) in SAMPLES.items()}))
        == []
    )
    plain = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}], temperature=0.2, max_tokens=9)
    assert all(unsupported_fields(kind, plain) == [] for kind in ADAPTERS)


def test_default_values_ask_for_nothing_so_they_are_never_refused():
    request = ChatRequest(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        n=1,
        logprobs=False,
        parallel_tool_calls=True,
        response_format={"type": "text"},
        extra={"store": False, "modalities": ["text"]},
    )

    assert all(unsupported_fields(kind, request) == [] for kind in ADAPTERS)


def test_reserved_names_are_refused_even_when_an_operator_allows_them(config_for):
    config = config_for("openai", passthrough_fields=frozenset({"model", "stream", "top_k"}))
    request = ChatRequest(model="m", messages=[], extra={"model": "other", "stream": False, "top_k": 5})

    assert unsupported_fields(config, request) == ["model", "stream"]


async def test_empty_tool_and_stop_lists_ask_for_nothing_and_are_not_sent(config_for, fake_upstream):
    request = ChatRequest(
        model="gpt-4o-mini@empty-lists", messages=[{"role": "user", "content": "hi"}], tools=[], stop=[]
    )

    assert unsupported_fields("ollama", request) == []
    await get_adapter(config_for("openai")).chat(request)

    body = fake_upstream.last_body("openai", "gpt-4o-mini@empty-lists")
    assert "tools" not in body and "stop" not in body
