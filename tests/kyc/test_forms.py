"""The bad-input rules of the KYC forms, through the endpoints an advisor uses."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from clients.models import Client
from kyc.models import Allocation, Asset, ExistingPolicy, Person, PersonLink, PolicyBeneficiary
from kyc.views import SECTIONS
from tests.conftest import Cast, logged_in
from tests.factories import (
    BENEFICIARIES_NONE,
    kyc_edit_data,
    kyc_new_data,
    make_beneficiary,
    make_enterprise,
    make_person,
    make_policy,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

HTMX_ENGLISH = {"HX-Request": "true", "Accept-Language": "en"}
NOT_A_CHOICE = "Select a valid choice. That choice is not one of the available choices."


def _html(response: Response) -> str:
    return response.content.decode()


def _field_errors(response: Response, field: str) -> list[str]:
    return re.findall(
        rf'<p class="error" id="id_{re.escape(field)}-error" role="alert">(.*?)</p>',
        _html(response),
    )


def _add(cast: Cast, key: str, data: dict[str, Any], client: Client | None = None) -> Response:
    client = client or cast.advisor_client
    url = reverse("kyc:item_new", args=[client.pk, key])
    return logged_in(cast.advisor).post(url, data, headers=HTMX_ENGLISH)


def _edit(cast: Cast, key: str, item: Any, data: dict[str, Any]) -> Response:
    url = reverse("kyc:item", args=[cast.advisor_client.pk, key, item.pk])
    return logged_in(cast.advisor).post(url, data, headers=HTMX_ENGLISH)


# Beneficiary shares ------------------------------------------------------------------


def _beneficiaries(*rows: tuple[int, Person | str, str]) -> dict[str, str]:
    """Formset data for (order, person or "heirs", share) rows."""
    data = {**BENEFICIARIES_NONE, "beneficiaries-TOTAL_FORMS": str(len(rows))}
    for index, (order, who, share) in enumerate(rows):
        prefix = f"beneficiaries-{index}-"
        data[prefix + "order"] = str(order)
        data[prefix + "share_percent"] = share
        if who == "heirs":
            data[prefix + "person"] = ""
            data[prefix + "legal_heirs"] = "on"
        else:
            assert isinstance(who, Person)
            data[prefix + "person"] = str(who.pk)
    return data


@pytest.fixture
def children(cast: Cast) -> tuple[Person, Person, Person]:
    client = cast.advisor_client
    return (
        make_person(client=client, relationship="child", name="长子"),
        make_person(client=client, relationship="child", name="次女"),
        make_person(client=client, relationship="spouse", name="妻子"),
    )


def _stored_beneficiaries(client: Client) -> list[tuple[int, str, Decimal | None]]:
    return sorted(
        (b.order, str(b), b.share_percent)
        for b in PolicyBeneficiary.objects.filter(client=client).select_related("person")
    )


@pytest.mark.parametrize(
    "shares",
    [("60", "40"), ("", ""), ("33.33", "66.67"), ("100", "0")],
    ids=["60+40", "blank", "decimals", "100+0"],
)
def test_it_accepts_shares_of_one_order_that_add_up_to_100_or_are_blank(
    cast: Cast, children: tuple[Person, Person, Person], shares: tuple[str, str]
) -> None:
    son, daughter, _wife = children
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, son, shares[0]), (1, daughter, shares[1])
    )

    response = _add(cast, "policies", data)

    assert response.status_code == 200
    assert "HX-Retarget" in response
    policy = ExistingPolicy.objects.get(client=cast.advisor_client)
    assert policy.beneficiaries.count() == 2
    stored = {b.person_id: b.share_percent for b in policy.beneficiaries.all()}
    expected = {
        son.pk: Decimal(shares[0]) if shares[0] else None,
        daughter.pk: Decimal(shares[1]) if shares[1] else None,
    }
    assert stored == expected


@pytest.mark.parametrize(("first", "second", "total"), [("60", "30", "90"), ("70", "50", "120")])
def test_it_refuses_shares_of_one_order_that_do_not_add_up_to_100(
    cast: Cast, children: tuple[Person, Person, Person], first: str, second: str, total: str
) -> None:
    son, daughter, _wife = children
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, son, first), (1, daughter, second)
    )

    response = _add(cast, "policies", data)

    message = f"Shares of order 1 add up to {total}%, not 100%."
    assert _field_errors(response, "beneficiaries-0-share_percent") == [message]
    assert _field_errors(response, "beneficiaries-1-share_percent") == [message]
    assert "HX-Retarget" not in response
    assert not ExistingPolicy.objects.exists()
    assert not PolicyBeneficiary.objects.exists()
    # The form keeps what was typed.
    assert f'value="{first}"' in _html(response)
    assert f'value="{second}"' in _html(response)


def test_it_refuses_a_mix_of_given_and_blank_shares_in_one_order(
    cast: Cast, children: tuple[Person, Person, Person]
) -> None:
    son, daughter, _wife = children
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, son, "100"), (1, daughter, "")
    )

    response = _add(cast, "policies", data)

    assert _field_errors(response, "beneficiaries-1-share_percent") == [
        "Give every share of this order, or none (equal shares)."
    ]
    assert _field_errors(response, "beneficiaries-0-share_percent") == []
    assert not ExistingPolicy.objects.exists()


def test_it_checks_each_order_on_its_own(
    cast: Cast, children: tuple[Person, Person, Person]
) -> None:
    son, daughter, wife = children
    base = kyc_new_data(key="policies", client=cast.advisor_client)

    refused = _add(
        cast,
        "policies",
        base | _beneficiaries((1, wife, "100"), (2, son, "50"), (2, daughter, "40")),
    )
    assert _field_errors(refused, "beneficiaries-0-share_percent") == []
    assert _field_errors(refused, "beneficiaries-1-share_percent") == [
        "Shares of order 2 add up to 90%, not 100%."
    ]
    assert not ExistingPolicy.objects.exists()

    accepted = _add(
        cast,
        "policies",
        base | _beneficiaries((1, wife, "100"), (2, son, "50"), (2, daughter, "50")),
    )
    assert "HX-Retarget" in accepted
    assert _stored_beneficiaries(cast.advisor_client) == [
        (1, "妻子", Decimal("100.00")),
        (2, "次女", Decimal("50.00")),
        (2, "长子", Decimal("50.00")),
    ]


def test_it_accepts_the_legal_heirs_as_beneficiary(cast: Cast) -> None:
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, "heirs", "100")
    )

    response = _add(cast, "policies", data)

    assert "HX-Retarget" in response
    beneficiary = PolicyBeneficiary.objects.get(client=cast.advisor_client)
    assert beneficiary.legal_heirs is True
    assert beneficiary.person is None


def test_it_refuses_a_person_and_the_legal_heirs_in_one_row(
    cast: Cast, children: tuple[Person, Person, Person]
) -> None:
    son, _daughter, _wife = children
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, son, "100")
    )
    data["beneficiaries-0-legal_heirs"] = "on"

    response = _add(cast, "policies", data)

    assert _field_errors(response, "beneficiaries-0-legal_heirs") == [
        "Choose a person or the legal heirs, not both."
    ]
    assert not ExistingPolicy.objects.exists()


def test_it_refuses_a_share_without_a_beneficiary(cast: Cast) -> None:
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, "heirs", "100")
    )
    data["beneficiaries-0-legal_heirs"] = ""

    response = _add(cast, "policies", data)

    assert _field_errors(response, "beneficiaries-0-person") == [
        "Choose a person or the legal heirs."
    ]
    assert not ExistingPolicy.objects.exists()


def test_it_keeps_the_saved_beneficiaries_when_an_edit_breaks_the_sum(
    cast: Cast, children: tuple[Person, Person, Person]
) -> None:
    son, daughter, _wife = children
    policy = make_policy(client=cast.advisor_client)
    make_beneficiary(policy=policy, person=son, share_percent=Decimal(50))
    make_beneficiary(policy=policy, person=daughter, share_percent=Decimal(50))
    before = _stored_beneficiaries(cast.advisor_client)
    data = kyc_edit_data(key="policies", item=policy, product_name="新名字")
    shares = [k for k in data if k.endswith("-share_percent") and data[k]]
    assert len(shares) == 2
    data[shares[0]] = "70"

    response = _edit(cast, "policies", policy, data)

    assert "Shares of order 1 add up to 120%, not 100%." in _html(response)
    assert _stored_beneficiaries(cast.advisor_client) == before
    policy.refresh_from_db()
    assert policy.product_name == "平安福"


def test_it_saves_changed_shares_of_a_stored_policy(
    cast: Cast, children: tuple[Person, Person, Person]
) -> None:
    son, daughter, _wife = children
    policy = make_policy(client=cast.advisor_client)
    make_beneficiary(policy=policy, person=son, share_percent=Decimal(50))
    make_beneficiary(policy=policy, person=daughter, share_percent=Decimal(50))
    data = kyc_edit_data(key="policies", item=policy)
    first, second = (k for k in data if k.endswith("-share_percent") and data[k])
    data[first], data[second] = "70", "30"

    response = _edit(cast, "policies", policy, data)

    assert "✓ Saved" in _html(response)
    assert sorted(policy.beneficiaries.values_list("share_percent", flat=True)) == [
        Decimal("30.00"),
        Decimal("70.00"),
    ]


# Amounts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("500万", Decimal("5000000.00")),
        ("5,000,000", Decimal("5000000.00")),
        ("1.2亿", Decimal("120000000.00")),
        ("500万元", Decimal("5000000.00")),
        ("1234.56", Decimal("1234.56")),
        ("0", Decimal("0.00")),
    ],
)
def test_it_accepts_amounts_as_advisors_type_them(cast: Cast, typed: str, stored: Decimal) -> None:
    data = kyc_new_data(key="assets", client=cast.advisor_client) | {"value": typed}

    response = _add(cast, "assets", data)

    assert "HX-Retarget" in response
    assert Asset.objects.get(client=cast.advisor_client).value == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Ensure this value is greater than or equal to 0."),
        ("-5万", "Ensure this value is greater than or equal to 0."),
        ("abc", "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万."),
        ("5万万", "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万."),
        ("", "This field is required."),
    ],
)
def test_it_refuses_amounts_that_are_not_one(cast: Cast, typed: str, message: str) -> None:
    data = kyc_new_data(key="assets", client=cast.advisor_client) | {"value": typed}

    response = _add(cast, "assets", data)

    assert _field_errors(response, "value") == [escape(message)]
    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("people", "annual_income"),
        ("liabilities", "amount"),
        ("liabilities", "annual_repayment"),
        ("income", "annual_amount"),
        ("allocations", "annual_amount"),
        ("policies", "sum_assured"),
        ("policies", "annual_premium"),
    ],
)
def test_it_refuses_negative_amounts_everywhere(cast: Cast, key: str, field: str) -> None:
    data = kyc_new_data(key=key, client=cast.advisor_client) | {field: "-5"}

    response = _add(cast, key, data)

    assert "Ensure this value is greater than or equal to 0." in _field_errors(response, field)
    assert "HX-Retarget" not in response
    assert not SECTIONS[key].model.objects.filter(client=cast.advisor_client).exists()  # type: ignore[attr-defined]


def test_it_does_not_claim_no_amount_was_given_when_the_amount_was_refused(cast: Cast) -> None:
    data = kyc_new_data(key="allocations", client=cast.advisor_client) | {
        "share_percent": "",
        "annual_amount": "-5",
    }

    response = _add(cast, "allocations", data)

    # "Give a share or an amount" beside an amount that was given misleads.
    assert _field_errors(response, "annual_amount") == [
        "Ensure this value is greater than or equal to 0."
    ]


# A child cannot be older than their parent ---------------------------------------------


@pytest.fixture
def client_born_1984(cast: Cast) -> Client:
    client = cast.advisor_client
    client.birth_date = dt.date(1984, 5, 18)
    client.save(update_fields=["birth_date"])
    return client


@pytest.mark.parametrize("client_in_map", [False, True], ids=["profile", "map"])
def test_it_refuses_a_child_born_before_the_client(
    cast: Cast, client_born_1984: Client, client_in_map: bool
) -> None:
    if client_in_map:
        # Opening the KYC page puts the client into the map from the profile.
        logged_in(cast.advisor).get(reverse("kyc:page", args=[client_born_1984.pk]))
        assert Person.objects.get(client=client_born_1984, relationship="self").birth_date
    data = kyc_new_data(key="people", client=client_born_1984) | {"birth_date": "1980-01-01"}
    before = Person.objects.count()

    response = _add(cast, "people", data)

    assert _field_errors(response, "birth_date") == ["A child cannot be older than their parent."]
    assert Person.objects.count() == before


def test_it_refuses_a_child_older_than_the_client_by_age(
    cast: Cast, client_born_1984: Client
) -> None:
    age = timezone.localdate().year - 1984 + 5
    data = kyc_new_data(key="people", client=client_born_1984) | {
        "birth_date": "",
        "age": str(age),
    }

    response = _add(cast, "people", data)

    assert _field_errors(response, "age") == ["A child cannot be older than their parent."]
    assert not Person.objects.exists()


def test_it_refuses_a_grandchild_born_before_the_client(
    cast: Cast, client_born_1984: Client
) -> None:
    data = kyc_new_data(key="people", client=client_born_1984) | {
        "relationship": "grandchild",
        "birth_date": "1970-01-01",
    }

    response = _add(cast, "people", data)

    assert _field_errors(response, "birth_date") == ["A child cannot be older than their parent."]


def test_it_refuses_a_parent_born_after_the_client(cast: Cast, client_born_1984: Client) -> None:
    data = kyc_new_data(key="people", client=client_born_1984) | {
        "relationship": "parent",
        "birth_date": "1990-01-01",
    }

    response = _add(cast, "people", data)

    assert _field_errors(response, "birth_date") == ["A parent cannot be younger than their child."]
    assert not Person.objects.exists()


def test_it_accepts_a_child_born_after_the_client(cast: Cast, client_born_1984: Client) -> None:
    data = kyc_new_data(key="people", client=client_born_1984) | {"birth_date": "2016-03-08"}

    response = _add(cast, "people", data)

    assert "HX-Retarget" in response
    assert Person.objects.get(client=client_born_1984).birth_date == dt.date(2016, 3, 8)


def test_it_refuses_a_child_edit_that_makes_them_older_than_the_client(
    cast: Cast, client_born_1984: Client
) -> None:
    child = make_person(
        client=client_born_1984, relationship="child", birth_date=dt.date(2016, 3, 8)
    )

    response = _edit(
        cast, "people", child, kyc_edit_data(key="people", item=child, birth_date="1980-03-08")
    )

    assert _field_errors(response, "birth_date") == ["A child cannot be older than their parent."]
    child.refresh_from_db()
    assert child.birth_date == dt.date(2016, 3, 8)


def test_it_refuses_a_parent_link_to_someone_older(cast: Cast) -> None:
    client = cast.advisor_client
    daughter = make_person(client=client, relationship="child", birth_date=dt.date(2010, 1, 1))
    younger = make_person(client=client, relationship="other", birth_date=dt.date(2012, 1, 1))
    data = {"from_person": younger.pk, "kind": "parent_of", "to_person": daughter.pk}

    response = _add(cast, "links", data)

    assert _field_errors(response, "to_person") == ["A child cannot be older than their parent."]
    assert not PersonLink.objects.exists()


def test_it_refuses_a_parent_in_the_tree_younger_than_the_grandchild(cast: Cast) -> None:
    client = cast.advisor_client
    son = make_person(client=client, relationship="child", birth_date=dt.date(2015, 1, 1))
    data = kyc_new_data(key="people", client=client) | {
        "relationship": "grandchild",
        "birth_date": "2012-01-01",
        "parent_in_map": str(son.pk),
    }

    response = _add(cast, "people", data)

    assert _field_errors(response, "birth_date") + _field_errors(response, "parent_in_map") == [
        "A child cannot be older than their parent."
    ]
    assert not PersonLink.objects.exists()
    assert Person.objects.filter(client=client).count() == 1


# A person cannot be related to themself ------------------------------------------------


@pytest.mark.parametrize("kind", ["parent_of", "spouse_of", "ex_spouse_of"])
def test_it_refuses_a_link_from_a_person_to_themself(cast: Cast, kind: str) -> None:
    person = make_person(client=cast.advisor_client, relationship="spouse")

    response = _add(cast, "links", {"from_person": person.pk, "kind": kind, "to_person": person.pk})

    assert _field_errors(response, "to_person") == ["A person cannot be related to themself."]
    assert not PersonLink.objects.exists()


def test_it_does_not_offer_a_person_as_their_own_parent(cast: Cast) -> None:
    client = cast.advisor_client
    grandchild = make_person(client=client, relationship="grandchild", name="孙子")
    url = reverse("kyc:item", args=[client.pk, "people", grandchild.pk])
    form = logged_in(cast.advisor).get(url).content.decode()
    parent_select = re.search(r'<select name="parent_in_map".*?</select>', form, re.S)
    assert parent_select is not None
    assert f'value="{grandchild.pk}"' not in parent_select.group(0)

    response = _edit(
        cast,
        "people",
        grandchild,
        kyc_edit_data(key="people", item=grandchild, parent_in_map=str(grandchild.pk)),
    )

    assert _field_errors(response, "parent_in_map") != []
    assert not PersonLink.objects.exists()


# Birth dates -------------------------------------------------------------------------


def test_it_refuses_a_birth_date_in_the_future(cast: Cast) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = kyc_new_data(key="people", client=cast.advisor_client) | {
        "birth_date": tomorrow.isoformat()
    }

    response = _add(cast, "people", data)

    assert _field_errors(response, "birth_date") == ["A birth date cannot be in the future."]
    assert not Person.objects.exists()


def test_it_accepts_a_birth_date_of_today(cast: Cast) -> None:
    today = timezone.localdate()
    data = kyc_new_data(key="people", client=cast.advisor_client) | {
        "birth_date": today.isoformat()
    }

    response = _add(cast, "people", data)

    assert "HX-Retarget" in response
    assert Person.objects.get().birth_date == today


def test_it_refuses_an_age_beyond_130(cast: Cast) -> None:
    data = kyc_new_data(key="people", client=cast.advisor_client) | {
        "birth_date": "",
        "age": "131",
    }

    response = _add(cast, "people", data)

    assert _field_errors(response, "age") == ["Ensure this value is less than or equal to 130."]


def test_it_refuses_a_second_client_in_the_map(cast: Cast) -> None:
    make_person(client=cast.advisor_client, relationship="self")
    data = kyc_new_data(key="people", client=cast.advisor_client) | {"relationship": "self"}

    response = _add(cast, "people", data)

    assert _field_errors(response, "relationship") == ["The client is already in the map."]
    assert Person.objects.count() == 1


# Allocations -------------------------------------------------------------------------


def test_it_refuses_an_allocation_without_share_or_amount(cast: Cast) -> None:
    data = kyc_new_data(key="allocations", client=cast.advisor_client) | {
        "share_percent": "",
        "annual_amount": "",
    }

    response = _add(cast, "allocations", data)

    assert _field_errors(response, "annual_amount") == [
        "Give a share of the wealth, an amount per year or a lump sum."
    ]
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    ("share", "amount"), [("25", ""), ("", "10万"), ("25", "10万")], ids=["share", "amount", "both"]
)
def test_it_accepts_an_allocation_with_a_share_or_an_amount(
    cast: Cast, share: str, amount: str
) -> None:
    data = kyc_new_data(key="allocations", client=cast.advisor_client) | {
        "share_percent": share,
        "annual_amount": amount,
    }

    response = _add(cast, "allocations", data)

    assert "HX-Retarget" in response
    allocation = Allocation.objects.get()
    assert allocation.share_percent == (Decimal(share) if share else None)
    assert allocation.annual_amount == (Decimal(100_000) if amount else None)


def test_it_refuses_an_allocation_ending_before_it_starts(cast: Cast) -> None:
    data = kyc_new_data(key="allocations", client=cast.advisor_client) | {
        "start_year": "2040",
        "end_year": "2039",
    }

    response = _add(cast, "allocations", data)

    assert _field_errors(response, "end_year") == ["The end year is before the start year."]
    assert not Allocation.objects.exists()


@pytest.mark.parametrize("end_year", ["2040", ""], ids=["same-year", "open-ended"])
def test_it_accepts_an_allocation_of_one_year_or_open_ended(cast: Cast, end_year: str) -> None:
    data = kyc_new_data(key="allocations", client=cast.advisor_client) | {
        "start_year": "2040",
        "end_year": end_year,
    }

    response = _add(cast, "allocations", data)

    assert "HX-Retarget" in response
    assert Allocation.objects.get().end_year == (int(end_year) if end_year else None)


def test_it_refuses_a_share_above_100(cast: Cast) -> None:
    data = kyc_new_data(key="allocations", client=cast.advisor_client) | {
        "share_percent": "120",
        "annual_amount": "",
    }

    response = _add(cast, "allocations", data)

    assert _field_errors(response, "share_percent") == [
        "Ensure this value is less than or equal to 100."
    ]


def test_it_refuses_a_year_that_is_not_one(cast: Cast) -> None:
    data = kyc_new_data(key="allocations", client=cast.advisor_client) | {
        "start_year": "20",
        "end_year": "",
    }

    response = _add(cast, "allocations", data)

    assert _field_errors(response, "start_year") == ["Enter a year such as 2030."]


# Only the client's own people and companies ----------------------------------------------

# (section, field, what the field refers to)
CHOICE_FIELDS = [
    ("links", "from_person", "person"),
    ("links", "to_person", "person"),
    ("enterprises", "owner", "person"),
    ("assets", "owner_person", "person"),
    ("assets", "owner_enterprise", "enterprise"),
    ("liabilities", "borrower_person", "person"),
    ("liabilities", "borrower_enterprise", "enterprise"),
    ("liabilities", "guarantor", "person"),
    ("income", "person", "person"),
    ("allocations", "person", "person"),
    ("policies", "policyholder", "person"),
    ("policies", "insured", "person"),
    ("people", "parent_in_map", "person"),
]


@pytest.mark.parametrize(("key", "field", "kind"), CHOICE_FIELDS)
def test_it_refuses_a_person_or_company_of_another_client(
    cast: Cast, key: str, field: str, kind: str
) -> None:
    # The advisor's lead sees both clients; the form must still refuse the other's people.
    other = cast.teammate_client
    foreign = (
        make_person(client=other, relationship="child", name="别人的孩子")
        if kind == "person"
        else make_enterprise(client=other, name="别人的公司")
    )
    data = kyc_new_data(key=key, client=cast.advisor_client) | {field: str(foreign.pk)}
    model = SECTIONS[key].model
    before = model.objects.count()  # type: ignore[attr-defined]
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, key])

    response = logged_in(cast.lead).post(url, data, headers=HTMX_ENGLISH)

    assert _field_errors(response, field) == [NOT_A_CHOICE]
    assert "HX-Retarget" not in response
    assert model.objects.count() == before  # type: ignore[attr-defined]


def test_it_refuses_a_beneficiary_of_another_client(cast: Cast) -> None:
    foreign = make_person(client=cast.teammate_client, relationship="child", name="别人的孩子")
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, foreign, "100")
    )

    response = _add(cast, "policies", data)

    assert NOT_A_CHOICE in _field_errors(response, "beneficiaries-0-person")
    assert not ExistingPolicy.objects.exists()
    assert not PolicyBeneficiary.objects.exists()


def test_it_does_not_claim_no_beneficiary_was_chosen_when_the_choice_was_refused(
    cast: Cast,
) -> None:
    foreign = make_person(client=cast.teammate_client, relationship="child", name="别人的孩子")
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, foreign, "100")
    )

    response = _add(cast, "policies", data)

    # "Choose a person or the legal heirs" beside a person who was chosen misleads.
    assert _field_errors(response, "beneficiaries-0-person") == [NOT_A_CHOICE]


@pytest.mark.parametrize("key", ["links", "assets", "liabilities", "allocations", "policies"])
def test_it_offers_only_the_clients_own_people_and_companies(cast: Cast, key: str) -> None:
    mine = make_person(client=cast.advisor_client, relationship="child", name="自家孩子")
    make_enterprise(client=cast.advisor_client, name="自家公司")
    make_person(client=cast.teammate_client, relationship="child", name="别人的孩子")
    make_enterprise(client=cast.teammate_client, name="别人的公司")
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, key])

    html = logged_in(cast.lead).get(url).content.decode()

    assert f'<option value="{mine.pk}">自家孩子</option>' in html
    assert "别人的孩子" not in html
    assert "别人的公司" not in html
    if key in {"assets", "liabilities"}:
        assert "自家公司" in html


# In Chinese by default -----------------------------------------------------------------

CHINESE_CASES = [
    ("people", {"birth_date": "2999-01-01"}, "birth_date", "A birth date cannot be in the future."),
    (
        "allocations",
        {"start_year": "2040", "end_year": "2030"},
        "end_year",
        "The end year is before the start year.",
    ),
    (
        "assets",
        {"value": "abc"},
        "value",
        "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万.",
    ),
]


@pytest.mark.parametrize(("key", "changes", "field", "english"), CHINESE_CASES)
def test_it_explains_bad_input_in_chinese_by_default(
    cast: Cast, key: str, changes: dict[str, str], field: str, english: str
) -> None:
    data = kyc_new_data(key=key, client=cast.advisor_client) | changes
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, key])
    with translation.override("zh-hans"):
        chinese = gettext(english)

    response = logged_in(cast.advisor).post(url, data, headers={"HX-Request": "true"})

    assert chinese != english
    assert _field_errors(response, field) == [escape(chinese)]
    assert english not in _html(response)


def test_it_explains_a_bad_share_sum_in_chinese_by_default(
    cast: Cast, children: tuple[Person, Person, Person]
) -> None:
    son, daughter, _wife = children
    data = kyc_new_data(key="policies", client=cast.advisor_client) | _beneficiaries(
        (1, son, "60"), (1, daughter, "30")
    )
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, "policies"])

    response = logged_in(cast.advisor).post(url, data, headers={"HX-Request": "true"})

    assert _field_errors(response, "beneficiaries-0-share_percent") == [
        "第 1 顺位的份额合计为 90%，而不是 100%。"
    ]


@pytest.mark.django_db
def test_the_asset_form_offers_a_blank_days_to_cash_and_fills_the_category_default(
    cast: Cast,
) -> None:
    from kyc.forms import AssetForm

    client = cast.advisor_client
    blank = AssetForm(client=client)
    assert blank["liquidity_days"].value() in (None, "")
    data = {
        "category": "equity", "description": "工厂 60% 股权", "value": "3000万",
        "owner_person": "", "owner_enterprise": "", "holding": "enterprise",
        "marital": "marital_common", "location": "domestic", "liquidity_days": "",
        "account_details": "", "notes": "",
    }  # fmt: skip
    form = AssetForm(data, client=client)
    assert form.is_valid(), form.errors
    assert form.save().liquidity_days == 365
