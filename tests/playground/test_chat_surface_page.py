"""The playground's chat surface: tools, the JSON mode and images, sent from the composer to every
chosen model, with the demo models (real answers, no keys)."""

import io
import json
import re

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import AsyncClient
from PIL import Image

from playground.models import Conversation
from tests.playground.conftest import sse_events
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)
WEATHER = json.dumps({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
TOOL = {"tool_name": "get_weather", "tool_description": "The weather in a city", "tool_parameters": WEATHER}


@pytest.fixture
def catalog(transactional_db):
    call_command("seed_catalog", verbosity=0)


def png(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return SimpleUploadedFile("red.png", buffer.getvalue(), content_type="image/png")


def send(client, data: dict) -> str:
    response = client.post("/playground/send", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content
    return response.content.decode()


async def stream(user, html: str) -> list[dict]:
    client = AsyncClient()
    await client.aforce_login(user)
    url = re.search(r'data-stream-url="([^"]+)"', html).group(1)
    return await sse_events(await client.get(url))


def text_of(events: list[dict]) -> str:
    return "".join(e["content"] for e in events if e["type"] == "chunk")


# --- Validation next to the field ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "box", "words"),
    [
        ({"tool_name": "get weather", "tool_parameters": WEATHER}, "tool-1-error", "letters, digits"),
        ({"tool_name": "f", "tool_parameters": '{"type": "object",'}, "tool-1-error", "not valid JSON"),
        ({"tool_name": "f", "tool_parameters": '{"type": "nonsense"}'}, "tool-1-error", "not a valid JSON Schema"),
        ({"tool_name": "f", "tool_parameters": "[1]"}, "tool-1-error", "must be a JSON Schema object"),
        ({"tool_name": ["f", "f"], "tool_parameters": ["", ""]}, "tools-error", "same name"),
        ({"response_type": "json_schema", "schema": ""}, "schema-error", "Write the JSON Schema"),
        ({"response_type": "json_schema", "schema": '{"type": 5}'}, "schema-error", "not a valid JSON Schema"),
    ],
)
def test_a_wrong_tool_or_schema_is_explained_next_to_its_field_and_nothing_starts(
    client, alice, catalog, fields, box, words
):
    client.force_login(alice)
    html = send(client, {"prompt": "Weather in Paris?", "models": ["demo/swift"], **fields})
    note = re.search(rf'<p [^>]*id="{box}"[^>]*hx-swap-oob="true">([^<]*)</p>', html)
    assert note and words in note.group(1), html
    assert not Conversation.objects.exists() and not Generation.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_by_name(client, alice, catalog):
    client.force_login(alice)
    fake = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
    html = send(client, {"prompt": "What is this?", "models": ["demo/swift"], "images": [fake]})
    assert 'id="attach-error"' in html and "Image 1 is not a PNG, JPEG, GIF or WebP image." in html
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (TOOL, "tool calling"),
        ({"response_type": "json_schema", "schema": WEATHER}, "structured output"),
        ({"response_type": "json_object"}, "JSON mode"),
    ],
)
def test_a_model_without_the_capability_cannot_join_the_comparison(client, alice, catalog, fields, words):
    client.force_login(alice)
    html = send(client, {"prompt": "Weather in Paris?", "models": ["demo/swift", "demo/echo"], **fields})
    assert "Demo Echo does not support" in html and words in html
    assert not Conversation.objects.exists() and not Generation.objects.exists()


def test_images_cannot_go_to_a_model_that_does_not_see_them(client, alice, catalog):
    client.force_login(alice)
    html = send(client, {"prompt": "Describe", "models": ["demo/echo"], "images": [png()]})
    assert "Demo Echo does not support image input" in html
    assert not Generation.objects.exists()


def option(page: str, slug: str) -> str:
    """The picker's option for `slug` (the first one: favourites are empty here)."""
    pattern = rf'<div role="option"[^>]*data-slug="{slug}".*?</div>\s*(?=<div role="option"|</div>)'
    found = re.search(pattern, page, re.S)
    assert found, slug
    return found.group(0)


def test_the_picker_marks_models_without_tools_or_images(client, alice, catalog):
    client.force_login(alice)
    page = client.get("/playground/").content.decode()
    echo, swift = option(page, "demo/echo"), option(page, "demo/swift")
    assert 'data-tools="0"' in echo and "no tools" in echo and "no images" in echo
    assert 'data-tools="1"' in swift and "no tools" not in swift


# --- Tools: a call, the user's result, the model's answer ---------------------------------------


async def test_a_tool_call_shows_and_its_result_continues_the_turn(client, alice, bob, catalog):
    await sync_to_async(client.force_login)(alice)
    html = await sync_to_async(send)(
        client, {"prompt": "Weather in Lisbon", "models": ["demo/swift", "demo/deliberate"], **TOOL}
    )
    events = await stream(alice, html)
    calls = {e["model"]: e["tool_calls"] for e in events if e["type"] == "tool_calls"}
    assert set(calls) == {"demo/swift", "demo/deliberate"}  # the same tools went to both models
    call = calls["demo/swift"][0]
    assert call["function"]["name"] == "get_weather" and "city" in json.loads(call["function"]["arguments"])

    first = await Generation.objects.aget(requested_model="demo/swift")
    assert first.parameters["tools"][0]["function"]["name"] == "get_weather"
    pane = (await sync_to_async(client.get)(f"/playground/generations/{first.pk}/render")).content.decode()
    assert "Calls the tool <code>get_weather</code>" in pane and "&quot;city&quot;:" in pane  # pretty JSON
    assert f'name="tool_call_id" value="{call["id"]}"' in pane and "Result of get_weather" in pane

    url = f"/playground/generations/{first.pk}/tool-result"
    other = AsyncClient()
    await other.aforce_login(bob)
    assert (await other.post(url, {"tool_call_id": call["id"], "result": "x"})).status_code == 404
    missing = await sync_to_async(client.post)(url, {"tool_call_id": call["id"], "result": " "}, HTTP_HX_REQUEST="true")
    assert "Write each tool" in missing.content.decode() and missing["HX-Retarget"] == f"#result-error-{first.pk}"

    result = '{"temperature_c": 23, "sky": "sunny"}'
    answered = {"tool_call_id": call["id"], "result": result}
    continued = await sync_to_async(client.post)(url, answered, HTTP_HX_REQUEST="true")
    body = continued.content.decode()
    assert "Result of <code>get_weather</code>" in body and "data-stream-url" in body
    answer = text_of(await stream(alice, body))
    assert "23" in answer and "sunny" in answer

    final = await Generation.objects.exclude(pk=first.pk).aget(requested_model="demo/swift")
    assert final.turn == first.turn and final.content
    assert final.input_messages[-2]["tool_calls"][0]["id"] == call["id"]
    assert final.input_messages[-1] == {"role": "tool", "tool_call_id": call["id"], "content": result}
    again = await sync_to_async(client.post)(url, answered, HTTP_HX_REQUEST="true")
    assert "sent already" in again.content.decode()
    assert await Generation.objects.filter(requested_model="demo/swift").acount() == 2

    # Read back: the call, the result and the answer, in the turn they belong to; no form any more.
    conversation = await Conversation.objects.aget(owner=alice)
    page = (await sync_to_async(client.get)(conversation.get_absolute_url())).content.decode()
    assert page.count('<article class="turn') == 1
    assert "Calls the tool <code>get_weather</code>" in page and "Result of <code>get_weather</code>" in page
    assert f'action="{url}"' not in page
    assert "sunny" in page


# --- JSON mode ---------------------------------------------------------------------------------


async def test_json_schema_mode_answers_an_object_that_follows_the_schema(client, alice, catalog):
    await sync_to_async(client.force_login)(alice)
    data = {"prompt": "A city", "models": ["demo/swift"], "response_type": "json_schema", "schema": WEATHER}
    events = await stream(alice, await sync_to_async(send)(client, {**data, "schema_name": "city"}))
    answer = json.loads(text_of(events))
    assert isinstance(answer["city"], str)
    generation = await Generation.objects.aget()
    assert generation.parameters["response_format"]["json_schema"]["name"] == "city"
    pane = (await sync_to_async(client.get)(f"/playground/generations/{generation.pk}/render")).content.decode()
    assert "✓ Follows the schema." in pane


# --- Images ------------------------------------------------------------------------------------


async def test_an_attached_image_reaches_the_model_and_shows_in_the_turn(client, alice, bob, catalog):
    await sync_to_async(client.force_login)(alice)
    html = await sync_to_async(send)(client, {"prompt": "What is this?", "models": ["demo/swift"], "images": [png()]})
    thumb = re.search(r'<img src="(/playground/chat-images/[0-9a-f]{64})"', html)
    assert thumb, html
    answer = text_of(await stream(alice, html))
    assert "40×30 pixels" in answer and "red" in answer
    generation = await Generation.objects.aget()
    part = generation.input_messages[-1]["content"][1]
    assert part["image_url"]["url"].startswith("/api/v1/media/")  # the row keeps a reference, not the bytes
    image = await sync_to_async(client.get)(thumb.group(1))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    other = AsyncClient()
    await other.aforce_login(bob)
    assert (await other.get(thumb.group(1))).status_code == 404
    conversation = await Conversation.objects.aget(owner=alice)
    page = (await sync_to_async(client.get)(conversation.get_absolute_url())).content.decode()
    assert f'<img src="{thumb.group(1)}"' in page and "What is this?" in page


def test_view_code_carries_the_tools_and_the_schema(client, alice, catalog):
    client.force_login(alice)
    query = {"models": "demo/swift", "prompt": "Hi", **TOOL, "response_type": "json_schema", "schema": WEATHER}
    code = client.get("/playground/code", query).content.decode()
    assert "get_weather" in code and "json_schema" in code


def test_in_json_mode_each_answer_says_whether_it_follows_the_schema(client, alice, catalog):
    conversation = Conversation.objects.create(owner=alice, title="Cities", models=["demo/swift", "demo/deliberate"])
    schema_format = {"type": "json_schema", "json_schema": {"name": "city", "schema": json.loads(WEATHER)}}
    answers = {"demo/swift": '{"city": "Lisbon"}', "demo/deliberate": '{"city": 5}', "demo/echo": "Lisbon"}
    for model, content in answers.items():
        Generation.objects.create(
            conversation=conversation, user=alice, turn=0, requested_model=model, model_slug=model,
            input_messages=[{"role": "user", "content": "A city"}], content=content, status="success",
            parameters={"response_format": schema_format}, door="playground",
        )  # fmt: skip
    client.force_login(alice)
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "✓ Follows the schema." in page
    assert "✗ Does not follow the schema at city: 5 is not of type &#x27;string&#x27;" in page
    assert "✗ Not valid JSON." in page
    assert page.count('data-lang="json"') == 2  # the JSON answers, pretty-printed as code


async def test_an_image_stays_in_the_thread_of_later_turns(client, alice, catalog):
    await sync_to_async(client.force_login)(alice)
    html = await sync_to_async(send)(client, {"prompt": "What is this?", "models": ["demo/swift"], "images": [png()]})
    await stream(alice, html)
    conversation = str((await Conversation.objects.aget(owner=alice)).pk)
    refused = await sync_to_async(send)(
        client, {"prompt": "And now?", "models": ["demo/echo"], "conversation": conversation}
    )
    assert "Demo Echo does not support image input" in refused  # the thread holds an image

    later = await sync_to_async(send)(
        client, {"prompt": "And now?", "models": ["demo/swift"], "conversation": conversation}
    )
    await stream(alice, later)
    second = await Generation.objects.aget(turn=1)
    assert second.status == "success"
    first_message = second.input_messages[0]
    assert first_message["content"][0] == {"type": "text", "text": "What is this?"}
    assert first_message["content"][1]["image_url"]["url"].startswith("/api/v1/media/")
