"""An advisor's first minutes with the product, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/clients/")


def test_it_lets_an_advisor_search_add_and_edit_clients_without_reloading(
    page: Any, live_server: Any, cast: Cast
) -> None:
    base = live_server.url
    _log_in(page, base, "advisor")
    results = page.locator("#client-results")
    assert "赵建国" in results.inner_text()
    # Another advisor's client never shows, on any page.
    assert "周杰" not in page.content()

    # A marker on window survives htmx swaps but not a page load.
    page.evaluate("window.__noReload = true")

    # Live search narrows the list as the advisor types.
    page.fill("input[name=q]", "孙")
    page.wait_for_function(
        "() => !document.querySelector('#client-results').innerText.includes('赵建国')"
    )
    assert "没有符合条件的客户" in results.inner_text()
    page.fill("input[name=q]", "")
    page.wait_for_function(
        "() => document.querySelector('#client-results').innerText.includes('赵建国')"
    )

    # Adding a client: a bad mobile number is refused next to the field, input kept.
    page.click("text=新建客户")
    form = page.locator("#client-form-card form")
    form.locator("input[name=name]").fill("钱多多")
    form.locator("input[name=phone]").fill("12345")
    form.locator("input[name=annual_income]").fill("880000")
    form.locator("button[type=submit]").click()
    error = page.locator("#client-form-card .field.has-error .error")
    error.wait_for()
    assert "手机号" in error.inner_text()
    assert form.locator("input[name=name]").input_value() == "钱多多"
    assert form.locator("input[name=annual_income]").input_value() == "880000"

    form.locator("input[name=phone]").fill("138 0013 8000")
    form.locator("button[type=submit]").click()
    page.locator("#client-form-card.success").wait_for()
    page.wait_for_function(
        "() => document.querySelector('#client-results').innerText.includes('钱多多')"
    )
    assert page.evaluate("window.__noReload") is True

    # Editing on the detail page swaps the profile card in place.
    page.click("#client-form-card.success a")
    page.wait_for_url("**/clients/*/")
    page.evaluate("window.__noReload = true")
    page.click("#profile >> text=编辑")
    page.locator("#profile form input[name=city]").fill("宁波")
    page.locator("#profile form button[type=submit]").click()
    page.wait_for_function(
        "() => document.querySelector('#profile dl') && document.querySelector('#profile').innerText.includes('宁波')"
    )
    assert page.evaluate("window.__noReload") is True
    assert "138****8000" not in page.locator("#profile").inner_text()  # full number on detail
    assert "13800138000" in page.locator("#profile").inner_text()


def test_it_shows_a_team_lead_the_teams_clients_and_switches_to_english(
    page: Any, live_server: Any, cast: Cast
) -> None:
    base = live_server.url
    _log_in(page, base, "lead")
    text = page.locator("#client-results").inner_text()
    assert "赵建国" in text and "孙丽" in text
    assert "周杰" not in text
    page.select_option("#language", "en")
    page.wait_for_load_state("load")
    page.locator("h1", has_text="Clients").wait_for()
    assert "New client" in page.content()
