"""Issue 13 (7): the pages work under the Content-Security-Policy, which allows no
inline script: htmx and the buttons that used inline handlers still work, and the
browser reports no violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, make_client, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_runs_htmx_and_the_page_buttons_without_a_policy_violation(
    page: Any, live_server: Any
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    advisor = make_user(username="csp_advisor")
    client = make_client(owner=advisor, name="梁文博")
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", advisor.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/")

    page.goto(f"{base}/clients/{client.pk}/kyc/")
    page.click("#section-people >> text=添加")  # an htmx fragment
    new_form = page.locator("#section-people form", has=page.locator("[data-remove-closest]"))
    new_form.wait_for()
    new_form.locator("[data-remove-closest]").click()  # Cancel: was an inline onclick
    assert new_form.count() == 0

    page.select_option("#language", "en")  # submits on change: was an inline onchange
    page.wait_for_function("() => document.documentElement.lang === 'en'")

    assert violations == []
