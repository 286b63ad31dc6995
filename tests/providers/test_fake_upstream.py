"""The fake upstream checked against independent clients: the official openai package and raw HTTP."""

import httpx
import openai
import pytest

from providers.testing.plumbing import parse_faults


def sdk(fake_upstream) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=fake_upstream.base_url("openai"),
        api_key="sk-test",
        max_retries=0,
        http_client=httpx.Client(trust_env=False),
    )


def test_the_openai_package_reads_a_whole_reply_and_its_usage(fake_upstream):
    completion = sdk(fake_upstream).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hi"}]
    )

    assert completion.choices[0].message.content == "Echo from gpt-4o-mini: Say hi"
    assert completion.choices[0].finish_reason == "stop"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.usage.total_tokens) == (
        2,
        5,
        7,
    )


def test_the_openai_package_reads_a_stream_with_include_usage(fake_upstream):
    stream = sdk(fake_upstream).chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Stream this please"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo from gpt-4o-mini: Stream this please"
    assert chunks[-1].choices == []
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (3, 6)


def test_the_openai_package_sees_a_rate_limit_error(fake_upstream):
    with pytest.raises(openai.RateLimitError):
        sdk(fake_upstream).chat.completions.create(model="gpt-4o-mini@429", messages=[{"role": "user", "content": "x"}])


def test_the_openai_package_lists_models(fake_upstream):
    assert [m.id for m in sdk(fake_upstream).models.list()] == ["gpt-4o-mini", "gpt-4o"]


def test_streams_use_chunked_transfer_encoding(fake_upstream):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with (
        httpx.Client(trust_env=False) as client,
        client.stream("POST", fake_upstream.base_url("openai") + "/chat/completions", json=body) as response,
    ):
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.headers["content-type"] == "text/event-stream"
        assert response.read().endswith(b"data: [DONE]\n\n")


def test_counts_requests_per_model_and_resets(fake_upstream):
    with httpx.Client(trust_env=False) as client:
        for _ in range(2):
            client.post(
                fake_upstream.base_url("openai") + "/chat/completions", json={"model": "m@count", "messages": []}
            )
    assert fake_upstream.requests("openai", "m@count") == 2

    fake_upstream.reset()

    assert fake_upstream.requests("openai", "m@count") == 0


def test_fault_suffixes_are_parsed():
    faults = parse_faults("org/model:tag@latency=200@slow=50@429x2@nousage")

    assert faults.model == "org/model:tag"
    assert (faults.value("latency"), faults.value("slow")) == (200, 50)
    assert (faults.status, faults.times) == (429, 2)
    assert faults.has("nousage")
