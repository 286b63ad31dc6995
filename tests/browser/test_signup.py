import pytest

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_signs_up_in_the_browser_and_lands_signed_in(page, screenshot):
    page.goto("/")
    screenshot("home")
    page.get_by_role("link", name="Create a free account").click()
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password:", exact=True).fill("Plenty-long7")
    page.get_by_label("Password (again)").fill("Plenty-long7")
    screenshot("signup")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(lambda url: "/signup" not in url)
    assert page.locator(".nav-user").inner_text() == "newcomer"
    assert User.objects.filter(email="newcomer@example.com").exists()


def test_theme_toggle_switches_and_is_remembered(page, alice, password):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/login" not in url)
    before = page.locator("html").get_attribute("data-theme")
    page.locator("#theme-toggle").click()
    after = page.locator("html").get_attribute("data-theme")
    assert after != before
    page.wait_for_timeout(300)
    page.reload()
    assert page.locator("html").get_attribute("data-theme") == after


def test_a_new_account_starts_in_the_playground_and_the_home_cards_line_up(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("starter@example.com")
    page.get_by_label("Username").fill("starter")
    page.get_by_label("Password:", exact=True).fill("Plenty-long7")
    page.get_by_label("Password (again)").fill("Plenty-long7")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/playground/")
    assert page.get_by_role("textbox", name="Message").is_visible()  # ready to write the first message

    page.goto("/")
    heights = page.locator(".features .card").evaluate_all(
        "cards => cards.map(c => Math.round(c.getBoundingClientRect().height))"
    )
    assert len(heights) >= 2 and len(set(heights)) == 1, heights  # one row of equal cards
