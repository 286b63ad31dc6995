"""The whole chat surface through `/v1`, driven by the official SDKs against a live server and the fake
upstream (which speaks OpenAI's wire format and checks requests the way OpenAI does)."""

import base64
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import openai
import pytest
from django.conf import settings
from PIL import Image
from pydantic import BaseModel

from tests.ledger import flush_ledger
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)
NODE_DIR = Path(__file__).resolve().parents[1] / "node"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
EVERYTHING = {
    "supports_tools": True,
    "supports_vision": True,
    "supports_json_mode": True,
    "supports_json_schema": True,
    "supports_logprobs": True,
    "supports_reasoning_effort": True,
    "supports_n": True,
    "supports_seed": True,
    "supports_penalties": True,
}


def _client(server, key: str, **options) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, timeout=30, **{"max_retries": 0, **options})


@pytest.fixture
def capable(make_model):
    return make_model("gpt-4o-mini", **EVERYTHING)


def _png(color: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_tool_round_trip(app_server, alice_key, capable, fake_upstream):
    client = _client(app_server, alice_key)
    first = client.chat.completions.create(model=capable.slug, messages=ASK, tools=TOOLS, tool_choice="auto")
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather" and isinstance(json.loads(call.function.arguments)["city"], str)
    sent = fake_upstream.last_body("openai", "gpt-4o-mini")
    assert sent["tools"] == TOOLS and sent["tool_choice"] == "auto"

    messages = [
        *ASK,
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "Sunny and 21 degrees"},
    ]
    final = client.chat.completions.create(model=capable.slug, messages=messages, tools=TOOLS)
    assert final.choices[0].finish_reason == "stop"
    assert "Sunny and 21 degrees" in final.choices[0].message.content
    sent = fake_upstream.last_body("openai", "gpt-4o-mini")
    assert sent["messages"][1]["tool_calls"][0]["id"] == call.id and sent["messages"][2]["tool_call_id"] == call.id

    flush_ledger()
    calling, answering = Generation.objects.order_by("created_at")
    assert calling.output["tool_calls"][0]["function"]["name"] == "get_weather" and calling.content == ""
    assert calling.finish_reason == "tool_calls" and calling.parameters["tools"] == TOOLS
    assert answering.input_messages[2] == {"role": "tool", "tool_call_id": call.id, "content": "Sunny and 21 degrees"}


def test_streaming_helper_assembles_tool_call_deltas(app_server, alice_key, capable):
    client = _client(app_server, alice_key)
    chunks = list(client.chat.completions.create(model=capable.slug, messages=ASK, tools=TOOLS, stream=True))
    deltas = [d for c in chunks if c.choices for d in c.choices[0].delta.tool_calls or []]
    assert len(deltas) > 2 and deltas[0].id and deltas[0].function.name == "get_weather"
    assert all(d.id is None and d.function.name is None for d in deltas[1:])  # later pieces: argument fragments
    assert chunks[-1].choices[0].finish_reason == "tool_calls"

    with client.chat.completions.stream(model=capable.slug, messages=ASK, tools=TOOLS) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments)["city"]
    assert final.choices[0].finish_reason == "tool_calls"


def _tool_calls(completion) -> list[dict]:
    """OpenAI's shape of each call (what the ledger's `output` holds too)."""
    calls = completion.choices[0].message.tool_calls or []
    return [
        {"id": c.id, "type": c.type, "function": {"name": c.function.name, "arguments": c.function.arguments}}
        for c in calls
    ]


# "@stopfinish": an OpenAI-compatible upstream that ends a tool call with finish_reason "stop".
@pytest.mark.parametrize("upstream_id", ["gpt-4o-mini", "gpt-4o-mini@stopfinish"])
def test_a_cached_tool_call_comes_back_whole(app_server, alice_key, make_model, fake_upstream, upstream_id):
    model = make_model(upstream_id, **EVERYTHING)
    client = _client(app_server, alice_key)
    ask = {"model": model.slug, "messages": ASK, "tools": TOOLS, "temperature": 0}
    first = client.chat.completions.create(**ask)
    calls = fake_upstream.stats()["requests"]
    second = client.chat.completions.create(**ask)
    assert fake_upstream.stats()["requests"] == calls  # answered from the response cache
    assert _tool_calls(first) and _tool_calls(second) == _tool_calls(first)
    assert first.choices[0].finish_reason == second.choices[0].finish_reason == "tool_calls"
    assert second.choices[0].message.content is None

    # The same request streamed is answered from the same entry: the call as deltas, then its finish.
    with client.chat.completions.stream(**ask) as stream:
        streamed = stream.get_final_completion()
    assert fake_upstream.stats()["requests"] == calls
    assert _tool_calls(streamed) == _tool_calls(first) and streamed.choices[0].finish_reason == "tool_calls"
    flush_ledger()
    hits = Generation.objects.filter(cache_hit=True).order_by("created_at")
    assert [row.output["tool_calls"] for row in hits] == [_tool_calls(first)] * 2


