"""The KYC endpoints: who may reach them, htmx fragments, adding, autosaving, deleting."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.db.models import Model
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from clients.models import Client, SensitiveAccess
from kyc import forms as kyc_forms
from kyc import selectors as kyc_selectors
from kyc.models import (
    Allocation,
    Asset,
    ClientErasure,
    Enterprise,
    ExistingPolicy,
    Household,
    IncomeSource,
    Liability,
    Person,
    PersonLink,
    PolicyBeneficiary,
    SensitiveConsent,
)
from kyc.views import SECTIONS
from tests.conftest import Cast, logged_in
from tests.factories import (
    kyc_edit_data,
    kyc_new_data,
    make_consent,
    make_family,
    make_kyc_item,
    make_person,
    make_policy,
    version_field,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}
KEYS = (
    "people",
    "links",
    "enterprises",
    "assets",
    "liabilities",
    "income",
    "allocations",
    "policies",
)
KYC_MODELS: tuple[type[Model], ...] = (
    Person, PersonLink, Enterprise, Asset, Liability, IncomeSource, Household, Allocation,
    ExistingPolicy, PolicyBeneficiary, SensitiveConsent,
)  # fmt: skip


def _html(response: Response) -> str:
    return response.content.decode()


def _is_fragment(response: Response) -> bool:
    html = _html(response)
    return "<html" not in html and "<body" not in html and 'class="topbar"' not in html


def _field_errors(response: Response, field: str) -> list[str]:
    """The errors rendered right next to one form field."""
    return re.findall(
        rf'<p class="error" id="id_{re.escape(field)}-error" role="alert">(.*?)</p>',
        _html(response),
    )


def _triggers(response: Response) -> dict[str, Any]:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def _snapshot(client: Client) -> dict[str, Any]:
    """Every stored row of the client and its KYC, to prove that a request changed nothing."""
    snapshot: dict[str, Any] = {
        "client": list(Client.objects.filter(pk=client.pk).values()),
        "sensitive_accesses": SensitiveAccess.objects.count(),
        "erasures": ClientErasure.objects.count(),
        "log_entries": LogEntry.objects.count(),
    }
    for model in KYC_MODELS:
        snapshot[model.__name__] = list(
            model.objects.filter(client_id=client.pk).order_by("pk").values()  # type: ignore[attr-defined]
        )
    return snapshot


def _row(item: Model) -> dict[str, Any]:
    return type(item).objects.filter(pk=item.pk).values().get()  # type: ignore[attr-defined]


# Every endpoint ----------------------------------------------------------------------


class World:
    """A client with a person and a consent, so that every URL has something to reach."""

    def __init__(self, client: Client, user: Any) -> None:
        self.client = client
        self.person = make_person(client=client, relationship="child", name="赵小宝")
        self.consent = make_consent(client=client, recorded_by=user)

    def url(self, endpoint: str) -> str:
        client_id = self.client.pk
        urls: dict[str, Callable[[], str]] = {
            "kyc": lambda: reverse("kyc:page", args=[client_id]),
            "section": lambda: reverse("kyc:section", args=[client_id, "people"]),
            "item_new": lambda: reverse("kyc:item_new", args=[client_id, "people"]),
            "item_edit": lambda: reverse("kyc:item", args=[client_id, "people", self.person.pk]),
            "item_delete": lambda: reverse(
                "kyc:item_delete", args=[client_id, "people", self.person.pk]
            ),
            "household": lambda: reverse("kyc:household", args=[client_id]),
            "pictures": lambda: reverse("kyc:pictures", args=[client_id]),
            "completeness": lambda: reverse("kyc:completeness", args=[client_id]),
            "consent_record": lambda: reverse("kyc:consent_record", args=[client_id]),
            "consent_withdraw": lambda: reverse(
                "kyc:consent_withdraw", args=[client_id, self.consent.pk]
            ),
            "history": lambda: reverse("kyc:history", args=[client_id]),
            "export": lambda: reverse("kyc:export", args=[client_id]),
            "export_json": lambda: reverse("kyc:export", args=[client_id]),
            "erase": lambda: reverse("kyc:erase", args=[client_id]),
        }
        return urls[endpoint]()

    def payload(self, endpoint: str) -> dict[str, str]:
        """Valid data that would change something if the request were allowed."""
        if endpoint == "item_new":
            return kyc_new_data(key="people", client=self.client)
        if endpoint == "item_edit":
            return kyc_edit_data(key="people", item=self.person, name="改过的名字")
        if endpoint == "household":
            return {"annual_spending": "50万"}
        if endpoint == "consent_record":
            return {"given_on": "2026-01-10", "scope": "both", "notes": "书面同意"}
        if endpoint == "erase":
            return {"confirm_name": self.client.name, "reason": "request"}
        if endpoint == "export_json":
            return {"format": "json"}
        return {}


ENDPOINTS = [
    ("kyc", "get"),
    ("section", "get"),
    ("item_new", "get"),
    ("item_new", "post"),
    ("item_edit", "get"),
    ("item_edit", "post"),
    ("item_delete", "post"),
    ("household", "get"),
    ("household", "post"),
    ("pictures", "get"),
    ("completeness", "get"),
    ("consent_record", "post"),
    ("consent_withdraw", "post"),
    ("history", "get"),
    ("export", "get"),
    ("export", "post"),
    ("export_json", "post"),
    ("erase", "get"),
    ("erase", "post"),
]


def _request(http: HttpClient, world: World, endpoint: str, method: str, **extra: Any) -> Response:
    url = world.url(endpoint)
    if method == "get":
        return http.get(url, **extra)
    return http.post(url, world.payload(endpoint), **extra)


def test_it_covers_every_section_of_the_registry() -> None:
    # The parametrized tests below walk KEYS; a new section must be added there too.
    assert tuple(SECTIONS) == KEYS


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINTS)
def test_it_answers_404_to_an_advisor_of_another_team(
    cast: Cast, endpoint: str, method: str
) -> None:
    world = World(cast.advisor_client, cast.advisor)
    before = _snapshot(cast.advisor_client)

    response = _request(logged_in(cast.outsider), world, endpoint, method, headers=HTMX)

    assert response.status_code == 404
    assert cast.advisor_client.name not in _html(response)
    assert world.person.name not in _html(response)
    assert _snapshot(cast.advisor_client) == before


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINTS)
def test_it_answers_404_to_the_other_teams_lead(cast: Cast, endpoint: str, method: str) -> None:
    world = World(cast.advisor_client, cast.advisor)
    before = _snapshot(cast.advisor_client)

    response = _request(logged_in(cast.other_lead), world, endpoint, method)

    assert response.status_code == 404
    assert _snapshot(cast.advisor_client) == before


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINTS)
def test_it_sends_anonymous_users_to_login(cast: Cast, endpoint: str, method: str) -> None:
    world = World(cast.advisor_client, cast.advisor)
    before = _snapshot(cast.advisor_client)

    response = _request(HttpClient(), world, endpoint, method)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(world.url(endpoint))}"
    assert _snapshot(cast.advisor_client) == before


GET_ENDPOINTS = [e for e, m in ENDPOINTS if m == "get"]


@pytest.mark.parametrize("role", ["advisor", "lead", "admin"])
@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_it_serves_every_page_to_those_who_may_see_the_client(
    cast: Cast, endpoint: str, role: str
) -> None:
    world = World(cast.advisor_client, cast.advisor)

    response = _request(logged_in(getattr(cast, role)), world, endpoint, "get")

    assert response.status_code == 200
    body = _html(response)
    if endpoint in {"kyc", "history", "export", "erase"}:
        assert cast.advisor_client.name in body
    if endpoint in {"kyc", "section", "item_edit", "pictures"}:
        assert world.person.name in body


WRONG_METHODS = [
    ("kyc", "post"),
    ("kyc", "delete"),
    ("section", "post"),
    ("section", "put"),
    ("item_new", "put"),
    ("item_new", "delete"),
    ("item_edit", "put"),
    ("item_edit", "patch"),
    ("item_edit", "delete"),
    ("item_delete", "get"),
    ("item_delete", "delete"),
    ("household", "put"),
    ("household", "delete"),
    ("pictures", "post"),
    ("completeness", "post"),
    ("consent_record", "get"),
    ("consent_withdraw", "get"),
    ("history", "post"),
    ("export", "put"),
    ("erase", "put"),
    ("erase", "delete"),
]


@pytest.mark.parametrize(("endpoint", "method"), WRONG_METHODS)
def test_it_answers_405_for_the_wrong_method(cast: Cast, endpoint: str, method: str) -> None:
    world = World(cast.advisor_client, cast.advisor)
    before = _snapshot(cast.advisor_client)

    response = getattr(logged_in(cast.advisor), method)(world.url(endpoint))

    assert response.status_code == 405
    assert _snapshot(cast.advisor_client) == before


@pytest.mark.parametrize("endpoint", ["kyc", "section", "household", "pictures"])
def test_it_answers_404_for_an_unknown_client(cast: Cast, endpoint: str) -> None:
    world = World(cast.advisor_client, cast.advisor)
    url = world.url(endpoint).replace(f"/{cast.advisor_client.pk}/", "/999999999/", 1)

    assert logged_in(cast.admin).get(url).status_code == 404


def test_it_answers_404_for_an_unknown_section(cast: Cast) -> None:
    http = logged_in(cast.advisor)
    client_id = cast.advisor_client.pk

    assert http.get(reverse("kyc:section", args=[client_id, "secrets"])).status_code == 404
    assert http.get(reverse("kyc:item_new", args=[client_id, "secrets"])).status_code == 404


# Items of another client -------------------------------------------------------------

ITEM_ACTIONS = [("item", "get"), ("item", "post"), ("item_delete", "post")]


@pytest.mark.parametrize(("url_name", "method"), ITEM_ACTIONS)
@pytest.mark.parametrize("key", KEYS)
def test_it_answers_404_for_an_item_of_another_client(
    cast: Cast, key: str, url_name: str, method: str
) -> None:
    # The lead sees both clients, so only the item-to-client check stands in the way.
    foreign = make_kyc_item(client=cast.teammate_client, key=key)
    before = _snapshot(cast.teammate_client)
    mine_before = _snapshot(cast.advisor_client)
    url = reverse(f"kyc:{url_name}", args=[cast.advisor_client.pk, key, foreign.pk])
    http = logged_in(cast.lead)

    if method == "get":
        response = http.get(url, headers=HTMX)
    else:
        response = http.post(url, kyc_edit_data(key=key, item=foreign), headers=HTMX)

    assert response.status_code == 404
    assert _snapshot(cast.teammate_client) == before
    assert _snapshot(cast.advisor_client) == mine_before


@pytest.mark.parametrize("key", KEYS)
def test_it_serves_the_same_item_under_its_own_client(cast: Cast, key: str) -> None:
    # The counterpart of the test above: the lead may edit the teammate's item itself.
    item = make_kyc_item(client=cast.teammate_client, key=key)
    url = reverse("kyc:item", args=[cast.teammate_client.pk, key, item.pk])

    response = logged_in(cast.lead).get(url, headers=HTMX)

    assert response.status_code == 200
    assert f'action="{url}"' in _html(response)


def test_it_answers_404_for_withdrawing_a_consent_of_another_client(cast: Cast) -> None:
    foreign = make_consent(client=cast.teammate_client, recorded_by=cast.teammate)
    url = reverse("kyc:consent_withdraw", args=[cast.advisor_client.pk, foreign.pk])

    response = logged_in(cast.lead).post(url, headers=HTMX)

    foreign.refresh_from_db()
    assert response.status_code == 404
    assert foreign.withdrawn_at is None


def test_it_answers_404_for_an_item_of_another_section(cast: Cast) -> None:
    asset = make_kyc_item(client=cast.advisor_client, key="assets")
    url = reverse("kyc:item", args=[cast.advisor_client.pk, "enterprises", asset.pk])

    # An enterprise with the asset's id would be another row; here there is none.
    assert not Enterprise.objects.filter(pk=asset.pk).exists()
    assert logged_in(cast.advisor).get(url).status_code == 404


# The page and its fragments ------------------------------------------------------------


def test_it_renders_the_full_kyc_page_with_every_section(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("kyc:page", args=[cast.advisor_client.pk]))

    html = _html(response)
    assert response.status_code == 200
    assert html.lstrip().lower().startswith("<!doctype html>")
    for key in KEYS:
        assert f'id="section-{key}"' in html
    for anchor in ("household", "consent", "kyc-pictures", "completeness"):
        assert f'id="{anchor}"' in html


def test_it_puts_the_client_into_their_own_map_once(cast: Cast) -> None:
    client = cast.advisor_client
    http = logged_in(cast.advisor)

    http.get(reverse("kyc:page", args=[client.pk]))
    http.get(reverse("kyc:page", args=[client.pk]))

    me = Person.objects.get(client=client, relationship="self")
    assert me.name == client.name
    assert Person.objects.filter(client=client).count() == 1


FRAGMENTS = [
    ("section", 'id="section-people"'),
    ("item_new", 'class="kyc-form"'),
    ("item_edit", 'class="kyc-form"'),
    ("household", 'id="household"'),
    ("pictures", 'id="kyc-pictures"'),
    ("completeness", 'id="completeness"'),
]


@pytest.mark.parametrize(("endpoint", "marker"), FRAGMENTS)
def test_it_returns_only_the_fragment_to_htmx(cast: Cast, endpoint: str, marker: str) -> None:
    world = World(cast.advisor_client, cast.advisor)

    response = logged_in(cast.advisor).get(world.url(endpoint), headers=HTMX)

    assert response.status_code == 200
    assert _is_fragment(response)
    assert marker in _html(response)


@pytest.mark.parametrize("key", KEYS)
def test_it_returns_the_section_with_its_items(cast: Cast, key: str) -> None:
    item = make_kyc_item(client=cast.advisor_client, key=key)
    url = reverse("kyc:section", args=[cast.advisor_client.pk, key])

    response = logged_in(cast.advisor).get(url, headers=HTMX)

    assert response.status_code == 200
    assert _is_fragment(response)
    assert f'id="item-{key}-{item.pk}"' in _html(response)
    # A plain GET of the section redraws it without telling the page that data changed.
    assert "kycChanged" not in response.headers.get("HX-Trigger", "")


@pytest.mark.parametrize("key", KEYS)
def test_it_shows_an_empty_add_form(cast: Cast, key: str) -> None:
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, key])

    response = logged_in(cast.advisor).get(url, headers=HTMX)

    html = _html(response)
    assert response.status_code == 200
    assert _is_fragment(response)
    assert f'hx-post="{url}"' in html
    assert 'name="done"' not in html


def test_it_shows_the_stored_values_in_the_edit_form(cast: Cast) -> None:
    person = make_person(client=cast.advisor_client, relationship="child", occupation="小学生")
    url = reverse("kyc:item", args=[cast.advisor_client.pk, "people", person.pk])

    response = logged_in(cast.advisor).get(url, headers=HTMX)

    html = _html(response)
    assert f'value="{escape(person.name)}"' in html
    assert 'value="小学生"' in html
    assert 'name="done"' in html
    assert 'hx-trigger="change delay:600ms, submit"' in html


# Adding ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_it_adds_an_item_and_returns_the_section_to_swap_in(cast: Cast, key: str) -> None:
    client = cast.advisor_client
    data = kyc_new_data(key=key, client=client)
    model = SECTIONS[key].model
    existing = set(model.objects.filter(client=client).values_list("pk", flat=True))  # type: ignore[attr-defined]
    url = reverse("kyc:item_new", args=[client.pk, key])

    response = logged_in(cast.advisor).post(url, data, headers=HTMX)

    added = model.objects.filter(client=client).exclude(pk__in=existing)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert added.count() == 1
    assert response["HX-Retarget"] == f"#section-{key}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "kycChanged" in _triggers(response)
    assert _is_fragment(response)
    assert f'id="section-{key}"' in _html(response)
    assert f'id="item-{key}-{added.get().pk}"' in _html(response)


ADDED_VALUES: dict[str, tuple[str, Any]] = {
    "people": ("name", "赵小满"),
    "links": ("kind", "parent_of"),
    "enterprises": ("share_percent", Decimal("80.00")),
    "assets": ("value", Decimal("5000000.00")),
    "liabilities": ("amount", Decimal("5000000.00")),
    "income": ("annual_amount", Decimal("1200000.00")),
    "allocations": ("annual_amount", Decimal("100000.00")),
    "policies": ("annual_premium", Decimal("12000.00")),
}


@pytest.mark.parametrize("key", KEYS)
def test_it_stores_what_was_typed(cast: Cast, key: str) -> None:
    client = cast.advisor_client
    url = reverse("kyc:item_new", args=[client.pk, key])
    field, expected = ADDED_VALUES[key]

    logged_in(cast.advisor).post(url, kyc_new_data(key=key, client=client), headers=HTMX)

    stored = SECTIONS[key].model.objects.get(client=client, **{field: expected})  # type: ignore[attr-defined]
    assert stored.client_id == client.pk


def test_it_fills_in_the_usual_liquidity_of_the_category(cast: Cast) -> None:
    client = cast.advisor_client
    data = kyc_new_data(key="assets", client=client) | {"category": "real_estate"}

    logged_in(cast.advisor).post(reverse("kyc:item_new", args=[client.pk, "assets"]), data)

    assert Asset.objects.get(client=client).liquidity_days == 180


# Bad input: (changes, field that shows the error, the English message).
INVALID: dict[str, tuple[Callable[[dict[str, str]], dict[str, str]], str, str]] = {
    "people": (
        lambda d: {"birth_date": "2999-01-01", "name": "新名字"},
        "birth_date",
        "A birth date cannot be in the future.",
    ),
    "links": (
        lambda d: {"to_person": d["from_person"]},
        "to_person",
        "A person cannot be related to themself.",
    ),
    "enterprises": (
        lambda d: {"share_percent": "150", "name": "新公司"},
        "share_percent",
        "Ensure this value is less than or equal to 100.",
    ),
    "assets": (
        lambda d: {"value": "abc", "description": "新描述"},
        "value",
        "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万.",
    ),
    "liabilities": (
        lambda d: {"kind": "guarantee", "guarantor": "", "lender": "新银行"},
        "guarantor",
        "A guarantee needs the guarantor.",
    ),
    "income": (
        lambda d: {"annual_amount": "-5"},
        "annual_amount",
        "Ensure this value is greater than or equal to 0.",
    ),
    "allocations": (
        lambda d: {"start_year": "2040", "end_year": "2030", "condition": "新条件"},
        "end_year",
        "The end year is before the start year.",
    ),
    "policies": (
        lambda d: {"years_paid": "30", "years_total": "20", "product_name": "新产品"},
        "years_paid",
        "More years paid than payment years.",
    ),
}


@pytest.mark.parametrize("key", KEYS)
def test_it_refuses_a_bad_add_and_keeps_the_form_as_typed(cast: Cast, key: str) -> None:
    client = cast.advisor_client
    data = kyc_new_data(key=key, client=client)
    changes, field, message = INVALID[key]
    data.update(changes(data))
    before = _snapshot(client)
    url = reverse("kyc:item_new", args=[client.pk, key])

    response = logged_in(cast.advisor).post(url, data, headers={**HTMX, **ENGLISH})

    assert response.status_code == 200
    assert _is_fragment(response)
    assert _field_errors(response, field) == [escape(message)]
    assert "HX-Retarget" not in response
    assert "kycChanged" not in _triggers(response)
    assert _snapshot(client) == before
    # What was typed is still in the form.
    html = _html(response)
    for name, value in data.items():
        if value and not name.startswith("beneficiaries-") and name not in {"notes"}:
            assert escape(value) in html, name


@pytest.mark.parametrize("key", KEYS)
def test_it_refuses_a_bad_edit_and_keeps_what_was_saved(cast: Cast, key: str) -> None:
    client = cast.advisor_client
    item = make_kyc_item(client=client, key=key)
    data = kyc_edit_data(key=key, item=item)
    changes, field, message = INVALID[key]
    data.update(changes(data))
    saved = _row(item)
    before = _snapshot(client)
    url = reverse("kyc:item", args=[client.pk, key, item.pk])

    response = logged_in(cast.advisor).post(url, data, headers={**HTMX, **ENGLISH})

    assert response.status_code == 200
    assert _field_errors(response, field) == [escape(message)]
    assert "Not saved: please correct the marked fields." in _html(response)
    assert "kycChanged" not in _triggers(response)
    assert _row(item) == saved
    assert _snapshot(client) == before


def test_it_shows_the_beneficiary_error_next_to_its_field(cast: Cast) -> None:
    client = cast.advisor_client
    child = make_person(client=client, relationship="child")
    data = kyc_new_data(key="policies", client=client) | {
        "beneficiaries-TOTAL_FORMS": "1",
        "beneficiaries-0-order": "1",
        "beneficiaries-0-person": str(child.pk),
        "beneficiaries-0-share_percent": "60",
    }
    url = reverse("kyc:item_new", args=[client.pk, "policies"])

    response = logged_in(cast.advisor).post(url, data, headers={**HTMX, **ENGLISH})

    assert _field_errors(response, "beneficiaries-0-share_percent") == [
        "Shares of order 1 add up to 60%, not 100%."
    ]
    assert not ExistingPolicy.objects.filter(client=client).exists()


# Editing with autosave ---------------------------------------------------------------

# A valid change per section: (changes, field, stored value).
EDITS: dict[str, tuple[dict[str, str], str, Any]] = {
    "people": ({"occupation": "医生"}, "occupation", "医生"),
    "links": ({"kind": "spouse_of"}, "kind", "spouse_of"),
    "enterprises": ({"name": "新名字科技有限公司"}, "name", "新名字科技有限公司"),
    "assets": ({"value": "88万"}, "value", Decimal("880000.00")),
    "liabilities": ({"lender": "工商银行"}, "lender", "工商银行"),
    "income": ({"annual_amount": "1.5亿"}, "annual_amount", Decimal("150000000.00")),
    "allocations": ({"condition": "毕业时"}, "condition", "毕业时"),
    "policies": ({"product_name": "金福人生"}, "product_name", "金福人生"),
}


@pytest.mark.parametrize("key", KEYS)
def test_it_autosaves_an_edit_and_keeps_the_form_open(cast: Cast, key: str) -> None:
    client = cast.advisor_client
    item = make_kyc_item(client=client, key=key)
    changes, field, stored = EDITS[key]
    url = reverse("kyc:item", args=[client.pk, key, item.pk])

    response = logged_in(cast.advisor).post(
        url, kyc_edit_data(key=key, item=item, **changes), headers={**HTMX, **ENGLISH}
    )

    html = _html(response)
    assert response.status_code == 200
    assert getattr(type(item).objects.get(pk=item.pk), field) == stored  # type: ignore[attr-defined]
    assert _is_fragment(response)
    assert 'class="kyc-form"' in html
    assert f'hx-post="{url}"' in html
    assert "✓ Saved" in html
    assert "HX-Retarget" not in response
    assert "kycChanged" in _triggers(response)


def test_it_shows_the_saved_state_in_the_autosaved_form(cast: Cast) -> None:
    client = cast.advisor_client
    asset = make_kyc_item(client=client, key="assets")
    url = reverse("kyc:item", args=[client.pk, "assets", asset.pk])

    response = logged_in(cast.advisor).post(
        url, kyc_edit_data(key="assets", item=asset, value="88万"), headers=HTMX
    )

    # The form is redrawn from the stored row: 88万 comes back as the stored yuan.
    assert 'name="value" value="880000"' in _html(response)


@pytest.mark.parametrize("key", KEYS)
def test_it_closes_the_form_when_done(cast: Cast, key: str) -> None:
    client = cast.advisor_client
    item = make_kyc_item(client=client, key=key)
    changes, field, stored = EDITS[key]
    url = reverse("kyc:item", args=[client.pk, key, item.pk])

    response = logged_in(cast.advisor).post(
        url, kyc_edit_data(key=key, item=item, done="1", **changes), headers=HTMX
    )

    assert response.status_code == 200
    assert getattr(type(item).objects.get(pk=item.pk), field) == stored  # type: ignore[attr-defined]
    assert response["HX-Retarget"] == f"#section-{key}"
    assert "kycChanged" in _triggers(response)
    assert f'id="item-{key}-{item.pk}"' in _html(response)
    assert 'class="kyc-form"' not in _html(response)


def test_it_keeps_the_other_values_of_an_edited_item(cast: Cast) -> None:
    client = cast.advisor_client
    person = make_person(
        client=client,
        relationship="child",
        birth_date=dt.date(2015, 6, 1),
        cares_about=True,
        annual_income=Decimal("1234.50"),
    )
    saved = _row(person)
    url = reverse("kyc:item", args=[client.pk, "people", person.pk])

    logged_in(cast.advisor).post(url, kyc_edit_data(key="people", item=person, occupation="学生"))

    after = _row(person)
    assert after.pop("occupation") == "学生"
    saved.pop("occupation")
    after.pop("updated_at")
    saved.pop("updated_at")
    assert after == saved


# Deleting ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_it_deletes_an_item_and_returns_the_section(cast: Cast, key: str) -> None:
    client = cast.advisor_client
    item = make_kyc_item(client=client, key=key)
    url = reverse("kyc:item_delete", args=[client.pk, key, item.pk])

    response = logged_in(cast.advisor).post(url, headers=HTMX)

    assert response.status_code == 200
    assert not type(item).objects.filter(pk=item.pk).exists()  # type: ignore[attr-defined]
    assert response["HX-Retarget"] == f"#section-{key}"
    assert "kycChanged" in _triggers(response)
    assert f'id="item-{key}-{item.pk}"' not in _html(response)


def test_it_refuses_to_delete_the_client_from_their_own_map(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name=client.name)
    before = _snapshot(client)
    url = reverse("kyc:item_delete", args=[client.pk, "people", me.pk])

    response = logged_in(cast.advisor).post(url, headers={**HTMX, **ENGLISH})

    assert response.status_code == 400
    assert "The client cannot be removed from their own map." in _html(response)
    assert _snapshot(client) == before


def test_it_does_not_offer_to_delete_the_client(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name=client.name)
    child = make_person(client=client, relationship="child")
    url = reverse("kyc:section", args=[client.pk, "people"])

    html = _html(logged_in(cast.advisor).get(url, headers=HTMX))

    assert reverse("kyc:item_delete", args=[client.pk, "people", child.pk]) in html
    assert reverse("kyc:item_delete", args=[client.pk, "people", me.pk]) not in html


# Household ---------------------------------------------------------------------------


def _household_version(client: Client) -> dict[str, str]:
    household = kyc_selectors.kyc_load(client=client).household
    return version_field(kyc_forms.HouseholdForm(instance=household, client=client))


def test_it_saves_the_household_as_it_is_typed(cast: Cast) -> None:
    client = cast.advisor_client
    url = reverse("kyc:household", args=[client.pk])

    response = logged_in(cast.advisor).post(
        url,
        {"annual_spending": "50万", "no_policies": "on", **_household_version(client)},
        headers={**HTMX, **ENGLISH},
    )

    household = Household.objects.get(client=client)
    assert response.status_code == 200
    assert _is_fragment(response)
    assert household.annual_spending == Decimal("500000.00")
    assert household.no_policies is True
    assert household.no_liabilities is False
    assert "✓ Saved" in _html(response)
    assert "kycChanged" in _triggers(response)


def test_it_refuses_a_bad_household_amount_and_keeps_the_saved_one(cast: Cast) -> None:
    client = cast.advisor_client
    Household.objects.create(client=client, annual_spending=Decimal(300_000))
    url = reverse("kyc:household", args=[client.pk])

    response = logged_in(cast.advisor).post(
        url, {"annual_spending": "-5"}, headers={**HTMX, **ENGLISH}
    )

    assert _field_errors(response, "annual_spending") == [
        "Ensure this value is greater than or equal to 0."
    ]
    assert 'value="-5"' in _html(response)
    assert "kycChanged" not in _triggers(response)
    assert Household.objects.get(client=client).annual_spending == Decimal("300000.00")


def test_it_shows_the_household_form_with_the_stored_values(cast: Cast) -> None:
    client = cast.advisor_client
    Household.objects.create(client=client, annual_spending=Decimal(300_000))

    response = logged_in(cast.advisor).get(reverse("kyc:household", args=[client.pk]), headers=HTMX)

    assert 'value="300000"' in _html(response)
    assert "kycChanged" not in _triggers(response)


# Pictures, completeness --------------------------------------------------------------


def test_it_redraws_the_pictures_when_kyc_changes(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="child", name="赵小宝")

    response = logged_in(cast.advisor).get(reverse("kyc:pictures", args=[client.pk]), headers=HTMX)

    html = _html(response)
    assert html.count("<svg") == 3
    assert "赵小宝" in html
    assert 'hx-trigger="kycChanged from:body"' in html


def test_it_updates_the_completeness_meter(cast: Cast) -> None:
    client = cast.advisor_client
    url = reverse("kyc:completeness", args=[client.pk])
    http = logged_in(cast.advisor)
    before = _html(http.get(url, headers={**HTMX, **ENGLISH}))
    percent_before = int(re.search(r'<meter[^>]*value="(\d+)"', before).group(1))  # type: ignore[union-attr]
    assert "Assets recorded" in before

    make_kyc_item(client=client, key="assets")
    after = _html(http.get(url, headers={**HTMX, **ENGLISH}))

    percent_after = int(re.search(r'<meter[^>]*value="(\d+)"', after).group(1))  # type: ignore[union-attr]
    assert "Assets recorded" not in after
    assert percent_after > percent_before


def test_it_links_every_missing_item_to_where_it_is_filled_in(cast: Cast) -> None:
    client = cast.advisor_client
    http = logged_in(cast.advisor)
    page = _html(http.get(reverse("kyc:page", args=[client.pk])))
    meter = _html(http.get(reverse("kyc:completeness", args=[client.pk]), headers=HTMX))

    links = re.findall(r'<li><a href="([^"]+)">', meter)
    assert len(links) >= 10
    kyc_url = reverse("kyc:page", args=[client.pk])
    for link in links:
        path, _, anchor = link.partition("#")
        assert path in {kyc_url, reverse("clients:edit", args=[client.pk])}, link
        if path == kyc_url:
            assert f'id="{anchor}"' in page, link


# Consent -----------------------------------------------------------------------------


def test_it_records_consent_and_reloads_the_page(cast: Cast) -> None:
    client = cast.advisor_client
    url = reverse("kyc:consent_record", args=[client.pk])

    response = logged_in(cast.advisor).post(
        url, {"given_on": "2026-01-10", "scope": "health", "notes": "书面"}, headers=HTMX
    )

    consent = SensitiveConsent.objects.get(client=client)
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    assert consent.recorded_by == cast.advisor
    assert consent.given_on == dt.date(2026, 1, 10)
    assert consent.scope == "health"
    assert consent.withdrawn_at is None


def test_it_redirects_to_the_consent_section_without_htmx(cast: Cast) -> None:
    client = cast.advisor_client
    url = reverse("kyc:consent_record", args=[client.pk])

    response = logged_in(cast.advisor).post(url, {"given_on": "2026-01-10", "scope": "both"})

    assert response.status_code == 303
    assert response["Location"] == reverse("kyc:page", args=[client.pk]) + "#consent"
    assert SensitiveConsent.objects.filter(client=client).count() == 1


def test_it_refuses_a_consent_dated_in_the_future(cast: Cast) -> None:
    client = cast.advisor_client
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    url = reverse("kyc:consent_record", args=[client.pk])

    response = logged_in(cast.advisor).post(
        url, {"given_on": tomorrow.isoformat(), "scope": "both"}, headers={**HTMX, **ENGLISH}
    )

    assert response.status_code == 200
    assert _is_fragment(response)
    assert _field_errors(response, "given_on") == ["The consent date cannot be in the future."]
    assert "HX-Refresh" not in response
    assert not SensitiveConsent.objects.exists()


def test_it_withdraws_a_consent(cast: Cast) -> None:
    client = cast.advisor_client
    consent = make_consent(client=client, recorded_by=cast.advisor)
    url = reverse("kyc:consent_withdraw", args=[client.pk, consent.pk])

    response = logged_in(cast.advisor).post(url, headers=HTMX)

    consent.refresh_from_db()
    assert response["HX-Refresh"] == "true"
    assert consent.withdrawn_at is not None


# History, export, erase --------------------------------------------------------------


def test_it_shows_the_history_page(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="child", name="赵小宝")

    response = logged_in(cast.advisor).get(reverse("kyc:history", args=[client.pk]))

    assert response.status_code == 200
    assert "赵小宝" in _html(response)


def test_it_offers_the_export_as_a_page_and_as_json(cast: Cast) -> None:
    client = cast.advisor_client
    url = reverse("kyc:export", args=[client.pk])
    http = logged_in(cast.advisor)

    page = http.post(url)
    download = http.post(url, {"format": "json"})

    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert download["Content-Type"] == "application/json; charset=utf-8"
    assert download["Content-Disposition"] == f'attachment; filename="client-{client.pk}.json"'
    assert json.loads(download.content)["客户"]["姓名"] == client.name


def test_it_asks_for_the_name_before_erasing(cast: Cast) -> None:
    client = cast.advisor_client
    make_kyc_item(client=client, key="assets")
    before = _snapshot(client)
    url = reverse("kyc:erase", args=[client.pk])

    page = logged_in(cast.advisor).get(url)
    wrong = logged_in(cast.advisor).post(
        url, {"confirm_name": "赵建", "reason": "request"}, headers=ENGLISH
    )

    assert 'name="confirm_name"' in _html(page)
    assert wrong.status_code == 200
    assert _field_errors(wrong, "confirm_name") == ["The name does not match this client."]
    assert _snapshot(client) == before


def test_it_erases_on_the_exact_name(cast: Cast) -> None:
    client = cast.advisor_client
    url = reverse("kyc:erase", args=[client.pk])

    response = logged_in(cast.advisor).post(url, {"confirm_name": client.name, "reason": "request"})

    assert response.status_code == 200
    assert not Client.objects.filter(pk=client.pk).exists()
    assert ClientErasure.objects.get().client_pk == client.pk


# Queries -----------------------------------------------------------------------------


QUERY_URLS: dict[str, Callable[[int], str]] = {
    "kyc": lambda pk: reverse("kyc:page", args=[pk]),
    "section": lambda pk: reverse("kyc:section", args=[pk, "policies"]),
    "pictures": lambda pk: reverse("kyc:pictures", args=[pk]),
    "completeness": lambda pk: reverse("kyc:completeness", args=[pk]),
    "history": lambda pk: reverse("kyc:history", args=[pk]),
    "export": lambda pk: reverse("kyc:export", args=[pk]),
}


@pytest.mark.parametrize("endpoint", QUERY_URLS)
def test_it_loads_a_large_household_in_as_many_queries_as_a_small_one(
    cast: Cast, endpoint: str
) -> None:
    small, large = cast.advisor_client, cast.teammate_client
    me = make_person(client=small, relationship="self", name=small.name)
    make_kyc_item(client=small, key="assets")
    # The history names related rows with one query per related model, so the small
    # household refers to the same kinds of rows (people, an enterprise) as the large.
    company = Enterprise.objects.create(client=small, name="小公司", owner=me)
    Asset.objects.create(client=small, category="equity", value=1, owner_enterprise=company)
    Asset.objects.create(client=small, category="deposit", value=1, owner_person=me)
    small_policy = make_policy(client=small)
    PolicyBeneficiary.objects.create(client=small, policy=small_policy, legal_heirs=True)
    family = make_family(client=large)
    for person in list(family.people.values())[:3]:
        policy = make_policy(client=large)
        PolicyBeneficiary.objects.create(client=large, policy=policy, person=person, order=1)
    http = logged_in(cast.admin)
    for client in (small, large):  # the first visit creates the household row
        http.get(reverse("kyc:page", args=[client.pk]))

    def queries(client: Client) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert http.get(QUERY_URLS[endpoint](client.pk)).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    small_queries, large_queries = queries(small), queries(large)
    tables = Counter(re.findall(r'FROM "(\w+)"', " ".join(large_queries)))
    assert len(large_queries) == len(small_queries), tables
