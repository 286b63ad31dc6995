"""The `/v1/` door, driven by the official `openai` package: answers, streams and typed errors."""

import openai
import pytest

from accounts.api_keys import api_key_revoke, key_hash
from accounts.models import ApiKey
from tests.ledger import flush_ledger
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)
HELLO = [{"role": "user", "content": "Say hello to the tests"}]


def _client(server, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=20)


def test_whole_chat_completion(app_server, alice_key, chat_model):
    completion = _client(app_server, alice_key).chat.completions.create(model=chat_model.slug, messages=HELLO)
    assert completion.choices[0].message.content and completion.model == chat_model.slug
    flush_ledger()
    assert completion.usage.total_tokens == Generation.objects.get().total_tokens
    assert Generation.objects.get().door == "openai"


def test_streamed_chat_completion_with_usage_chunk(app_server, alice_key, chat_model):
    stream = _client(app_server, alice_key).chat.completions.create(
        model=chat_model.slug, messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    usage_chunks = [c for c in chunks if c.usage is not None]
    assert len(usage_chunks) == 1 and usage_chunks[0].choices == []
    flush_ledger()
    row = Generation.objects.get()
    assert row.content == text and usage_chunks[0].usage.total_tokens == row.total_tokens


def test_legacy_completions_and_models(app_server, alice_key, chat_model):
    client = _client(app_server, alice_key)
    completion = client.completions.create(model=chat_model.slug, prompt="Once upon a time")
    assert completion.choices[0].text
    assert chat_model.slug in [m.id for m in client.models.list()]


def test_typed_errors(app_server, alice, alice_key, key_for, chat_model):
    with pytest.raises(openai.AuthenticationError):
        _client(app_server, "sk_live_" + "x" * 46).chat.completions.create(model=chat_model.slug, messages=HELLO)
    with pytest.raises(openai.NotFoundError):
        _client(app_server, alice_key).chat.completions.create(model="nope/nothing", messages=HELLO)
    with pytest.raises(openai.BadRequestError):
        _client(app_server, alice_key).chat.completions.create(model=chat_model.slug, messages=HELLO, temperature=9)
    with pytest.raises(openai.PermissionDeniedError):
        _client(app_server, key_for(alice, scopes=["usage:read"])).chat.completions.create(
            model=chat_model.slug, messages=HELLO
        )
    api_key_revoke(key=ApiKey.objects.get(hash=key_hash(alice_key)))
    with pytest.raises(openai.AuthenticationError):
        _client(app_server, alice_key).chat.completions.create(model=chat_model.slug, messages=HELLO)


def test_rate_limit_error_carries_retry_after(app_server, alice_key, chat_model):
    client = _client(app_server, alice_key)
    for _ in range(10):
        client.chat.completions.create(model=chat_model.slug, messages=HELLO)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=chat_model.slug, messages=HELLO)
    assert int(caught.value.response.headers["Retry-After"]) >= 1
    assert caught.value.response.headers["X-RateLimit-Remaining"] == "0"