def test_a_streamed_tool_call_is_cached_whole(app_server, alice_key, make_model, fake_upstream):
    model = make_model("gpt-4o-mini@stopfinish", **EVERYTHING)
    client = _client(app_server, alice_key)
    ask = {"model": model.slug, "messages": ASK, "tools": TOOLS, "temperature": 0}
    with client.chat.completions.stream(**ask) as stream:
        first = stream.get_final_completion()
    calls = fake_upstream.stats()["requests"]
    second = client.chat.completions.create(**ask)
    assert fake_upstream.stats()["requests"] == calls
    assert _tool_calls(first) and _tool_calls(second) == _tool_calls(first)
    assert second.choices[0].finish_reason == "tool_calls"


class Weather(BaseModel):
    city: str
    degrees: int
    sunny: bool


def test_parse_with_a_pydantic_model(app_server, alice_key, capable, fake_upstream):
    completion = _client(app_server, alice_key).chat.completions.parse(
        model=capable.slug, messages=ASK, response_format=Weather
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Weather)
    sent = fake_upstream.last_body("openai", "gpt-4o-mini")["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "Weather"
    assert sent["json_schema"]["strict"] is True


def test_json_schema_is_refused_by_name_for_a_model_without_it(app_server, alice_key, make_model, fake_upstream):
    plain = make_model("gpt-4o-mini", slug="fakeai/plain")
    before = fake_upstream.requests("openai", "gpt-4o-mini")
    with pytest.raises(openai.BadRequestError) as caught:
        _client(app_server, alice_key).chat.completions.parse(model=plain.slug, messages=ASK, response_format=Weather)
    error = caught.value.body
    assert error["param"] == "response_format" and "fakeai/plain" in error["message"]
    assert fake_upstream.requests("openai", "gpt-4o-mini") == before  # no upstream call
    assert caught.value.response.headers["x-should-retry"] == "false"


def test_image_parts_reach_the_model(app_server, alice_key, capable, fake_upstream):
    content = [
        {"type": "text", "text": "Describe these"},
        {"type": "image_url", "image_url": {"url": _png((200, 0, 0)), "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]
    completion = _client(app_server, alice_key).chat.completions.create(
        model=capable.slug, messages=[{"role": "user", "content": content}]
    )
    assert "[2 images]" in completion.choices[0].message.content
    assert fake_upstream.last_body("openai", "gpt-4o-mini")["messages"][0]["content"] == content


def test_an_image_for_a_model_without_vision_is_refused(app_server, alice_key, make_model):
    plain = make_model("gpt-4o-mini", slug="fakeai/blind")
    content = [{"type": "image_url", "image_url": {"url": _png((0, 0, 200))}}]
    with pytest.raises(openai.BadRequestError) as caught:
        _client(app_server, alice_key).chat.completions.create(
            model=plain.slug, messages=[{"role": "user", "content": content}]
        )
    assert "fakeai/blind" in caught.value.body["message"] and "image" in caught.value.body["message"]


def test_n_2_in_one_call_where_the_model_takes_n(app_server, alice_key, capable, fake_upstream):
    completion = _client(app_server, alice_key).chat.completions.create(
        model=capable.slug, messages=ASK, n=2, logprobs=True, top_logprobs=2
    )
    assert [c.index for c in completion.choices] == [0, 1]
    assert completion.choices[0].message.content != completion.choices[1].message.content
    top = completion.choices[0].logprobs.content[0]
    assert top.token and top.logprob <= 0 and len(top.top_logprobs) == 2
    sent = fake_upstream.last_body("openai", "gpt-4o-mini")
    assert sent["n"] == 2 and sent["logprobs"] is True and sent["top_logprobs"] == 2
    flush_ledger()
    row = Generation.objects.get()
    assert row.output["choices"][0]["content"] == completion.choices[1].message.content


def test_n_2_as_two_metered_calls_where_it_does_not(app_server, alice_key, make_model, fake_upstream):
    single = make_model("gpt-4o-mini", slug="fakeai/single")
    before = fake_upstream.requests("openai", "gpt-4o-mini")
    completion = _client(app_server, alice_key).chat.completions.create(model=single.slug, messages=ASK, n=2)
    assert [c.index for c in completion.choices] == [0, 1]
    assert fake_upstream.requests("openai", "gpt-4o-mini") == before + 2
    assert "n" not in fake_upstream.last_body("openai", "gpt-4o-mini")
    flush_ledger()
    rows = list(Generation.objects.all())
    assert len(rows) == 2 and all(r.cost > 0 for r in rows)
    assert completion.usage.total_tokens == sum(r.total_tokens for r in rows)


def test_streamed_n_2_as_two_calls_are_indexed_choices(app_server, alice_key, make_model):
    single = make_model("gpt-4o-mini", slug="fakeai/single-stream")
    chunks = list(
        _client(app_server, alice_key).chat.completions.create(model=single.slug, messages=ASK, n=2, stream=True)
    )
    texts = {0: "", 1: ""}
    for chunk in chunks:
        for choice in chunk.choices:
            texts[choice.index] += choice.delta.content or ""
    assert texts[0] and texts[1]
    finishes = {c.index: c.finish_reason for chunk in chunks for c in chunk.choices if c.finish_reason}
    assert finishes == {0: "stop", 1: "stop"}


def test_usage_details_where_the_sdk_reads_them(app_server, alice_key, make_model):
    cached = make_model("gpt-4o-mini@cached=3@reasoning=2", slug="fakeai/details", **EVERYTHING)
    completion = _client(app_server, alice_key).chat.completions.create(
        model=cached.slug, messages=ASK, reasoning_effort="low"
    )
    assert completion.usage.prompt_tokens_details.cached_tokens == 3
    assert completion.usage.completion_tokens_details.reasoning_tokens == 2


def test_user_and_metadata_are_recorded(app_server, alice_key, capable):
    _client(app_server, alice_key).chat.completions.create(
        model=capable.slug, messages=ASK, user="customer-42", metadata={"ticket": "T-9"}, safety_identifier="h-1"
    )
    flush_ledger()
    row = Generation.objects.get()
    assert row.parameters["user"] == "customer-42" and row.parameters["metadata"] == {"ticket": "T-9"}
    assert row.parameters["safety_identifier"] == "h-1"


# ---- errors -------------------------------------------------------------------------------------


def test_upstream_429_is_a_rate_limit_error_with_retry_after(app_server, alice_key, make_model):
    limited = make_model("gpt-4o-mini@429@noms", slug="fakeai/limited")
    with pytest.raises(openai.RateLimitError) as caught:
        _client(app_server, alice_key).chat.completions.create(model=limited.slug, messages=ASK)
    assert int(caught.value.response.headers["Retry-After"]) >= 1
    flush_ledger()
    assert Generation.objects.get().cost == 0


def test_a_persistent_upstream_500_is_not_retried_by_the_sdk(app_server, alice_key, make_model, fake_upstream):
    broken = make_model("gpt-4o-mini@500", slug="fakeai/broken")
    before = fake_upstream.requests("openai", "gpt-4o-mini@500")  # the fake counts for the whole session
    with pytest.raises(openai.InternalServerError) as caught:
        _client(app_server, alice_key, max_retries=2).chat.completions.create(model=broken.slug, messages=ASK)
    assert caught.value.status_code == 502 and caught.value.response.headers["x-should-retry"] == "false"
    # The gateway's own retries only: the SDK did not send the request again.
    assert fake_upstream.requests("openai", "gpt-4o-mini@500") - before == 1 + settings.PROVIDER_MAX_RETRIES


def test_no_upstream_body_or_exception_text_reaches_the_client(app_server, alice_key, make_model):
    html = make_model("gpt-4o-mini@html", slug="fakeai/html")
    with pytest.raises(openai.APIStatusError) as caught:
        _client(app_server, alice_key).chat.completions.create(model=html.slug, messages=ASK)
    message = caught.value.body["message"]
    assert "<" not in message and "Error(" not in message and "Traceback" not in message


def test_every_error_class(app_server, alice, alice_key, key_for, capable):
    client = _client(app_server, alice_key)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=capable.slug, messages=ASK, extra_body={"prediction": {"type": "content"}})
    assert caught.value.body["param"] == "prediction"
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=capable.slug, messages=ASK, extra_body={"top_k": 3})
    assert caught.value.body["param"] == "top_k" and capable.slug in caught.value.body["message"]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=capable.slug, messages=[{"role": "tool", "content": "x"}])
    assert caught.value.body["param"] == "messages[0].tool_call_id"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope/nothing", messages=ASK)
    with pytest.raises(openai.NotFoundError) as caught:
        client.get("/nothing-here", cast_to=object)
    assert caught.value.body["type"] == "invalid_request_error"
    with pytest.raises(openai.AuthenticationError):
        _client(app_server, "sk_live_" + "x" * 46).chat.completions.create(model=capable.slug, messages=ASK)
    with pytest.raises(openai.PermissionDeniedError):
        _client(app_server, key_for(alice, scopes=["usage:read"])).chat.completions.create(
            model=capable.slug, messages=ASK
        )


def test_405_is_openai_shaped_json(app_server):
    response = httpx.get(f"{app_server.url}/v1/chat/completions")
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"model": "m", "messages": [{"role": "user", "content": "a\\u0000b"}]}',
        b'{"model": "m", "messages": [{"role": "user", "content": "\\ud800"}]}',
        b'{"model": "m", "messages": ' + b"[" * 100 + b"]" * 100 + b"}",
    ],
    ids=["nul", "surrogate", "deep"],
)
def test_unsafe_json_is_refused_before_admission(app_server, alice_key, capable, raw):
    headers = {"Authorization": f"Bearer {alice_key}", "Content-Type": "application/json"}
    response = httpx.post(f"{app_server.url}/v1/chat/completions", content=raw, headers=headers)
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
    flush_ledger()
    assert not Generation.objects.exists()
    good = httpx.post(
        f"{app_server.url}/v1/chat/completions", json={"model": capable.slug, "messages": ASK}, headers=headers
    )
    assert good.headers["X-RateLimit-Remaining"] == "9"  # the refused body was never admitted


