import time
from pathlib import Path

import pytest

from providers.base import ProviderConfig, ProviderError, StreamDelta, VideoRequest
from providers.registry import get_adapter
from tests.providers.helpers import ask, collect


def demo(pace: float = 0.0, **options):
    return get_adapter(ProviderConfig(kind="demo", base_url="", options={"pace": pace, **options}))


async def test_the_same_prompt_gives_the_same_reply_and_mentions_its_words():
    first, end = await collect(demo().stream_chat(ask("swift", "Explain photosynthesis in plants")))
    second, _ = await collect(demo().stream_chat(ask("swift", "Explain photosynthesis in plants")))

    assert first == second
    assert "photosynthesis" in first
    assert "\n- " in first  # a small markdown list
    assert end.usage.completion_tokens == len(first.split())
    assert end.usage.total_tokens == end.usage.prompt_tokens + end.usage.completion_tokens


async def test_asking_for_code_gets_a_code_block():
    result = await demo().chat(ask("swift", "Write python code that reverses a string"))

    assert "```python" in result.content


async def test_deliberate_writes_longer_replies_than_swift():
    swift = await demo().chat(ask("swift", "Tell me about rivers"))
    deliberate = await demo().chat(ask("deliberate", "Tell me about rivers"))

    assert deliberate.usage.completion_tokens > swift.usage.completion_tokens


async def test_swift_streams_faster_than_deliberate():
    async def seconds_for(model: str) -> float:
        started = time.monotonic()
        await collect(demo(pace=1.0).stream_chat(ask(model, "Tell me about rivers", max_tokens=5)))
        return time.monotonic() - started

    swift, deliberate = await seconds_for("swift"), await seconds_for("deliberate")
    assert deliberate >= 0.4  # 0.25 s to think, then 40 ms a token
    assert swift < deliberate / 2


async def test_echo_repeats_the_prompt():
    result = await demo().chat(ask("echo", "repeat after me"))

    assert result.content == "repeat after me"


async def test_max_tokens_cuts_the_reply_with_length():
    text, end = await collect(demo().stream_chat(ask("deliberate", "Tell me about rivers", max_tokens=4)))

    assert end.finish_reason == "length"
    assert end.usage.completion_tokens == 4
    assert len(text.split()) == 4


async def test_a_stop_sequence_ends_the_reply_early():
    full = await demo().chat(ask("swift", "Tell me about rivers"))
    cut = await demo().chat(ask("swift", "Tell me about rivers", stop=["\n"]))

    assert cut.content == full.content.split("\n")[0]
    assert cut.finish_reason == "stop"


async def test_fail_trigger_fails_before_the_first_token():
    with pytest.raises(ProviderError) as caught:
        async for _ in demo().stream_chat(ask("swift", "please [[fail]]")):
            pytest.fail("no token should arrive")

    assert caught.value.kind == "unavailable"


async def test_fail_mid_trigger_fails_after_some_tokens():
    received = []
    with pytest.raises(ProviderError):
        async for item in demo().stream_chat(ask("swift", "please [[fail-mid]]")):
            received.append(item)

    assert len(received) == 3 and all(isinstance(i, StreamDelta) for i in received)


async def test_unknown_model_is_model_not_found():
    with pytest.raises(ProviderError) as caught:
        await demo().chat(ask("gpt-99"))

    assert caught.value.kind == "model_not_found"


async def test_models_include_the_video_model():
    models = {m.id: m for m in await demo().list_models()}

    assert {"swift", "deliberate", "echo", "reel"} <= set(models)
    assert models["reel"].modality == "text->video"


async def test_video_progresses_to_success_and_points_at_a_real_mp4():
    adapter = demo(video_seconds=0.5)
    task_id = await adapter.video_submit(VideoRequest(model="reel", prompt="a lighthouse at dusk"))

    first = await adapter.video_poll(task_id)
    time.sleep(0.55)
    done = await adapter.video_poll(task_id)
    url = await adapter.video_result_url(done.file_id)

    assert first.state == "preparing"
    assert done.state == "success"
    assert url.startswith("file://")
    data = Path(url.removeprefix("file://")).read_bytes()
    assert data[4:8] == b"ftyp" and len(data) < 100_000


async def test_video_fail_trigger_ends_in_fail():
    adapter = demo(video_seconds=0.1)
    task_id = await adapter.video_submit(VideoRequest(model="reel", prompt="[[fail]] a storm"))
    time.sleep(0.06)

    status = await adapter.video_poll(task_id)

    assert status.state == "fail" and status.error
