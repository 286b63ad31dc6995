import httpx
import pytest

from providers.base import ProviderError, VideoRequest
from providers.registry import get_adapter
from tests.providers.helpers import ask, collect


async def test_whole_reply_and_usage(config_for):
    result = await get_adapter(config_for("minimax")).chat(ask("MiniMax-M2@reasoning=2", "Say hello"))

    assert result.content == "Echo from MiniMax-M2: Say hello"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.reasoning_tokens) == (2, 5, 2)


@pytest.mark.parametrize("ending", ["", "@nodone"])
async def test_stream_ends_cleanly_with_or_without_done(config_for, ending):
    text, end = await collect(get_adapter(config_for("minimax")).stream_chat(ask(f"MiniMax-M2{ending}", "Say hello")))

    assert text == "Echo from MiniMax-M2: Say hello"  # the repeated full message in the last chunk is not added
    assert end.finish_reason == "stop"
    assert (end.usage.prompt_tokens, end.usage.completion_tokens) == (2, 5)


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("auth", "authentication"),
        ("quota", "quota_exhausted"),
        ("code=1028", "quota_exhausted"),
        ("code=2013", "bad_request"),
        ("code=1026", "content_filter"),
        ("code=2061", "permission"),
    ],
)
async def test_base_resp_errors_on_http_200_map_to_kinds(config_for, fake_upstream, fault, kind):
    model = f"MiniMax-M2@{fault}"
    adapter = get_adapter(config_for("minimax"))
    with pytest.raises(ProviderError) as whole:
        await adapter.chat(ask(model))
    with pytest.raises(ProviderError) as streamed:
        await collect(adapter.stream_chat(ask(model)))

    assert whole.value.kind == streamed.value.kind == kind
    assert whole.value.code == fault.removeprefix("code=").replace("auth", "1004").replace("quota", "1008")
    assert fake_upstream.requests("minimax", model) == 2  # one each, no retries


async def test_rate_limit_code_1002_is_retried(config_for, fake_upstream):
    result = await get_adapter(config_for("minimax")).chat(ask("MiniMax-M2@429x2"))

    assert result.content.startswith("Echo")
    assert fake_upstream.requests("minimax", "MiniMax-M2@429x2") == 3


async def test_mid_stream_sensitive_output_is_a_content_filter_error(config_for):
    received = []
    with pytest.raises(ProviderError) as caught:
        async for item in get_adapter(config_for("minimax")).stream_chat(ask("MiniMax-M2@midstream-error", "a b c")):
            received.append(item.content)

    assert received == ["Echo", " from"]
    assert caught.value.kind == "content_filter"


async def test_video_goes_from_queue_to_a_downloadable_file(config_for):
    adapter = get_adapter(config_for("minimax"))

    task_id = await adapter.video_submit(VideoRequest(model="MiniMax-Hailuo-02", prompt="A cat", duration=6))
    states = [await adapter.video_poll(task_id) for _ in range(3)]
    url = await adapter.video_result_url(states[-1].file_id)

    assert [s.state for s in states] == ["queueing", "processing", "success"]
    assert (states[-1].width, states[-1].height) == (1280, 720)
    async with httpx.AsyncClient() as client:
        video = await client.get(url)
    assert video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"


async def test_a_failed_video_task_reports_fail(config_for):
    adapter = get_adapter(config_for("minimax"))
    task_id = await adapter.video_submit(VideoRequest(model="MiniMax-Hailuo-02@fail", prompt="A cat"))

    states = [(await adapter.video_poll(task_id)).state for _ in range(2)]

    assert states == ["queueing", "fail"]


async def test_video_submit_with_a_bad_key_is_an_authentication_error(config_for):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("minimax")).video_submit(VideoRequest(model="MiniMax-Hailuo-02@auth", prompt="x"))

    assert caught.value.kind == "authentication"