# ---- no field dropped ---------------------------------------------------------------------------

SAMPLES = {
    "audio": {"voice": "alloy", "format": "wav"},
    "frequency_penalty": 0.5,
    "function_call": "auto",
    "functions": [{"name": "f", "parameters": {"type": "object"}}],
    "logit_bias": {"50256": -100},
    "logprobs": True,
    "max_completion_tokens": 50,
    "max_tokens": 50,
    "metadata": {"k": "v"},
    "modalities": ["text", "audio"],
    "n": 2,
    "parallel_tool_calls": False,
    "prediction": {"type": "content", "content": "x"},
    "presence_penalty": 0.5,
    "prompt_cache_key": "k",
    "prompt_cache_retention": "24h",
    "reasoning_effort": "low",
    "response_format": {"type": "json_object"},
    "safety_identifier": "h",
    "seed": 7,
    "service_tier": "flex",
    "stop": ["zzz"],
    "store": True,
    "stream_options": {"include_usage": True},
    "temperature": 0.5,
    "tool_choice": "required",
    "tools": TOOLS,
    "top_logprobs": 2,
    "top_p": 0.5,
    "user": "u",
    "verbosity": "low",
    "web_search_options": {},
}
# One output cap, whichever name it came by; adapters send it by the name the upstream documents.
CAP_NAMES = ("max_completion_tokens", "max_tokens")


