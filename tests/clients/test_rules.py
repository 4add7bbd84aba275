"""The client's rules hold for every way in, not only the form: here, the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from clients import services
from tests.conftest import Cast
from tests.factories import valid_id_number

# 330106 19840315 123x: born 1984-03-15; the 17th digit (3) is odd, so a man.
ID_NUMBER = valid_id_number()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_it_fills_the_birth_date_and_gender_from_an_id_number_given_to_the_service(
    cast: Cast,
) -> None:
    client = services.client_create(
        data={"name": "钱多多", "owner": cast.advisor}, id_number=ID_NUMBER
    )
    client.refresh_from_db()
    assert (client.birth_date, client.gender) == (dt.date(1984, 3, 15), "male")


@pytest.mark.django_db
def test_it_refuses_a_birth_date_or_gender_that_the_id_number_contradicts(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        services.client_create(
            data={
                "name": "钱多多",
                "owner": cast.advisor,
                "birth_date": dt.date(1985, 3, 15),
                "gender": "female",
            },
            id_number=ID_NUMBER,
        )
    errors = caught.value.message_dict
    assert "1984-03-15" in errors["birth_date"][0]
    assert "gender" in errors


@pytest.mark.django_db
def test_it_refuses_an_invalid_id_number_and_one_for_an_enterprise(cast: Cast) -> None:
    typo = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        services.client_create(data={"name": "钱多多", "owner": cast.advisor}, id_number=typo)
    assert list(caught.value.message_dict) == ["id_number"]
    with pytest.raises(ValidationError) as caught:
        services.client_create(
            data={"name": "多多贸易", "owner": cast.advisor, "client_type": "enterprise"},
            id_number=ID_NUMBER,
        )
    assert list(caught.value.message_dict) == ["id_number"]


@pytest.mark.django_db
def test_it_checks_an_edit_against_the_stored_id_number(cast: Cast) -> None:
    client = services.client_create(
        data={"name": "钱多多", "owner": cast.advisor}, id_number=ID_NUMBER
    )
    with pytest.raises(ValidationError) as caught:
        services.client_update(client=client, data={"birth_date": dt.date(1990, 1, 1)})
    assert list(caught.value.message_dict) == ["birth_date"]
    with pytest.raises(ValidationError) as caught:
        services.client_update(client=client, data={"client_type": "enterprise"})
    assert list(caught.value.message_dict) == ["client_type"]


@pytest.mark.django_db
def test_it_refuses_a_mobile_number_that_is_not_one(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        services.client_create(data={"name": "钱多多", "owner": cast.advisor, "phone": "12345"})
    assert list(caught.value.message_dict) == ["phone"]


@pytest.mark.django_db
def test_the_form_shows_a_rule_error_beside_a_parse_error_of_another_field(cast: Cast) -> None:
    from clients.forms import ClientForm
    from tests.clients.test_views import new_client_data

    typo = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    form = ClientForm(
        new_client_data(name="", id_number=typo, annual_income="很多"), user=cast.advisor
    )
    assert not form.is_valid()
    assert {"name", "id_number", "annual_income"} <= set(form.errors)


@pytest.mark.django_db
def test_the_form_does_not_judge_a_birth_date_it_could_not_read(cast: Cast) -> None:
    from clients.forms import ClientForm
    from tests.clients.test_views import new_client_data

    form = ClientForm(
        new_client_data(birth_date="1984-02-30", id_number=ID_NUMBER), user=cast.advisor
    )
    assert not form.is_valid()
    # Only the parse error: no "differs from the ID number" about a date never entered.
    assert len(form.errors["birth_date"]) == 1
    assert "1984-03-15" not in form.errors["birth_date"][0]


@pytest.mark.django_db
def test_it_stores_one_spelling_of_the_id_number_and_mobile(cast: Cast) -> None:
    client = services.client_create(
        data={"name": "钱多多", "owner": cast.advisor, "phone": "+86 138-1234-5678"},
        id_number=" " + ID_NUMBER.lower().replace("x", "x") + " ",
    )
    client.refresh_from_db()
    assert client.phone == "13812345678"
    assert client.get_id_number() == ID_NUMBER
