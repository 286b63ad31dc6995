"""The playground as a chat, in Chromium: several turns in a new conversation, the composer's keys, scrolling."""

import re

import pytest
from django.core.management import call_command

from playground.models import Conversation
from tests.browser.test_playground_flow import sign_in
from usage.models import Generation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def catalog(transactional_db):
    call_command("seed_catalog", verbosity=0)


def wait_for_answers(page, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('.turn').length === {count}"
        " && !document.querySelector('.turn.is-streaming')"
        " && document.querySelectorAll('.turn:last-child .answer .md').length > 0"
    )


def send(page, text: str) -> None:
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("textbox", name="Message").press("Enter")


def test_three_messages_in_a_new_chat_make_one_conversation(page, alice, password, catalog, screenshot):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift")
    prompt = page.get_by_role("textbox", name="Message")
    prompt.fill("first line")
    prompt.press("Shift+Enter")  # a new line, not a send
    prompt.type("second line")
    assert prompt.input_value() == "first line\nsecond line"
    assert page.locator(".turn").count() == 0
    prompt.press("Enter")
    wait_for_answers(page, 1)
    page.wait_for_url(re.compile(r"/playground/c/[0-9a-f-]+/$"))
    assert page.locator("#conv-list a[aria-current=page]").inner_text().startswith("first line")

    send(page, "Tell me more about rivers and lakes " * 8)
    wait_for_answers(page, 2)
    send(page, "And about the sea")
    wait_for_answers(page, 3)
    screenshot("chat-three-turns")

    conversation = Conversation.objects.get(owner=alice)
    assert page.url.endswith(conversation.get_absolute_url())
    third = Generation.objects.get(conversation=conversation, turn=2)
    assert [m["role"] for m in third.input_messages] == ["user", "assistant"] * 2 + ["user"]
    # The newest answer is in view: the chat followed it down.
    last = page.locator(".turn").last.locator(".answer").bounding_box()
    assert last["y"] < page.viewport_size["height"]
    composer = page.get_by_role("textbox", name="Message").bounding_box()
    assert composer["y"] + composer["height"] <= page.viewport_size["height"]


def test_reading_back_stops_following_and_offers_a_way_down(page, alice, password, catalog):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift")
    for n in range(3):
        send(page, f"Question {n}: " + "a long question about mountains " * 12)
        wait_for_answers(page, n + 1)
    page.locator("#turns").evaluate("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
    jump = page.get_by_role("button", name="Jump to latest")
    jump.wait_for()
    jump.click()
    page.wait_for_function(
        "(() => { const t = document.getElementById('turns'); "
        "return t.scrollHeight - t.scrollTop - t.clientHeight < 48; })()"
    )
    assert jump.is_hidden()


def test_ctrl_enter_mode_is_a_remembered_setting(page, alice, password, catalog):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift")
    page.get_by_label("Send with Ctrl+Enter").check()
    page.reload()
    assert page.get_by_label("Send with Ctrl+Enter").is_checked()
    prompt = page.get_by_role("textbox", name="Message")
    prompt.fill("one")
    prompt.press("Enter")
    assert page.locator(".turn").count() == 0 and prompt.input_value() == "one\n"
    prompt.press("Control+Enter")
    wait_for_answers(page, 1)


def test_a_reload_mid_answer_shows_the_whole_answer(page, alice, password, catalog):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/deliberate")
    page.get_by_label("Max tokens").fill("2000")
    send(page, "A long story about mountains")
    page.wait_for_function("document.querySelector('.answer-stream')?.textContent.length > 60")
    page.wait_for_url(re.compile(r"/playground/c/"))
    page.reload()
    answer = page.locator('.answer[data-model="demo/deliberate"]')
    assert answer.get_attribute("data-status") in ("queued", "streaming")  # the pane is there at once
    answer.locator(".md").wait_for(timeout=30000)
    assert answer.get_attribute("data-status") == "done"
    generation = Generation.objects.get()
    assert generation.status == "success"
    shown = " ".join(answer.locator(".answer-body").inner_text().split())
    last_words = " ".join(generation.content.split()[-4:]).strip("*_`")
    assert last_words[-20:] in shown


def test_edit_and_regenerate_the_first_turn_update_the_page_at_once(page, alice, password, catalog, screenshot):
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift")
    send(page, "Name a river")
    wait_for_answers(page, 1)
    send(page, "Name a lake")
    wait_for_answers(page, 2)

    first = page.locator(".turn").first
    first.get_by_role("button", name="Edit and resend").click()
    composer = page.get_by_role("textbox", name="Message")
    assert composer.input_value() == "Name a river"
    composer.fill("Name a mountain")
    composer.press("Enter")
    wait_for_answers(page, 1)  # the edited turn and the one after it left the page without a reload
    assert page.locator(".turn .turn-text").all_inner_texts() == ["Name a mountain"]

    page.locator(".turn").first.get_by_role("button", name="Regenerate the answers").click()
    page.wait_for_function(
        "document.querySelectorAll('.turn').length === 1 && !!document.querySelector('.turn.is-streaming')"
    )
    wait_for_answers(page, 1)
    assert page.locator(".turn .turn-text").all_inner_texts() == ["Name a mountain"]
    screenshot("chat-after-regenerate")
    conversation = Conversation.objects.get(owner=alice)
    assert Generation.objects.filter(conversation=conversation).count() == 4  # every billed call kept
    page.reload()
    assert page.locator(".turn .turn-text").all_inner_texts() == ["Name a mountain"]

    page.locator(".turn").first.get_by_role("button", name="Branch").click()
    page.wait_for_url(lambda url: conversation.get_absolute_url() not in url and "/playground/c/" in url)
    assert page.locator(".turn .turn-text").all_inner_texts() == ["Name a mountain"]
    send(page, "And a valley")
    wait_for_answers(page, 2)
    assert Conversation.objects.count() == 2


def test_four_answers_share_one_row_from_1280_px(page, alice, password, catalog, screenshot):
    from catalog.models import Provider
    from tests.factories import AIModelFactory

    AIModelFactory(provider=Provider.objects.get(slug="demo"), upstream_id="swift", slug="demo/swift-2")
    sign_in(page, alice, password)
    page.goto("/playground/?model=demo/swift&model=demo/deliberate&model=demo/echo&model=demo/swift-2")
    assert page.viewport_size["width"] == 1280
    send(page, "Hello, four of you")
    page.locator('.answer[data-model="demo/swift-2"]').wait_for()
    tops = page.locator(".answer").evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) == 4 and len(set(tops)) == 1
    wait_for_answers(page, 1)
    screenshot("playground-four-models")
    page.goto("/playground/video/")
    screenshot("video-form")
