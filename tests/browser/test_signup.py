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
