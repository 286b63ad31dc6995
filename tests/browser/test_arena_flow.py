"""The arena as a person uses it, in Chromium: a blind battle between demo models, the vote closed until
every answer is in, names revealed after it, a second vote refused; axe-clean light and dark, desktop
and phone."""

import pytest
from django.core.management import call_command

from arena.models import Battle, PoolEntry, Vote
from arena.services import vote_cast
from catalog.models import AIModel
from tests.browser.axe import serious_violations
from tests.browser.test_csp import watched  # noqa: F401  (the page with the policy enforced)
from tests.browser.test_playground_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]
SLUGS = ("demo/swift", "demo/deliberate")
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def pool(transactional_db):
    call_command("seed_catalog", verbosity=0)
    for slug in SLUGS:
        PoolEntry.objects.create(model=AIModel.objects.get(slug=slug))


def _vote_closed(page) -> bool:
    return page.locator("fieldset#vote").evaluate("el => el.disabled")


def test_blind_battle_names_hidden_until_the_vote_and_one_vote_only(
    page, alice, password, pool, new_context, screenshot
):
    sign_in(page, alice, password)
    page.goto("/playground/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Arena").click()
    page.get_by_label("Prompt", exact=True).fill("Compare rivers and lakes")
    page.get_by_role("button", name="Start the battle").click()
    page.wait_for_url("**/arena/b/**")

    # While the hidden models answer: text streams into slots A and B, the vote stays closed.
    page.locator('.arena-answer[data-slot="A"] .answer-stream').wait_for()
    page.wait_for_function(
        "document.querySelector('.arena-answer[data-slot=\"B\"] .answer-stream').textContent.length > 5"
    )
    assert _vote_closed(page)
    assert page.get_by_role("button", name="A is better").is_disabled()
    page.wait_for_function("!document.querySelector('fieldset#vote').disabled", timeout=60000)
    page.locator('.arena-answer[data-slot="B"] .md').wait_for()  # re-rendered as markdown, still blind
    statuses = page.locator(".arena-answer").evaluate_all("els => els.map(e => e.dataset.status)")
    assert statuses == ["success", "success"]
    assert page.locator("#stop-all").is_hidden()
    html = page.content()
    assert not any(slug in html for slug in SLUGS) and "Demo Swift" not in html
    screenshot("arena-battle")

    # A second tab on the same battle, open before the vote.
    other = new_context().new_page()
    sign_in(other, alice, password)
    other.goto(page.url)
    assert not _vote_closed(other)

    page.get_by_role("button", name="A is better").click()
    page.locator("#reveal").wait_for()
    battle = Battle.objects.get()
    first = battle.contestants.get(position=0)
    assert first.model_slug in page.locator('#reveal tr[data-slot="A"]').inner_text()
    assert "$" in page.locator("#reveal").inner_text()
    assert page.locator("#your-vote").inner_text() == "A is better"
    assert first.model_slug in page.locator('.arena-answer[data-slot="A"] .slot-name').inner_text()
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays at the top of the picture
    screenshot("arena-reveal")

    other.get_by_role("button", name="B is better").click()
    assert "already been voted" in other.locator(".messages").inner_text()
    assert Vote.objects.get().choice == "a"


@pytest.fixture
def finished_battles(pool, alice):
    """One battle voted and one waiting for its vote, answered by the ledger as the stream would."""
    from arena.services import battle_start
    from tests.arena.conftest import finish

    voted, pending = battle_start(user=alice, prompt="Name a colour", count=2)
    finish(pending)
    voted.refresh_from_db()
    vote_cast(battle=voted, user=alice, choice="tie")
    waiting, pending = battle_start(user=alice, prompt="Name a bird", count=2)
    finish(pending)
    return voted, waiting


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_arena_pages_pass_axe_and_fit_the_screen(new_context, alice, password, finished_battles, scheme, viewport):
    voted, waiting = finished_battles
    page = new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme).new_page()
    sign_in(page, alice, password)
    for path in [
        "/arena/",
        voted.get_absolute_url(),
        waiting.get_absolute_url(),
        "/arena/leaderboard/",
        "/arena/shortlist/",
    ]:
        assert page.goto(path).status == 200, path
        assert serious_violations(page) == [], f"{path} ({scheme}, {viewport})"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px ({scheme}, {viewport})"


