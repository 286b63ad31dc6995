"""The profile card of the settings page and the public profile in a real browser: an avatar chosen in
the form shows on the public page, and both pages pass axe in light and dark, on desktop and phone."""

import pytest

from tests.accounts import images
from tests.browser.axe import serious_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def signed_in(new_context, app_server, alice, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")

    def sign_in(**options):
        context = new_context(**options)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=login]", alice.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return sign_in


def _fill_profile(page, avatar_path) -> None:
    page.goto("/settings/")
    page.set_input_files("#pf-avatar", str(avatar_path))
    page.fill("#pf-name", "Alice Liddell")
    page.fill("#pf-bio", "Asks every model the same riddle.")
    page.check("#pf-public")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url("**/settings/#profile")


def test_an_avatar_chosen_in_the_form_shows_on_the_public_page(signed_in, tmp_path, screenshot):
    photo = tmp_path / "me.jpg"
    photo.write_bytes(images.jpeg_with_exif())
    page = signed_in(viewport=VIEWPORTS["desktop"])
    _fill_profile(page, photo)
    assert "Profile saved." in page.locator(".messages").inner_text()
    page.get_by_role("link", name="/u/alice").click()
    page.wait_for_url("**/u/alice")
    avatar = page.get_by_role("img", name="Alice Liddell")
    avatar.wait_for()
    assert page.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]", avatar.element_handle()) == [
        True,
        256,
        256,
    ]
    assert "Asks every model the same riddle." in page.inner_text("main")
    screenshot("public-profile")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_profile_pages_pass_axe_and_fit_the_screen(signed_in, tmp_path, scheme, viewport):
    photo = tmp_path / "me.png"
    photo.write_bytes(images.image_bytes("PNG"))
    page = signed_in(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    _fill_profile(page, photo)
    for path in ("/settings/", "/u/alice"):
        assert page.goto(path).status == 200, path
        assert serious_violations(page) == [], f"{path} ({scheme}, {viewport})"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px ({scheme}, {viewport})"
