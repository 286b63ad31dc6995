"""Form controls the browser styles by itself follow the dark theme, in Chromium: a fieldset's border and
the file picker's button take the page's colours instead of white and light grey."""

import pytest

from tests.browser.axe import serious_violations
from tests.browser.test_playground_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_fieldsets_and_the_file_button_follow_the_dark_theme(new_context, alice, password):
    page = new_context(viewport={"width": 1440, "height": 900}, color_scheme="dark").new_page()
    sign_in(page, alice, password)
    page.goto("/settings/")
    colours = page.evaluate(
        """() => {
          const css = getComputedStyle(document.documentElement);
          const probe = document.createElement("div");
          document.body.append(probe);
          probe.style.color = css.getPropertyValue("--border");
          const border = getComputedStyle(probe).color;
          probe.style.color = css.getPropertyValue("--surface-2");
          const surface = getComputedStyle(probe).color;
          probe.remove();
          const fieldset = getComputedStyle(document.querySelector("fieldset")).borderTopColor;
          const button = getComputedStyle(document.querySelector("input[type=file]"), "::file-selector-button");
          return {border, surface, fieldset, button: button.backgroundColor};
        }"""
    )
    assert colours["fieldset"] == colours["border"]
    assert colours["button"] == colours["surface"]
    assert serious_violations(page) == []