def test_a_battle_streams_and_opens_the_vote_under_the_content_security_policy(watched, alice, password, pool):  # noqa: F811
    from playwright.sync_api import expect

    from tests.browser.test_csp import visit

    sign_in(watched, alice, password)
    visit(watched, "/arena/")
    watched.get_by_label("Prompt", exact=True).fill("Hello")
    watched.get_by_role("button", name="Start the battle").click()
    watched.wait_for_url("**/arena/b/**")
    expect(watched.get_by_role("button", name="A is better")).to_be_enabled(timeout=60000)  # arena.js ran
    assert watched.locator('.arena-answer[data-slot="A"] .answer-body').inner_text()
    watched.get_by_role("button", name="Tie").click()
    watched.locator("#reveal").wait_for()
    visit(watched, "/arena/leaderboard/")
    assert watched.locator("#leaderboard tbody tr").count() == 2
    assert watched.problems == []


def test_a_reload_mid_battle_reattaches_and_the_answers_finish(page, alice, password, pool):
    from arena.models import BattleAnswer

    sign_in(page, alice, password)
    page.goto("/arena/")
    page.get_by_label("Prompt", exact=True).fill("Write a long story about mountains and rivers")
    page.get_by_role("button", name="Start the battle").click()
    page.wait_for_url("**/arena/b/**")
    page.wait_for_function(
        "[...document.querySelectorAll('.arena-answer .answer-stream')].some(e => e.textContent.length > 20)"
    )
    page.reload()

    # The page reattaches: the answers stream again from their start and go on to the end.
    page.wait_for_function(
        "[...document.querySelectorAll('.arena-answer .answer-stream')].some(e => e.textContent.length > 20)"
        " || document.querySelectorAll('.arena-answer .md').length === 2"
    )
    page.wait_for_function("!document.querySelector('fieldset#vote').disabled", timeout=60000)
    page.locator('.arena-answer[data-slot="A"] .md').wait_for()
    page.locator('.arena-answer[data-slot="B"] .md').wait_for()
    statuses = page.locator(".arena-answer").evaluate_all("els => els.map(e => e.dataset.status)")
    assert statuses == ["success", "success"]  # not cancelled by the reload
    answers = BattleAnswer.objects.select_related("generation").order_by("contestant__position")
    for answer, label in zip(answers, "AB", strict=True):
        assert answer.status == "success" and answer.generation.status == "success"
        shown = " ".join(page.locator(f'.arena-answer[data-slot="{label}"] .answer-body').inner_text().split())
        last_words = " ".join(answer.generation.content.split()[-4:]).strip("*_`")
        assert last_words[-20:] in shown
        assert shown.count(last_words[-20:]) == 1  # shown once, not twice
    page.get_by_role("button", name="A is better").click()
    page.locator("#reveal").wait_for()


def test_the_demo_login_of_a_fresh_install_can_start_a_battle(page, transactional_db):
    from accounts.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
    from accounts.models import User

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # run again by every `make run`: the pool is not added to twice
    assert sorted(PoolEntry.objects.values_list("model__slug", flat=True)) == sorted(SLUGS)
    sign_in(page, User.objects.get(email=DEMO_EMAIL), DEMO_PASSWORD)
    page.goto("/arena/")
    page.get_by_label("Prompt", exact=True).fill("Hello")
    page.get_by_role("button", name="Start the battle").click()
    page.wait_for_url("**/arena/b/**")
    page.wait_for_function("!document.querySelector('fieldset#vote').disabled", timeout=60000)
