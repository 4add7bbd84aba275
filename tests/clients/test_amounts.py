"""The client form's income as advisors type it, read by the one amount parser."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

from clients.models import Client
from tests.clients.test_views import ENGLISH, edit_data, new_client_data
from tests.conftest import Cast, logged_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def _html(response: Response) -> str:
    return response.content.decode()


def _income_errors(response: Response) -> list[str]:
    return re.findall(
        r'<p class="error" id="id_annual_income-error" role="alert">(.*?)</p>', _html(response)
    )


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("300万", "3000000.00"),
        ("300万元", "3000000.00"),
        ("1.2亿", "120000000.00"),
        ("5,000,000", "5000000.00"),
        ("500000", "500000.00"),
    ],
)
def test_it_reads_the_income_as_the_kyc_forms_do(cast: Cast, typed: str, yuan: str) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:create"), new_client_data(annual_income=typed)
    )

    assert response.status_code == 303, _income_errors(response)
    assert Client.objects.get(name="钱多多").annual_income == Decimal(yuan)


def test_it_shows_the_stored_income_as_typed_on_the_edit_form(cast: Cast) -> None:
    client = cast.advisor_client
    Client.objects.filter(pk=client.pk).update(annual_income=Decimal("3000000.00"))

    html = _html(logged_in(cast.advisor).get(reverse("clients:edit", args=[client.pk])))

    assert 'name="annual_income" value="300万"' in html
    assert 'type="number"' not in html.split('name="annual_income"')[0].rsplit("<input", 1)[1]


def test_it_keeps_the_income_when_the_edit_form_is_posted_as_shown(cast: Cast) -> None:
    client = cast.advisor_client
    Client.objects.filter(pk=client.pk).update(annual_income=Decimal("1234567.89"))
    client.refresh_from_db()

    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]),
        edit_data(client, annual_income="123.456789万", city="温州"),
    )

    assert response.status_code == 303
    client.refresh_from_db()
    assert (client.annual_income, client.city) == (Decimal("1234567.89"), "温州")


def test_it_shows_an_income_of_a_hundred_million_and_above_in_yi(cast: Cast) -> None:
    client = cast.advisor_client
    Client.objects.filter(pk=client.pk).update(annual_income=Decimal("120000000.00"))

    html = _html(logged_in(cast.advisor).get(reverse("clients:detail", args=[client.pk])))

    assert "<dd>1.2亿元</dd>" in html
    assert "12000万元" not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("lots", "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万."),
        ("300万万", "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万."),
        ("-300万", "Ensure this value is greater than or equal to 0."),
        ("12345678901234567890", "Enter an amount below 1,000,000,000,000 yuan."),
    ],
)
def test_it_explains_a_bad_income_next_to_the_field(cast: Cast, typed: str, message: str) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:create"), new_client_data(annual_income=typed), headers=ENGLISH
    )

    assert _income_errors(response) == [message]
    assert f'value="{typed}"' in _html(response)
    assert not Client.objects.filter(name="钱多多").exists()


def test_it_explains_an_over_long_income_in_chinese_by_default(cast: Cast) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:create"), new_client_data(annual_income="12345678901234567890")
    )

    assert _income_errors(response) == ["请输入小于10000亿元的金额。"]
