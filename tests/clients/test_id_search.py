"""Searching by ID number keeps the number out of every address (issue 13, finding 4).

The search is posted; the page it leads to carries a session token in place of the
number, and shows the number masked only.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client
from tests.conftest import Cast, logged_in
from tests.factories import make_client, valid_id_number

NUMBER = valid_id_number(region="330106", birth="19900704", sequence="271")
MASKED = NUMBER[:4] + "*" * 10 + NUMBER[-4:]
HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "client-results"}


@pytest.fixture
def wanted(cast: Cast) -> Client:
    make_client(owner=cast.advisor, name="孙婉清", id_number=valid_id_number(sequence="273"))
    return make_client(owner=cast.advisor, name="欧阳思远", id_number=NUMBER)


def _query(address: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(address).query)


def _names(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_a_posted_id_number_search_leads_to_an_address_without_the_number(
    cast: Cast, wanted: Client
) -> None:
    http = logged_in(cast.advisor)

    response = http.post(reverse("clients:list"), {"q": NUMBER, "cvm_stage": "retain"})

    assert response.status_code == 303
    address = response["Location"]
    assert NUMBER not in address
    assert NUMBER[6:14] not in address  # not even the birth date part
    assert set(_query(address)) == {"idq", "cvm_stage"}
    page = http.get(address)
    html = _names(page)
    assert page.status_code == 200
    assert "欧阳思远" in html
    assert "孙婉清" not in html
    assert NUMBER not in html
    assert MASKED in html


def test_live_search_answers_the_results_and_pushes_a_tokenised_address(
    cast: Cast, wanted: Client
) -> None:
    http = logged_in(cast.advisor)

    response = http.post(reverse("clients:list"), {"q": NUMBER}, headers=HTMX_RESULTS)

    assert response.status_code == 200
    html = _names(response)
    assert "欧阳思远" in html
    assert "孙婉清" not in html
    assert NUMBER not in html
    pushed = response["HX-Push-Url"]
    assert NUMBER not in pushed
    assert list(_query(pushed)) == ["idq"]
    # Paging and the refresh after a change use the same token, not the number.
    assert f"idq={_query(pushed)['idq'][0]}" in html
    assert http.get(pushed).status_code == 200


@pytest.mark.parametrize(
    "typed",
    [NUMBER, NUMBER.lower(), f" {NUMBER[:6]} {NUMBER[6:14]} {NUMBER[14:]} ", "330106900704271"],
)
def test_a_number_typed_into_an_address_is_moved_out_of_it(
    cast: Cast, wanted: Client, typed: str
) -> None:
    http = logged_in(cast.advisor)

    response = http.get(reverse("clients:list"), {"q": typed})

    assert response.status_code == 303
    assert "0704" not in response["Location"]
    assert "idq" in _query(response["Location"])


def test_a_spaced_or_hyphenated_number_finds_the_client(cast: Cast, wanted: Client) -> None:
    http = logged_in(cast.advisor)
    spaced = f"{NUMBER[:6]}-{NUMBER[6:14]}-{NUMBER[14:]}"

    page = http.get(http.post(reverse("clients:list"), {"q": spaced})["Location"])

    assert "欧阳思远" in _names(page)
    assert "孙婉清" not in _names(page)


def test_a_token_is_worth_nothing_in_another_session(cast: Cast, wanted: Client) -> None:
    address = logged_in(cast.advisor).post(reverse("clients:list"), {"q": NUMBER})["Location"]
    other_window = HttpClient()
    other_window.force_login(cast.advisor)

    page = other_window.get(address, headers={"Accept-Language": "en"})

    html = _names(page)
    assert page.status_code == 200
    assert "欧阳思远" not in html
    assert "孙婉清" not in html
    assert "This ID number search has expired" in html


def test_another_advisor_finds_nothing_by_the_number(cast: Cast, wanted: Client) -> None:
    http = logged_in(cast.outsider)

    page = http.get(http.post(reverse("clients:list"), {"q": NUMBER})["Location"])

    assert "欧阳思远" not in _names(page)


def test_typing_a_name_after_an_id_number_search_starts_a_new_search(
    cast: Cast, wanted: Client
) -> None:
    http = logged_in(cast.advisor)
    token = _query(http.post(reverse("clients:list"), {"q": NUMBER})["Location"])["idq"][0]

    response = http.post(reverse("clients:list"), {"q": "孙婉清", "idq": token})

    assert _query(response["Location"]) == {"q": ["孙婉清"]}
    assert "孙婉清" in _names(http.get(response["Location"]))


def test_names_and_mobiles_still_search_in_the_address(cast: Cast, wanted: Client) -> None:
    http = logged_in(cast.advisor)

    by_name = http.get(reverse("clients:list"), {"q": "欧阳"})
    by_phone = http.get(reverse("clients:list"), {"q": wanted.phone[-6:]})

    assert by_name.status_code == by_phone.status_code == 200
    assert "欧阳思远" in _names(by_name)
    assert "欧阳思远" in _names(by_phone)


def test_the_search_form_posts(cast: Cast) -> None:
    html = _names(logged_in(cast.advisor).get(reverse("clients:list")))

    assert 'class="filters" method="post"' in html
    assert 'hx-post="/clients/"' in html


# Review of issue 13: the referrer picker on the client form searched by ID number too,
# with an hx-get that put the number in the address.


def test_the_referrer_picker_posts_its_search(cast: Cast, wanted: Client) -> None:
    http = logged_in(cast.advisor)
    form = _names(http.get(reverse("clients:create")))
    picker = form.split('class="referrer-picker"')[1].split(">")[1]

    posted = http.post(reverse("clients:referrer_options"), {"q": NUMBER, "owner": cast.advisor.pk})

    assert "hx-post=" in picker
    assert "hx-get=" not in picker
    assert posted.status_code == 200
    assert "欧阳思远" in _names(posted)


def test_a_number_typed_with_a_name_stays_out_of_the_address(cast: Cast, wanted: Client) -> None:
    # Review of issue 13: only text that was nothing but a number was moved out.
    http = logged_in(cast.advisor)

    response = http.post(reverse("clients:list"), {"q": f"欧阳思远 {NUMBER}"})

    address = response["Location"]
    assert NUMBER not in address
    assert NUMBER[6:14] not in address
    page = http.get(address)
    assert "欧阳思远" in _names(page)
    assert NUMBER not in _names(page)
