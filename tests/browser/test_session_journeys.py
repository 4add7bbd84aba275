"""Issue 12 (A.2, A.3): the Back button and a session ended in another tab never
cost the advisor what they saved."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kyc.models import Household
from tests.factories import PASSWORD, make_client, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/")


def test_it_takes_the_page_to_the_login_after_a_logout_in_another_tab_and_back(
    page: Any, live_server: Any
) -> None:
    advisor = make_user(username="session_advisor")
    client = make_client(owner=advisor, name="林志远")
    base = live_server.url
    _login(page, base, advisor.username)
    kyc = f"{base}/clients/{client.pk}/kyc/"
    page.goto(kyc)

    other_tab = page.context.new_page()
    other_tab.goto(f"{base}/clients/")
    other_tab.locator("form[action='/accounts/logout/'] button").click()
    other_tab.wait_for_url(f"{base}/accounts/login/**")
    other_tab.close()

    page.click("#section-people >> text=添加")
    # The whole window goes to the login, nothing of it lands inside the section.
    page.wait_for_url(f"{base}/accounts/login/?next=**")
    assert page.locator("#section-people").count() == 0
    page.fill("input[name=username]", advisor.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(kyc)
    assert page.locator("#section-people").count() == 1


def test_it_keeps_what_was_saved_when_the_user_comes_back_and_edits_again(
    page: Any, live_server: Any
) -> None:
    advisor = make_user(username="back_advisor")
    client = make_client(owner=advisor, name="周海")
    base = live_server.url
    _login(page, base, advisor.username)
    page.goto(f"{base}/clients/{client.pk}/kyc/")
    household = page.locator("#household form")
    household.locator("input[name=annual_spending]").fill("60万")
    household.locator("input[name=annual_spending]").dispatch_event("change")
    page.locator("#household .save-state .ok").wait_for()
    assert Household.objects.get(client=client).annual_spending == Decimal(600_000)

    page.goto(f"{base}/clients/{client.pk}/")
    page.go_back()
    page.wait_for_url(f"{base}/clients/{client.pk}/kyc/")
    household = page.locator("#household form")
    household.locator("input[name=annual_spending]").wait_for()
    # The page was fetched again, not restored as it was first served (empty).
    assert household.locator("input[name=annual_spending]").input_value() in {"600000", "60万"}
    household.locator("input[name=no_policies]").check()
    page.locator("#household .save-state .ok").wait_for()

    saved = Household.objects.get(client=client)
    assert saved.no_policies is True
    assert saved.annual_spending == Decimal(600_000)