def _openai_chat_fields() -> list[str]:
    from openai.types.chat import completion_create_params

    names = set(completion_create_params.CompletionCreateParamsBase.__annotations__)
    return sorted(names - {"model", "messages", "stream"})


@pytest.mark.parametrize("name", _openai_chat_fields())
def test_every_openai_chat_field_arrives_or_is_refused_by_name(app_server, alice_key, capable, fake_upstream, name):
    value = SAMPLES.get(name, "x")
    body = {"model": capable.slug, "messages": ASK, name: value}
    if name == "top_logprobs":
        body["logprobs"] = True
    if name == "stream_options":
        body["stream"] = True
    headers = {"Authorization": f"Bearer {alice_key}"}
    fake_upstream.reset()
    response = httpx.post(f"{app_server.url}/v1/chat/completions", json=body, headers=headers, timeout=30)
    if response.status_code == 400:
        error = response.json()["error"]
        assert error["param"] == name and name in error["message"], error
        assert fake_upstream.requests("openai", "gpt-4o-mini") == 0
        return
    assert response.status_code == 200, response.text
    sent = fake_upstream.last_body("openai", "gpt-4o-mini")
    if name == "stream_options":
        assert sent["stream_options"]["include_usage"] is True
        return
    names = CAP_NAMES if name in CAP_NAMES else (name,)
    arrived = next((sent[n] for n in names if n in sent), None)
    assert arrived == value, (name, sent)


# ---- the JavaScript SDK -------------------------------------------------------------------------


def _node_sdk() -> Path:
    """tests/node with the pinned `openai` package installed (npm ci from its lock file when missing)."""
    assert shutil.which("node") and shutil.which("npm"), "node and npm are needed for the JavaScript SDK test"
    if not (NODE_DIR / "node_modules" / "openai").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=NODE_DIR, check=True)
    return NODE_DIR


def test_tool_round_trip_with_the_javascript_sdk(app_server, alice_key, capable):
    folder = _node_sdk()
    env = {**os.environ, "SB_BASE_URL": f"{app_server.url}/v1", "SB_API_KEY": alice_key, "SB_MODEL": capable.slug}
    done = subprocess.run(
        ["node", "tool_round_trip.mjs"], cwd=folder, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["finish_reason"] == "tool_calls" and result["tool"] == "get_weather"
    assert result["arguments"]["city"] and result["streamed_arguments"] == result["arguments"]
    assert "Sunny and 21 degrees" in result["answer"] and result["final_finish_reason"] == "stop"
