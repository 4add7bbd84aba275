"""Issue 12, A.4 in a browser: entering a client twice is caught, and confirmed."""

from __future__ import annotations

from typing import Any

import pytest

from clients.models import Client
from tests.browser.test_session_journeys import _login
from tests.factories import make_client, make_user, valid_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_warns_links_and_creates_only_when_confirmed(page: Any, live_server: Any) -> None:
    advisor = make_user(username="duplicate_advisor")
    id_number = valid_id_number(birth="19700812", sequence="451")
    existing = make_client(owner=advisor, name="林志远", id_number=id_number)
    base = live_server.url
    _login(page, base, advisor.username)

    page.goto(f"{base}/clients/new/")
    page.fill("input[name=name]", "林志远")
    page.fill("input[name=id_number]", id_number)
    page.click("button[type=submit].primary")
    warning = page.locator(".duplicates")
    warning.wait_for()
    assert warning.locator(f"a[href='/clients/{existing.pk}/']").inner_text() == "林志远"
    assert Client.objects.filter(owner=advisor).count() == 1

    page.check("input[name=duplicate_confirmed]")
    page.click("button[type=submit].primary")
    page.locator(".card.success").wait_for()
    assert Client.objects.filter(owner=advisor, name="林志远").count() == 2
