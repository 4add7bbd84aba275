"""The client pages: who may see what, htmx fragments, bad input, search and paging."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.html import escape
from pytest_django import Settings

from advisor_crm.accounts.models import User
from clients import services
from clients.forms import ClientForm
from clients.models import Client, SensitiveAccess
from tests.conftest import Cast, logged_in
from tests.factories import make_client, valid_id_number, version_field

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

ROLES = ("advisor", "teammate", "outsider", "lead", "other_lead", "admin")
CAST_CLIENTS = ("advisor_client", "teammate_client", "outsider_client")
# Which of the cast's clients each role may see: team A's lead sees the clients of
# team A, the other lead those of team B, the admin everyone's.
VISIBLE: dict[str, set[str]] = {
    "advisor": {"advisor_client"},
    "teammate": {"teammate_client"},
    "outsider": {"outsider_client"},
    "lead": {"advisor_client", "teammate_client"},
    "other_lead": {"outsider_client"},
    "admin": {"advisor_client", "teammate_client", "outsider_client"},
}

NUMBER = valid_id_number(region="330106", birth="19840315", sequence="123")  # a man
BAD_CHECK_DIGIT = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")

HTMX = {"HX-Request": "true"}
HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "client-results"}
ENGLISH = {"Accept-Language": "en"}


def _html(response: Response) -> str:
    return response.content.decode()


def _listed_ids(response: Response) -> list[int]:
    """The client ids in the rows of the list, in order."""
    return [int(pk) for pk in re.findall(r'<td><a href="/clients/(\d+)/">', _html(response))]


def _field_errors(response: Response, field: str) -> list[str]:
    """The errors rendered right next to one field of a form."""
    return re.findall(
        rf'<p class="error" id="id_{field}-error" role="alert">(.*?)</p>', _html(response)
    )


def _snapshot(client: Client) -> dict[str, Any]:
    """Every stored column of a client, to prove that a request changed nothing."""
    return {
        **Client.objects.filter(pk=client.pk).values().get(),
        "tags": sorted(client.tags.values_list("name", flat=True)),
    }


def _is_fragment(response: Response) -> bool:
    html = _html(response)
    return "<html" not in html and "topbar" not in html and "<body" not in html


def _is_full_page(response: Response) -> bool:
    html = _html(response)
    return html.lstrip().lower().startswith("<!doctype html>") and 'class="topbar"' in html


def new_client_data(**changes: Any) -> dict[str, Any]:
    """A valid client form as the browser posts it."""
    data: dict[str, Any] = {
        "client_type": "individual",
        "name": "钱多多",
        "gender": "",
        "birth_date": "",
        "id_number": "",
        "phone": "13812345678",
        "city": "宁波",
        "education": "",
        "industry": "manufacturing",
        "occupation": "",
        "occupation_class": "",
        "annual_income": "500000",
        "wealth_stratum": "",
        "credit_status": "unknown",
        "cvm_stage": "acquire",
        "source": "",
        "referred_by": "",
        "tags_text": "",
        "notes": "",
    }
    data.update(changes)
    return data


def edit_data(client: Client, **changes: Any) -> dict[str, Any]:
    """The edit form of a stored client, as posted unchanged, plus the changes."""
    data = new_client_data(
        client_type=client.client_type,
        name=client.name,
        gender=client.gender,
        birth_date=client.birth_date.isoformat() if client.birth_date else "",
        phone=client.phone,
        city=client.city,
        industry=client.industry,
        annual_income="" if client.annual_income is None else str(client.annual_income),
        credit_status=client.credit_status,
        cvm_stage=client.cvm_stage,
        notes=client.notes,
        owner=client.owner_id,
    )
    data.update(version_field(ClientForm(instance=client, user=client.owner)))
    data.update(changes)
    return data


# Access matrix ---------------------------------------------------------------------

ID_ACTIONS = [
    ("detail", "get", 200),
    ("edit", "get", 200),
    ("edit", "post", 303),
    ("archive", "post", 303),
    ("restore", "post", 303),
    ("reveal_id", "post", 200),
]


@pytest.mark.parametrize(("url_name", "method", "status"), ID_ACTIONS)
@pytest.mark.parametrize("client_attr", CAST_CLIENTS)
@pytest.mark.parametrize("role", ROLES)
def test_it_serves_visible_clients_and_answers_404_for_the_others(
    cast: Cast, role: str, client_attr: str, url_name: str, method: str, status: int
) -> None:
    user = getattr(cast, role)
    client = getattr(cast, client_attr)
    if url_name == "restore":
        services.client_archive(client=client)
    before = _snapshot(client)
    url = reverse(f"clients:{url_name}", args=[client.pk])
    http = logged_in(user)

    if method == "get":
        response = http.get(url)
    else:
        data = edit_data(client, notes="已更新") if url_name == "edit" else {}
        response = http.post(url, data)

    client.refresh_from_db()
    if client_attr in VISIBLE[role]:
        assert response.status_code == status
        if method == "get":
            assert client.name in _html(response)
        effects = {
            "edit": lambda: client.notes == "已更新",
            "archive": lambda: client.archived_at is not None,
            "restore": lambda: client.archived_at is None,
            "reveal_id": lambda: SensitiveAccess.objects.filter(client=client, user=user).exists(),
        }
        if method == "post":
            assert effects[url_name]()
    else:
        assert response.status_code == 404
        assert client.name not in _html(response)
        assert client.phone not in _html(response)
        assert _snapshot(client) == before
        assert not SensitiveAccess.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_it_lists_only_the_clients_each_role_may_see(cast: Cast, role: str) -> None:
    response = logged_in(getattr(cast, role)).get(reverse("clients:list"))

    assert response.status_code == 200
    assert set(_listed_ids(response)) == {getattr(cast, name).pk for name in VISIBLE[role]}
    for hidden in set(CAST_CLIENTS) - VISIBLE[role]:
        assert getattr(cast, hidden).name not in _html(response)


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_the_new_client_form_to_every_role(cast: Cast, role: str) -> None:
    response = logged_in(getattr(cast, role)).get(reverse("clients:create"))

    assert response.status_code == 200
    assert 'name="name"' in _html(response)


# Who each role creates a client for: themselves, or an advisor of a team they lead.
CREATE_FOR = {
    "advisor": "advisor",
    "teammate": "teammate",
    "outsider": "outsider",
    "lead": "advisor",
    "other_lead": "outsider",
    "admin": "outsider",
}


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_every_role_create_a_client(cast: Cast, role: str) -> None:
    owner = getattr(cast, CREATE_FOR[role])

    response = logged_in(getattr(cast, role)).post(
        reverse("clients:create"), new_client_data(owner=owner.pk)
    )

    created = Client.objects.get(name="钱多多")
    assert response.status_code == 303
    assert response["Location"] == reverse("clients:detail", args=[created.pk])
    assert created.owner == owner


ALL_URLS = [
    ("list", False, "get"),
    ("referrer_options", False, "get"),
    ("create", False, "get"),
    ("create", False, "post"),
    ("detail", True, "get"),
    ("edit", True, "get"),
    ("edit", True, "post"),
    ("archive", True, "post"),
    ("restore", True, "post"),
    ("reveal_id", True, "post"),
    ("merge", True, "get"),
    ("merge", True, "post"),
]


@pytest.mark.parametrize(("url_name", "takes_id", "method"), ALL_URLS)
def test_it_sends_anonymous_users_to_login(
    cast: Cast, url_name: str, takes_id: bool, method: str
) -> None:
    client = cast.advisor_client
    before = _snapshot(client)
    url = reverse(f"clients:{url_name}", args=[client.pk] if takes_id else [])

    if method == "get":
        response = HttpClient().get(url)
    else:
        response = HttpClient().post(url, edit_data(client, notes="匿名"))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    assert client.name not in _html(response)
    assert Client.objects.count() == 3
    assert _snapshot(client) == before
    assert not SensitiveAccess.objects.exists()


@pytest.mark.parametrize("url_name", ["detail", "edit", "archive", "restore", "reveal_id", "merge"])
def test_it_answers_404_for_an_unknown_id(cast: Cast, url_name: str) -> None:
    url = reverse(f"clients:{url_name}", args=[999_999_999])
    http = logged_in(cast.admin)

    response = http.get(url) if url_name in {"detail", "edit", "merge"} else http.post(url)

    assert response.status_code == 404


WRONG_METHODS = [
    ("list", "put"),
    ("referrer_options", "put"),
    ("create", "put"),
    ("create", "delete"),
    ("detail", "post"),
    ("detail", "put"),
    ("detail", "delete"),
    ("edit", "put"),
    ("edit", "patch"),
    ("edit", "delete"),
    ("archive", "get"),
    ("archive", "delete"),
    ("restore", "get"),
    ("reveal_id", "get"),
    ("merge", "put"),
    ("merge", "delete"),
]


@pytest.mark.parametrize(("url_name", "method"), WRONG_METHODS)
def test_it_answers_405_for_the_wrong_method(cast: Cast, url_name: str, method: str) -> None:
    client = cast.advisor_client
    before = _snapshot(client)
    takes_id = url_name not in {"list", "create", "referrer_options"}
    url = reverse(f"clients:{url_name}", args=[client.pk] if takes_id else [])

    response = getattr(logged_in(cast.advisor), method)(url)

    assert response.status_code == 405
    assert _snapshot(client) == before
    assert not SensitiveAccess.objects.exists()


# CSRF ------------------------------------------------------------------------------


def _csrf_checking_client(user: User) -> HttpClient:
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(user)
    return http


@pytest.mark.parametrize("url_name", ["create", "edit", "archive", "restore", "reveal_id"])
def test_it_refuses_a_post_without_a_csrf_token(cast: Cast, url_name: str) -> None:
    client = cast.advisor_client
    if url_name == "restore":
        services.client_archive(client=client)
    before = _snapshot(client)
    url = reverse(f"clients:{url_name}", args=[] if url_name == "create" else [client.pk])

    response = _csrf_checking_client(cast.advisor).post(url, edit_data(client, name="新名字"))

    assert response.status_code == 403
    assert Client.objects.count() == 3
    assert _snapshot(client) == before
    assert not SensitiveAccess.objects.exists()


def test_it_accepts_the_post_with_the_csrf_token_of_the_page(cast: Cast) -> None:
    client = cast.advisor_client
    http = _csrf_checking_client(cast.advisor)
    http.get(reverse("clients:detail", args=[client.pk]))
    token = http.cookies["csrftoken"].value

    # As htmx sends it: in the header that base.html configures.
    response = http.post(
        reverse("clients:archive", args=[client.pk]), headers={"X-CSRFToken": token, **HTMX}
    )

    client.refresh_from_db()
    assert response.status_code == 200
    assert client.is_archived


# htmx fragments --------------------------------------------------------------------


def test_it_returns_only_the_results_to_htmx_on_the_list(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:list"), headers=HTMX_RESULTS)

    assert response.status_code == 200
    assert _is_fragment(response)
    assert _html(response).lstrip().startswith('<section id="client-results"')
    assert 'class="filters"' not in _html(response)
    assert _listed_ids(response) == [cast.advisor_client.pk]


def test_it_returns_the_full_list_page_without_htmx(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:list"))

    assert _is_full_page(response)
    assert 'id="client-results"' in _html(response)
    assert 'class="filters"' in _html(response)
    assert _listed_ids(response) == [cast.advisor_client.pk]


@pytest.mark.parametrize("url_name", ["create", "edit"])
def test_it_returns_only_the_form_to_htmx(cast: Cast, url_name: str) -> None:
    url = reverse(
        f"clients:{url_name}", args=[cast.advisor_client.pk] if url_name == "edit" else []
    )

    fragment = logged_in(cast.advisor).get(url, headers=HTMX)
    page = logged_in(cast.advisor).get(url)

    assert _is_fragment(fragment)
    assert _html(fragment).lstrip().startswith("<section")
    assert 'name="csrfmiddlewaretoken"' in _html(fragment)
    assert 'name="name"' in _html(fragment)
    assert _is_full_page(page)
    assert 'name="name"' in _html(page)


def test_it_returns_the_full_detail_page(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:detail", args=[cast.advisor_client.pk]))

    assert _is_full_page(response)
    assert 'id="profile"' in _html(response)


@pytest.mark.parametrize("url_name", ["archive", "restore"])
def test_it_returns_only_the_profile_to_htmx_after_archive_or_restore(
    cast: Cast, url_name: str
) -> None:
    client = cast.advisor_client
    if url_name == "restore":
        services.client_archive(client=client)

    response = logged_in(cast.advisor).post(
        reverse(f"clients:{url_name}", args=[client.pk]), headers=HTMX
    )

    client.refresh_from_db()
    assert response.status_code == 200
    assert _is_fragment(response)
    assert _html(response).lstrip().startswith('<section class="card" id="profile">')
    # The profile now offers the opposite action.
    opposite = "restore" if url_name == "archive" else "archive"
    assert reverse(f"clients:{opposite}", args=[client.pk]) in _html(response)
    assert client.is_archived == (url_name == "archive")


def test_it_returns_only_the_profile_to_htmx_after_a_successful_edit(cast: Cast) -> None:
    client = cast.advisor_client

    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]), edit_data(client, city="温州"), headers=HTMX
    )

    assert response.status_code == 200
    assert _is_fragment(response)
    assert 'id="profile"' in _html(response)
    assert "温州" in _html(response)
    client.refresh_from_db()
    assert client.city == "温州"


def test_it_redirects_to_the_detail_page_after_an_edit_without_htmx(cast: Cast) -> None:
    client = cast.advisor_client

    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]), edit_data(client, city="温州")
    )

    assert response.status_code == 303
    assert response["Location"] == reverse("clients:detail", args=[client.pk])


def test_it_confirms_an_htmx_create_and_triggers_clients_changed(cast: Cast) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:create"),
        new_client_data(id_number=NUMBER, tags_text="高净值，企业主; 高净值"),
        headers=HTMX,
    )

    created = Client.objects.get(name="钱多多")
    assert response.status_code == 200
    assert _is_fragment(response)
    assert 'class="card success"' in _html(response)
    assert f'href="{reverse("clients:detail", args=[created.pk])}"' in _html(response)
    assert "clientsChanged" in json.loads(response["HX-Trigger"])
    assert created.owner == cast.advisor
    assert created.get_id_number() == NUMBER
    assert sorted(created.tags.values_list("name", flat=True)) == ["企业主", "高净值"]


def test_it_fills_birth_date_and_gender_from_the_id_number(cast: Cast) -> None:
    female = valid_id_number(birth="19900704", sequence="128")

    logged_in(cast.advisor).post(reverse("clients:create"), new_client_data(id_number=female))

    created = Client.objects.get(name="钱多多")
    assert created.birth_date == dt.date(1990, 7, 4)
    assert created.gender == "female"


def test_it_stores_the_phone_without_the_country_code(cast: Cast) -> None:
    logged_in(cast.advisor).post(
        reverse("clients:create"), new_client_data(phone="+86 138-1234-5678")
    )

    assert Client.objects.get(name="钱多多").phone == "13812345678"


# Bad input -------------------------------------------------------------------------

# (field with the error, what the user typed, the message in English)
BAD_INPUT = [
    pytest.param(
        "id_number",
        {"id_number": BAD_CHECK_DIGIT},
        "The check digit does not match; please check the number for a typo.",
        id="id-check-digit",
    ),
    pytest.param(
        "id_number",
        {"id_number": NUMBER[:17]},
        "An ID number has 18 characters; this one has 17.",
        id="id-length",
    ),
    pytest.param(
        "id_number",
        {"id_number": valid_id_number(birth="19840231")},
        "Digits 7 to 14 of the ID number are not a valid birth date.",
        id="id-birth-date",
    ),
    pytest.param(
        "phone",
        {"phone": "1381234567"},
        "Enter a mainland mobile number: 11 digits starting with 13 to 19.",
        id="phone-length",
    ),
    pytest.param(
        "phone",
        {"phone": "12812345678"},
        "Enter a mainland mobile number: 11 digits starting with 13 to 19.",
        id="phone-prefix",
    ),
    pytest.param(
        "birth_date",
        {"id_number": NUMBER, "birth_date": "1985-03-15"},
        "The ID number gives the birth date 1984-03-15, which differs from this one.",
        id="birth-date-differs-from-id",
    ),
    pytest.param(
        "gender",
        {"id_number": NUMBER, "gender": "female"},
        None,
        id="gender-differs-from-id",
    ),
    pytest.param(
        "birth_date", {"birth_date": "1984-02-31"}, "Enter a valid date.", id="birth-date"
    ),
    pytest.param(
        "annual_income",
        {"annual_income": "-1"},
        "Ensure this value is greater than or equal to 0.",
        id="income-negative",
    ),
    pytest.param(
        "annual_income",
        {"annual_income": "abc"},
        "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万.",
        id="income-not-a-number",
    ),
    pytest.param(
        "id_number",
        {"client_type": "enterprise", "id_number": NUMBER},
        "An enterprise has no resident ID number; record its representative as a person.",
        id="enterprise-with-id",
    ),
]


def _assert_kept(response: Response, typed: dict[str, str]) -> None:
    """Each typed value is back in its input (or selected in its select)."""
    for field, value in typed.items():
        if field in {"gender", "client_type"}:
            pattern = rf'<option value="{re.escape(value)}" selected>'
        else:
            pattern = rf'name="{field}"[^>]*value="{re.escape(escape(value))}"'
        assert re.search(pattern, _html(response)), f"{field} lost what was typed"


@pytest.mark.parametrize(("field", "typed", "message"), BAD_INPUT)
def test_it_refuses_bad_input_on_create_and_keeps_what_was_typed(
    cast: Cast, field: str, typed: dict[str, str], message: str | None
) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:create"), new_client_data(**typed), headers=ENGLISH
    )

    assert response.status_code == 200
    errors = _field_errors(response, field)
    assert errors, f"no error next to {field}"
    if message:
        assert message in errors
    _assert_kept(response, {"name": "钱多多", **typed})
    assert Client.objects.count() == 3


@pytest.mark.parametrize(("field", "typed", "message"), BAD_INPUT)
def test_it_refuses_bad_input_on_edit_and_changes_nothing(
    cast: Cast, field: str, typed: dict[str, str], message: str | None
) -> None:
    client = cast.advisor_client
    services.client_update(client=client, data={}, tag_names=["老客户"])
    before = _snapshot(client)

    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]),
        edit_data(client, name="改过的名字", tags_text="新标签", **typed),
        headers=ENGLISH,
    )

    assert response.status_code == 200
    errors = _field_errors(response, field)
    assert errors, f"no error next to {field}"
    if message:
        assert message in errors
    _assert_kept(response, {"name": "改过的名字", "tags_text": "新标签", **typed})
    assert _snapshot(client) == before


def test_it_returns_the_form_fragment_with_errors_to_htmx(cast: Cast) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:create"), new_client_data(phone="123"), headers={**HTMX, **ENGLISH}
    )

    assert response.status_code == 200
    assert _is_fragment(response)
    assert "HX-Trigger" not in response
    assert _field_errors(response, "phone")
    assert Client.objects.count() == 3


def test_it_titles_a_failed_edit_with_the_stored_name(cast: Cast) -> None:
    client = cast.advisor_client

    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]),
        edit_data(client, name="改过的名字", phone="123"),
        headers=ENGLISH,
    )

    assert f"<h2>Edit {client.name}</h2>" in _html(response)
    assert 'value="改过的名字"' in _html(response)


@pytest.mark.parametrize(
    ("typed", "field", "django_message"),
    [
        ({"annual_income": "-5"}, "annual_income", "确保该值大于或等于0。"),
        (
            {"annual_income": "很多"},
            "annual_income",
            "请输入以元为单位的金额，例如 5000000、5,000,000 或 500万。",
        ),
        ({"birth_date": "1984-13-01"}, "birth_date", "输入一个有效的日期。"),
        ({"name": ""}, "name", "这个字段是必填项。"),
    ],
)
def test_it_explains_bad_input_in_chinese_by_default(
    cast: Cast, typed: dict[str, str], field: str, django_message: str
) -> None:
    # Django's own translations; the app's messages are checked in English above.
    response = logged_in(cast.advisor).post(reverse("clients:create"), new_client_data(**typed))

    assert _field_errors(response, field) == [django_message]
    assert Client.objects.count() == 3


def test_it_explains_a_bad_id_number_in_chinese_by_default(cast: Cast) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:create"), new_client_data(id_number=BAD_CHECK_DIGIT)
    )

    (error,) = _field_errors(response, "id_number")
    # zh translation: the app's own message must come out in Chinese.
    assert re.search(r"[\u4e00-\u9fff]", error), error


def test_it_refuses_a_birth_date_edit_that_contradicts_the_stored_id_number(cast: Cast) -> None:
    client = cast.advisor_client
    services.client_update(client=client, data={"birth_date": None}, id_number=NUMBER)
    client.refresh_from_db()
    before = _snapshot(client)

    # The stored number is not retyped: the edit form leaves it empty on purpose.
    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]),
        edit_data(client, birth_date="1990-01-01"),
        headers=ENGLISH,
    )

    assert response.status_code == 200
    assert _field_errors(response, "birth_date")
    assert _snapshot(client) == before


# Owner and referrer ----------------------------------------------------------------


def test_it_does_not_offer_advisors_an_owner_field(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:create"))

    assert 'name="owner"' not in _html(response)


def test_it_ignores_an_owner_posted_by_an_advisor_on_create(cast: Cast) -> None:
    logged_in(cast.advisor).post(reverse("clients:create"), new_client_data(owner=cast.teammate.pk))

    assert Client.objects.get(name="钱多多").owner == cast.advisor


def test_it_ignores_an_owner_posted_by_an_advisor_on_edit(cast: Cast) -> None:
    client = cast.advisor_client

    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]), edit_data(client, owner=cast.outsider.pk)
    )

    client.refresh_from_db()
    assert response.status_code == 303
    assert client.owner == cast.advisor


def test_it_offers_a_lead_only_the_advisors_of_their_team(cast: Cast) -> None:
    response = logged_in(cast.lead).get(reverse("clients:create"))

    options = re.search(r'<select name="owner".*?</select>', _html(response), re.S)
    assert options
    offered = {int(pk) for pk in re.findall(r'<option value="(\d+)"', options.group(0))}
    assert offered == {cast.lead.pk, cast.advisor.pk, cast.teammate.pk}


def test_it_refuses_a_lead_assigning_a_client_to_another_team(cast: Cast) -> None:
    response = logged_in(cast.lead).post(
        reverse("clients:create"), new_client_data(owner=cast.outsider.pk)
    )

    assert response.status_code == 200
    assert _field_errors(response, "owner")
    assert not Client.objects.filter(name="钱多多").exists()


def test_it_refuses_a_lead_moving_a_client_to_another_team(cast: Cast) -> None:
    client = cast.teammate_client

    response = logged_in(cast.lead).post(
        reverse("clients:edit", args=[client.pk]), edit_data(client, owner=cast.outsider.pk)
    )

    client.refresh_from_db()
    assert response.status_code == 200
    assert _field_errors(response, "owner")
    assert client.owner == cast.teammate


def test_it_lets_an_admin_move_a_client_to_any_advisor(cast: Cast) -> None:
    client = cast.advisor_client

    response = logged_in(cast.admin).post(
        reverse("clients:edit", args=[client.pk]), edit_data(client, owner=cast.outsider.pk)
    )

    client.refresh_from_db()
    assert response.status_code == 303
    assert client.owner == cast.outsider


def _referrer_options(user: User, **params: Any) -> list[int]:
    response = logged_in(user).get(reverse("clients:referrer_options"), params, headers=HTMX)
    assert response.status_code == 200
    assert _is_fragment(response)
    return [int(pk) for pk in re.findall(r'<option value="(\d+)"', _html(response))]


def test_it_offers_the_advisors_own_active_clients_as_referrers(cast: Cast) -> None:
    archived = make_client(owner=cast.advisor, name="赵归档")
    services.client_archive(client=archived)
    other = make_client(owner=cast.advisor, name="赵敏")

    everyone = _referrer_options(cast.advisor, owner=cast.advisor.pk)
    searched = _referrer_options(cast.advisor, owner=cast.advisor.pk, q="建国")
    excluded = _referrer_options(cast.advisor, owner=cast.advisor.pk, exclude=other.pk)

    assert set(everyone) == {cast.advisor_client.pk, other.pk}
    assert searched == [cast.advisor_client.pk]
    assert excluded == [cast.advisor_client.pk]


@pytest.mark.parametrize(
    ("role", "owner", "expected"),
    [
        ("advisor", "teammate", set()),
        ("advisor", "outsider", set()),
        ("outsider", "advisor", set()),
        ("other_lead", "advisor", set()),
        ("lead", "teammate", {"teammate_client"}),
        ("admin", "outsider", {"outsider_client"}),
    ],
)
def test_it_offers_referrers_only_among_the_clients_the_user_may_see(
    cast: Cast, role: str, owner: str, expected: set[str]
) -> None:
    response = logged_in(getattr(cast, role)).get(
        reverse("clients:referrer_options"), {"owner": getattr(cast, owner).pk}
    )

    offered = {int(pk) for pk in re.findall(r'<option value="(\d+)"', _html(response))}
    assert offered == {getattr(cast, name).pk for name in expected}
    for name in set(CAST_CLIENTS) - expected:
        assert getattr(cast, name).name not in _html(response)


def test_it_does_not_show_the_name_of_a_refused_referrer(cast: Cast) -> None:
    # The form re-renders the posted referrer as the selected option; for another
    # advisor's client that would hand out its name by guessing ids.
    response = logged_in(cast.advisor).post(
        reverse("clients:create"),
        new_client_data(source="referral", referred_by=cast.outsider_client.pk),
    )

    assert response.status_code == 200
    assert _field_errors(response, "referred_by")
    assert cast.outsider_client.name not in _html(response)


@pytest.mark.parametrize("referrer", ["teammate_client", "outsider_client"])
def test_it_refuses_another_advisors_client_as_referrer(cast: Cast, referrer: str) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:create"),
        new_client_data(source="referral", referred_by=getattr(cast, referrer).pk),
    )

    assert response.status_code == 200
    assert _field_errors(response, "referred_by") == [
        "选择一个有效的选项： 该选择不在可用的选项中。"  # Django's own message
    ]
    assert not Client.objects.filter(name="钱多多").exists()


def test_it_refuses_another_advisors_client_as_referrer_on_edit(cast: Cast) -> None:
    client = cast.advisor_client
    before = _snapshot(client)

    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]),
        edit_data(client, referred_by=cast.outsider_client.pk),
    )

    assert response.status_code == 200
    assert _field_errors(response, "referred_by")
    assert _snapshot(client) == before


def test_it_refuses_a_client_as_their_own_referrer(cast: Cast) -> None:
    client = cast.advisor_client

    response = logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client.pk]), edit_data(client, referred_by=client.pk)
    )

    client.refresh_from_db()
    assert response.status_code == 200
    assert _field_errors(response, "referred_by")
    assert client.referred_by is None


def test_it_keeps_the_referrer_among_the_new_owners_clients(cast: Cast) -> None:
    # The referrer is one of the owner's clients (selectors.referrer_choices); an
    # admin moving a client to another advisor must not keep a referrer of the old one.
    client = cast.advisor_client
    old_owners_client = make_client(owner=cast.advisor, name="老顾问的客户")

    logged_in(cast.admin).post(
        reverse("clients:edit", args=[client.pk]),
        edit_data(client, owner=cast.outsider.pk, referred_by=old_owners_client.pk),
    )

    client.refresh_from_db()
    assert client.referred_by is None or client.referred_by.owner == client.owner


def test_it_lists_on_the_detail_page_only_the_referrals_the_user_may_see(cast: Cast) -> None:
    referrer = cast.advisor_client
    own = make_client(owner=cast.advisor, name="自己介绍的", referred_by=referrer)
    # Possible after an admin moves a client; the advisor must still not see it.
    moved = make_client(owner=cast.outsider, name="已转走的", referred_by=referrer)

    mine = logged_in(cast.advisor).get(reverse("clients:detail", args=[referrer.pk]))
    admins = logged_in(cast.admin).get(reverse("clients:detail", args=[referrer.pk]))

    assert own.name in _html(mine)
    assert moved.name not in _html(mine)
    assert own.name in _html(admins) and moved.name in _html(admins)


def test_it_records_the_advisors_own_client_as_referrer(cast: Cast) -> None:
    logged_in(cast.advisor).post(
        reverse("clients:create"),
        new_client_data(source="referral", referred_by=cast.advisor_client.pk),
    )

    assert Client.objects.get(name="钱多多").referred_by == cast.advisor_client


# The ID number: masked, revealed on request, recorded ------------------------------


@pytest.fixture
def client_with_id(cast: Cast) -> Client:
    return make_client(owner=cast.advisor, name="陈志远", id_number=NUMBER)


MASKED = NUMBER[:4] + "*" * 10 + NUMBER[-4:]


def test_it_shows_only_the_masked_number_on_the_detail_page(
    cast: Cast, client_with_id: Client
) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:detail", args=[client_with_id.pk]))

    assert MASKED in _html(response)
    assert NUMBER not in _html(response)
    assert NUMBER[4:14] not in _html(response)
    assert not SensitiveAccess.objects.exists()


def test_it_does_not_send_the_number_in_the_edit_form(cast: Cast, client_with_id: Client) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:edit", args=[client_with_id.pk]))

    assert NUMBER not in _html(response)
    assert MASKED in _html(response)


def test_it_keeps_the_stored_number_when_the_edit_leaves_it_empty(
    cast: Cast, client_with_id: Client
) -> None:
    client_with_id.refresh_from_db()

    logged_in(cast.advisor).post(
        reverse("clients:edit", args=[client_with_id.pk]), edit_data(client_with_id, city="绍兴")
    )

    client_with_id.refresh_from_db()
    assert client_with_id.city == "绍兴"
    assert client_with_id.get_id_number() == NUMBER


@pytest.mark.parametrize("role", ["advisor", "lead", "admin"])
def test_it_reveals_the_full_number_and_records_who_saw_it(
    cast: Cast, client_with_id: Client, role: str
) -> None:
    user = getattr(cast, role)

    response = logged_in(user).post(reverse("clients:reveal_id", args=[client_with_id.pk]))

    assert response.status_code == 200
    assert NUMBER in _html(response)
    access = SensitiveAccess.objects.get()
    assert (access.client, access.user, access.field) == (client_with_id, user, "id_number")
    assert access.ip_address == "127.0.0.1"


def test_it_reveals_the_number_in_a_fragment_to_htmx(cast: Cast, client_with_id: Client) -> None:
    response = logged_in(cast.advisor).post(
        reverse("clients:reveal_id", args=[client_with_id.pk]), headers=HTMX
    )

    assert _is_fragment(response)
    assert _html(response).lstrip().startswith('<span id="id-number">')
    assert NUMBER in _html(response)
    assert 'id="profile"' not in _html(response)
    assert SensitiveAccess.objects.count() == 1


def test_it_records_every_reveal(cast: Cast, client_with_id: Client) -> None:
    http = logged_in(cast.advisor)
    url = reverse("clients:reveal_id", args=[client_with_id.pk])

    http.post(url)
    http.post(url)

    assert SensitiveAccess.objects.filter(client=client_with_id, user=cast.advisor).count() == 2


def test_it_reveals_nothing_to_an_outsider(cast: Cast, client_with_id: Client) -> None:
    response = logged_in(cast.outsider).post(reverse("clients:reveal_id", args=[client_with_id.pk]))

    assert response.status_code == 404
    assert NUMBER not in _html(response)
    assert not SensitiveAccess.objects.exists()


# Search and filters ----------------------------------------------------------------


def _list(user: User, **params: str) -> list[int]:
    # The page posts its search (the text may be an ID number, kept out of addresses).
    response = logged_in(user).post(reverse("clients:list"), params, headers=HTMX_RESULTS)
    assert response.status_code == 200
    return _listed_ids(response)


def test_it_searches_by_part_of_the_name(cast: Cast) -> None:
    other = make_client(owner=cast.advisor, name="赵敏")

    assert _list(cast.advisor, q="建国") == [cast.advisor_client.pk]
    assert set(_list(cast.advisor, q="赵")) == {cast.advisor_client.pk, other.pk}


def test_it_searches_by_phone_digits(cast: Cast) -> None:
    wanted = make_client(owner=cast.advisor, phone="13711112222")
    make_client(owner=cast.advisor, phone="13633334444")

    assert _list(cast.advisor, q="1111222") == [wanted.pk]
    assert _list(cast.advisor, q="137 1111 2222") == [wanted.pk]
    assert _list(cast.advisor, q="+86 13711112222") == [wanted.pk]


def test_it_searches_by_the_exact_id_number(cast: Cast, client_with_id: Client) -> None:
    make_client(owner=cast.advisor, id_number=valid_id_number(sequence="125"))

    assert _list(cast.advisor, q=NUMBER) == [client_with_id.pk]
    assert _list(cast.advisor, q=f" {NUMBER} ") == [client_with_id.pk]
    # Part of a number matches nothing: only the whole number has a blind index.
    assert _list(cast.advisor, q=NUMBER[:17]) == []


def test_it_searches_only_among_the_clients_the_user_may_see(
    cast: Cast, client_with_id: Client
) -> None:
    assert _list(cast.outsider, q=NUMBER) == []
    assert _list(cast.outsider, q=cast.advisor_client.name) == []
    assert _list(cast.outsider, q=cast.advisor_client.phone) == []
    assert _list(cast.lead, q=NUMBER) == [client_with_id.pk]


@pytest.mark.parametrize(
    ("param", "value", "other_value"),
    [
        ("client_type", "family", "individual"),
        ("cvm_stage", "develop", "retain"),
        ("industry", "finance", "internet"),
    ],
)
def test_it_filters_the_list(cast: Cast, param: str, value: str, other_value: str) -> None:
    wanted = make_client(owner=cast.advisor, **{param: value})
    make_client(owner=cast.advisor, **{param: other_value})
    make_client(owner=cast.outsider, **{param: value})

    assert _list(cast.advisor, **{param: value}) == [wanted.pk]


def test_it_combines_search_and_filters(cast: Cast) -> None:
    wanted = make_client(owner=cast.advisor, name="吴刚", cvm_stage="develop", industry="finance")
    make_client(owner=cast.advisor, name="吴刚", cvm_stage="retain", industry="finance")
    make_client(owner=cast.advisor, name="吴昊", cvm_stage="develop", industry="finance")

    assert _list(cast.advisor, q="吴刚", cvm_stage="develop", industry="finance") == [wanted.pk]


def test_it_hides_archived_clients_unless_asked(cast: Cast) -> None:
    client = cast.advisor_client
    logged_in(cast.advisor).post(reverse("clients:archive", args=[client.pk]))

    assert _list(cast.advisor) == []
    assert _list(cast.advisor, archived="on") == [client.pk]


def test_it_shows_a_restored_client_again(cast: Cast) -> None:
    client = cast.advisor_client
    http = logged_in(cast.advisor)
    http.post(reverse("clients:archive", args=[client.pk]))
    http.post(reverse("clients:restore", args=[client.pk]))

    assert _list(cast.advisor) == [client.pk]


# Paging ----------------------------------------------------------------------------


def _encoded(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        _encoded({"d": "n", "v": ["x"]}),
        _encoded({"d": "q", "v": ["2026-01-01 00:00:00+00:00", "1"]}),
    ],
)
def test_it_answers_400_for_an_invalid_cursor(cast: Cast, cursor: str) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:list"), {"cursor": cursor})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("sort", "values"),
    [("updated", ["not-a-date", "1"]), ("name", ["王伟", "not-a-number"])],
)
def test_it_answers_400_for_a_tampered_cursor(cast: Cast, sort: str, values: list[str]) -> None:
    cursor = _encoded({"d": "n", "v": values})

    response = logged_in(cast.advisor).get(
        reverse("clients:list"), {"cursor": cursor, "sort": sort}
    )

    assert response.status_code == 400


PAGER_LINK = re.compile(r'<a href="\?[^"]*cursor=([\w-]+)"[^>]*>([^<]*)</a>')


def _page(http: HttpClient, params: dict[str, str]) -> tuple[list[int], str | None, str | None]:
    response = http.get(reverse("clients:list"), params, headers={**HTMX_RESULTS, **ENGLISH})
    assert response.status_code == 200
    prev_cursor = next_cursor = None
    for cursor, label in PAGER_LINK.findall(_html(response)):
        if "Previous" in label:
            prev_cursor = cursor
        elif "Next" in label:
            next_cursor = cursor
    return _listed_ids(response), prev_cursor, next_cursor


@pytest.mark.parametrize(
    ("sort", "ordering"),
    [
        ("updated", ("-updated_at", "-id")),
        ("name", ("name", "id")),
        ("created", ("-created_at", "-id")),
    ],
)
def test_it_pages_through_every_client_once_forwards_and_backwards(
    cast: Cast, settings: Settings, sort: str, ordering: tuple[str, ...]
) -> None:
    settings.CLIENT_LIST_PAGE_SIZE = 3
    for name in ["王伟", "王伟", "王伟", "李娜", "王伟", "李娜", "张敏", "王伟", "陈静"]:
        make_client(owner=cast.advisor, name=name)
    make_client(owner=cast.outsider, name="王伟")
    # Ties in the sort key, as bulk imports leave them.
    tie = Client.objects.filter(owner=cast.advisor).first()
    assert tie is not None
    Client.objects.filter(owner=cast.advisor).update(updated_at=tie.updated_at)
    Client.objects.filter(owner=cast.advisor, name="王伟").update(created_at=tie.created_at)
    expected = list(
        Client.objects.filter(owner=cast.advisor).order_by(*ordering).values_list("pk", flat=True)
    )
    http = logged_in(cast.advisor)

    forwards: list[list[int]] = []
    cursor: str | None = None
    while True:
        ids, prev_cursor, next_cursor = _page(http, {"sort": sort, "cursor": cursor or ""})
        assert (prev_cursor is None) == (cursor is None)
        forwards.append(ids)
        if next_cursor is None:
            break
        cursor = next_cursor
    backwards: list[list[int]] = []
    cursor = prev_cursor
    while cursor is not None:
        ids, cursor, next_cursor = _page(http, {"sort": sort, "cursor": cursor})
        assert next_cursor is not None
        backwards.append(ids)

    assert [pk for ids in forwards for pk in ids] == expected
    assert [len(ids) for ids in forwards] == [3, 3, 3, 1]
    assert list(reversed(backwards)) == forwards[:-1]


def test_it_keeps_the_filters_in_the_page_links(cast: Cast, settings: Settings) -> None:
    settings.CLIENT_LIST_PAGE_SIZE = 2
    for _ in range(3):
        make_client(owner=cast.advisor, cvm_stage="develop")
    http = logged_in(cast.advisor)

    first_ids, _prev, next_cursor = _page(http, {"cvm_stage": "develop"})
    assert next_cursor is not None
    second_ids, _prev, _next = _page(http, {"cvm_stage": "develop", "cursor": next_cursor})

    response = http.get(reverse("clients:list"), {"cvm_stage": "develop"}, headers=HTMX_RESULTS)
    assert "?cvm_stage=develop&cursor=" in _html(response)
    assert len(first_ids + second_ids) == 3
    assert cast.advisor_client.pk not in first_ids + second_ids
