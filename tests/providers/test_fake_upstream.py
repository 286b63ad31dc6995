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


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def test_the_openai_package_assembles_a_streamed_tool_call_from_the_fake(fake_upstream):
    with sdk(fake_upstream).chat.completions.stream(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Weather in Oslo?"}],
        tools=[WEATHER],
    ) as stream:
        final = stream.get_final_completion()

    [call] = final.choices[0].message.tool_calls
    assert (call.function.name, call.function.parsed_arguments) == ("get_weather", {"city": "Oslo"})
    assert final.choices[0].finish_reason == "tool_calls"


def test_the_openai_package_reads_logprobs_and_n_choices_from_the_fake(fake_upstream):
    completion = sdk(fake_upstream).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], n=2, logprobs=True, top_logprobs=1
    )

    assert [c.message.content for c in completion.choices] == [
        "Echo from gpt-4o-mini: hi",
        "Echo from gpt-4o-mini: hi (2)",
    ]
    assert [t.token for t in completion.choices[0].logprobs.content] == ["Echo", " from", " gpt-4o-mini:", " hi"]


def test_the_openai_package_parses_a_json_schema_answer_from_the_fake(fake_upstream):
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    completion = sdk(fake_upstream).chat.completions.parse(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Tell me about Oslo, 700000 people"}],
        response_format=City,
    )

    assert completion.choices[0].message.parsed == City(name="Oslo", population=700000)
