"""Tools and images in compare mode, in Chromium: two demo models get the same tool and image, each
calls the tool, the user types the result for one of them and its answer goes on; a model without
those capabilities cannot join. axe-core finds nothing serious, light and dark, desktop and phone."""

import io
import json

import pytest
from django.core.management import call_command
from PIL import Image

from playground.models import Conversation
from tests.browser.axe import serious_violations
from tests.browser.test_playground_flow import sign_in
from usage.models import Generation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.fixture
def catalog(transactional_db):
    call_command("seed_catalog", verbosity=0)


def red_png() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (210, 20, 20)).save(buffer, "PNG")
    return {"name": "red.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def loaded_width(image) -> int:
    """The natural width of an image once it has loaded (thumbnails load lazily)."""
    image.scroll_into_view_if_needed()
    image.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    return image.evaluate("img => img.naturalWidth")


def pane(page, model: str):
    return page.locator(f'.turn .answers > .answer[data-model="{model}"]')


def test_a_tool_and_an_image_go_to_two_models_and_the_result_continues_one(
    page, alice, password, catalog, new_context, screenshot
):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift&model=demo/deliberate")
    assert page.locator("#model-chips .chip").count() == 2
    page.get_by_label("Tool 1 name").fill("get_weather")
    page.get_by_label("Tool 1 description").fill("The weather in a city")
    page.get_by_label("Tool 1 parameters (JSON Schema)").fill(json.dumps(WEATHER))
    page.get_by_role("button", name="Add a tool").click()
    assert page.get_by_label("Tool 2 parameters (JSON Schema)").input_value() == ""  # left empty: not sent
    page.locator("#attach").set_input_files(red_png())
    page.locator("#attachments img").wait_for()
    assert loaded_width(page.locator("#attachments img")) == 48

    # Demo Echo takes neither tools nor images: marked in the picker, and it cannot be added now.
    page.locator("#model-search").fill("echo")
    echo = page.get_by_role("option", name="Demo Echo")
    assert "no tools" in echo.inner_text() and "no images" in echo.inner_text()
    echo.click()
    assert page.locator("#model-chips .chip").count() == 2
    assert "does not support tool calling, images" in page.locator("#picker-note").inner_text()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")

    page.get_by_role("textbox", name="Message").fill("Weather in Lisbon")
    page.get_by_role("textbox", name="Message").press("Enter")
    for model in ("demo/swift", "demo/deliberate"):
        pane(page, model).locator(".tool-call").wait_for(timeout=30000)
        assert "get_weather" in pane(page, model).locator(".tool-call figcaption").inner_text()
        arguments = json.loads(pane(page, model).locator(".tool-args").inner_text())
        assert isinstance(arguments["city"], str)
    assert loaded_width(page.locator(".turn .thumbs img")) == 48
    assert page.locator("#attachments img").count() == 0  # the composer is empty for the next message
    assert serious_violations(page) == []

    swift = pane(page, "demo/swift")
    swift.get_by_label("Result of get_weather").fill('{"temperature_c": 23, "sky": "sunny"}')
    swift.get_by_role("button", name="Send result").click()
    continued = swift.locator(".continuation .answer .md")
    continued.wait_for(timeout=30000)
    assert "sunny" in continued.inner_text() and "23" in continued.inner_text()
    assert swift.locator(".tool-result pre").inner_text() == '{"temperature_c": 23, "sky": "sunny"}'
    assert pane(page, "demo/deliberate").get_by_role("button", name="Send result").is_visible()
    screenshot("chat-tools-and-image")
    assert serious_violations(page) == []

    rows = list(Generation.objects.order_by("created_at"))
    assert {r.requested_model for r in rows[:2]} == {"demo/swift", "demo/deliberate"}
    for row in rows[:2]:  # the same image and tool went to each model
        assert row.input_messages[-1]["content"][1]["image_url"]["url"].startswith("/api/v1/media/")
        assert row.parameters["tools"][0]["function"]["name"] == "get_weather"
    assert rows[2].input_messages[-1]["role"] == "tool" and rows[2].status == "success"

    # Read back from the ledger, dark on a phone and light on a desktop: the call, the result, the image.
    url = Conversation.objects.get(owner=alice).get_absolute_url()
    for scheme, width, height in (("dark", 390, 844), ("light", 1280, 860)):
        context = new_context(color_scheme=scheme, viewport={"width": width, "height": height})
        context.add_cookies(page.context.cookies())
        other = context.new_page()
        other.goto(url)
        assert other.locator(".tool-call").count() == 2 and other.locator(".continuation .tool-result").count() == 1
        assert loaded_width(other.locator(".turn .thumbs img")) == 48
        assert other.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert serious_violations(other) == [], scheme


def test_json_mode_with_a_schema_shows_which_models_follow_it(page, alice, password, catalog):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift&model=demo/deliberate")
    assert page.get_by_label("JSON Schema", exact=True).is_hidden()
    page.get_by_label("Format").select_option("json_schema")
    page.get_by_label("JSON Schema", exact=True).fill("{not json")
    page.get_by_role("textbox", name="Message").fill("A city")
    page.get_by_role("textbox", name="Message").press("Enter")
    error = page.locator("#schema-error")
    error.get_by_text("The schema is not valid JSON").wait_for()
    assert page.locator(".turn").count() == 0
    assert page.get_by_role("textbox", name="Message").input_value() == "A city"  # kept, to send again

    page.get_by_label("JSON Schema", exact=True).fill(json.dumps(WEATHER))
    page.get_by_role("textbox", name="Message").press("Enter")
    for model in ("demo/swift", "demo/deliberate"):
        check = pane(page, model).locator(".format-check")
        check.wait_for(timeout=30000)
        assert check.inner_text() == "✓ Follows the schema."
        assert isinstance(json.loads(pane(page, model).locator(".md pre").inner_text())["city"], str)
    assert error.inner_text() == ""  # the earlier error is gone once a turn is accepted
    assert serious_violations(page) == []


DROP_AND_PASTE = """async (where) => {
  const canvas = document.createElement("canvas");
  canvas.width = 20; canvas.height = 10;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#1040d0"; ctx.fillRect(0, 0, 20, 10);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const data = new DataTransfer();
  data.items.add(new File([blob], "blue.png", { type: "image/png" }));
  const target = document.querySelector(where);
  if (where === "#prompt") target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
  else target.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true }));
}"""


def test_images_can_be_dropped_pasted_and_removed(page, alice, password, catalog):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift")
    page.evaluate(DROP_AND_PASTE, "form.composer")
    page.evaluate(DROP_AND_PASTE, "#prompt")
    thumbs = page.locator("#attachments img")
    assert thumbs.count() == 2 and loaded_width(thumbs.first) == 20
    assert page.locator("#attach").evaluate("input => input.files.length") == 2
    page.get_by_role("button", name="Remove image 1").click()
    assert thumbs.count() == 1 and page.locator("#attach").evaluate("input => input.files.length") == 1
    page.get_by_role("textbox", name="Message").fill("What colour?")
    page.get_by_role("textbox", name="Message").press("Enter")
    answer = pane(page, "demo/swift").locator(".md")
    answer.wait_for(timeout=30000)
    assert "20×10 pixels" in answer.inner_text() and "blue" in answer.inner_text()
