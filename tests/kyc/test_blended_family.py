"""Issue 12 C: the marital history and the wishes of a blended family in the KYC map.

Model rules for every way in, the forms an advisor types into, who is a child of an
earlier marriage (kyc.kinship), and how the money flow draws lump sums and trusts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kyc import pictures
from kyc.kinship import Kin, Kinship
from kyc.models import Allocation, Person
from kyc.selectors import kyc_load
from kyc.services import kyc_row_add
from tests.conftest import Cast, logged_in
from tests.factories import (
    born,
    kyc_new_data,
    make_allocation,
    make_asset,
    make_client,
    make_link,
    make_person,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

HTMX_ENGLISH = {"HX-Request": "true", "Accept-Language": "en"}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _errors(row: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        kyc_row_add(row=row)  # type: ignore[type-var]
    return caught.value.message_dict


def _add(cast: Cast, key: str, data: dict[str, str]) -> Response:
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, key])
    return logged_in(cast.advisor).post(url, data, headers=HTMX_ENGLISH)


def _field_errors(response: Response, field: str) -> list[str]:
    return re.findall(
        rf'<p class="error" id="id_{re.escape(field)}-error" role="alert">(.*?)</p>',
        response.content.decode(),
    )


# The marital history -------------------------------------------------------------------


@pytest.mark.django_db
def test_it_keeps_a_divorce_date_for_a_former_spouse_only(cast: Cast) -> None:
    client = make_client(owner=cast.advisor)
    ex = kyc_row_add(
        row=Person(client=client, relationship="ex_spouse", name="张建国", divorced_on=dt.date(2012, 9, 1))
    )  # fmt: skip
    assert Person.objects.get(pk=ex.pk).divorced_on == dt.date(2012, 9, 1)

    spouse = Person(
        client=client, relationship="spouse", name="陈志远", divorced_on=dt.date(2012, 9, 1)
    )
    assert _errors(spouse) == {"divorced_on": ["Only a former spouse has a divorce date."]}
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    future = Person(client=client, relationship="ex_spouse", name="吴芳", divorced_on=tomorrow)
    assert _errors(future) == {"divorced_on": ["A divorce date cannot be in the future."]}


@pytest.mark.django_db
def test_it_takes_a_remarried_client_a_stepchild_and_a_divorce_date_from_the_form(
    cast: Cast,
) -> None:
    data = kyc_new_data(key="people", client=cast.advisor_client)
    response = _add(cast, "people", data | {"relationship": "self", "name": "林慧", "birth_date": "1974-03-08", "marital_status": "remarried"})  # fmt: skip
    assert response.status_code == 200
    _add(cast, "people", data | {"relationship": "spouse", "name": "陈志远", "birth_date": "1971-05-01", "marital_status": "remarried"})  # fmt: skip
    _add(cast, "people", data | {"relationship": "stepchild", "name": "陈浩", "birth_date": "2000-01-01"})  # fmt: skip
    _add(cast, "people", data | {"relationship": "ex_spouse", "name": "张建国", "birth_date": "1972-01-01", "divorced_on": "2012-09-01"})  # fmt: skip
    refused = _add(cast, "people", data | {"relationship": "child", "name": "陈小雨", "divorced_on": "2012-09-01"})  # fmt: skip

    people = {p.name: p for p in Person.objects.filter(client=cast.advisor_client)}
    assert people["林慧"].marital_status == "remarried"
    assert people["陈浩"].relationship == "stepchild"
    assert people["张建国"].divorced_on == dt.date(2012, 9, 1)
    assert _field_errors(refused, "divorced_on") == ["Only a former spouse has a divorce date."]
    assert "陈小雨" not in people


@pytest.mark.django_db
def test_it_tells_the_children_of_each_marriage_apart(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="林慧", birth_date=born(52))
    husband = make_person(client=client, relationship="spouse", name="陈志远", gender="male")
    ex = make_person(client=client, relationship="ex_spouse", name="张建国", gender="male")
    daughter = make_person(client=client, relationship="child", name="张欣然", birth_date=born(24))
    stepson = make_person(client=client, relationship="stepchild", name="陈浩", birth_date=born(26))
    young = make_person(client=client, relationship="child", name="陈小雨", birth_date=born(8))
    make_link(from_person=ex, to_person=daughter)

    kinship = Kinship(kyc_load(client=client))

    found = {
        (f.child.name, f.parent.name, f.step_parent.name) for f in kinship.earlier_marriage_children
    }
    assert found == {("张欣然", "林慧", "陈志远"), ("陈浩", "陈志远", "林慧")}
    assert kinship.client_is_remarried
    assert kinship.relation(stepson, to=me) == Kin.STEPCHILD
    assert kinship.relation(stepson, to=husband) == Kin.CHILD
    assert kinship.relation(daughter, to=husband) == Kin.STEPCHILD
    assert kinship.relation(young, to=husband) == Kin.CHILD
    assert kinship.relation(stepson, to=young) == Kin.SIBLING  # a half-brother


@pytest.mark.django_db
def test_a_first_marriage_is_no_blended_family(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(
        client=client, relationship="self", name="赵立新", gender="male", birth_date=born(42)
    )
    make_person(client=client, relationship="spouse", name="李静")
    make_person(client=client, relationship="child", name="赵可欣", birth_date=born(5))

    kinship = Kinship(kyc_load(client=client))

    assert kinship.earlier_marriage_children == []
    assert not kinship.client_is_remarried


# Wishes: a lump sum, money that stays personal, a trust --------------------------------


@pytest.mark.django_db
def test_a_lump_sum_is_one_amount_in_one_year(cast: Cast) -> None:
    client = cast.advisor_client
    child = make_person(client=client, relationship="child", name="张欣然", birth_date=born(24))
    once = Allocation(
        client=client, person=child, purpose="marriage", lump_sum=Decimal(5_000_000),
        start_year=2027, condition="结婚时",
    )  # fmt: skip
    kyc_row_add(row=once)

    assert once.is_lump_sum and not once.stays_personal
    assert once.paid_in(2026, 2028) == Decimal(5_000_000)
    assert once.paid_in(2028, 2030) == 0
    yearly = make_allocation(client=client, person=child, annual_amount=Decimal(100_000), start_year=2030, end_year=2034)  # fmt: skip
    assert yearly.paid_in(2026, 2031) == Decimal(200_000)  # 2030 and 2031


@pytest.mark.django_db
def test_it_refuses_a_lump_sum_with_a_yearly_amount_or_an_end_year(cast: Cast) -> None:
    client = cast.advisor_client
    child = make_person(client=client, relationship="child", name="张欣然", birth_date=born(24))

    both = Allocation(client=client, person=child, purpose="marriage", lump_sum=Decimal(1), annual_amount=Decimal(1), start_year=2027)  # fmt: skip
    assert _errors(both) == {"lump_sum": ["Give an amount per year or a lump sum, not both."]}
    span = Allocation(client=client, person=child, purpose="marriage", lump_sum=Decimal(1), start_year=2027, end_year=2030)  # fmt: skip
    assert _errors(span) == {"end_year": ["A lump sum is paid once: leave the until-year empty."]}
    nothing = Allocation(client=client, person=child, purpose="marriage", start_year=2027)
    assert _errors(nothing) == {
        "annual_amount": ["Give a share of the wealth, an amount per year or a lump sum."]
    }


@pytest.mark.django_db
def test_money_through_a_trust_names_the_trust_and_an_asset_of_the_client(cast: Cast) -> None:
    client = cast.advisor_client
    child = make_person(client=client, relationship="child", name="张欣然", birth_date=born(24))
    foreign = make_asset(client=cast.teammate_client)

    unnamed = Allocation(client=client, person=child, purpose="inheritance", share_percent=Decimal(30), start_year=2030, received_as="trust")  # fmt: skip
    assert _errors(unnamed) == {"trust_name": ["Name the trust the money goes through."]}
    stray = Allocation(client=client, person=child, purpose="inheritance", share_percent=Decimal(30), start_year=2030, trust_name="某信托")  # fmt: skip
    assert _errors(stray) == {"trust_name": ["Name a trust only when the money goes through one."]}
    elsewhere = Allocation(client=client, person=child, purpose="inheritance", share_percent=Decimal(30), start_year=2030, source_asset=foreign)  # fmt: skip
    assert _errors(elsewhere) == {"source_asset": ["Choose one of this client's assets."]}
    trust = Allocation(client=client, person=child, purpose="inheritance", share_percent=Decimal(30), start_year=2030, received_as="trust", trust_name="中信信托·家族信托 1号")  # fmt: skip
    assert kyc_row_add(row=trust).stays_personal


@pytest.mark.django_db
def test_the_form_takes_a_lump_sum_in_wan_kept_personal_from_one_asset(cast: Cast) -> None:
    data = kyc_new_data(key="allocations", client=cast.advisor_client)
    own = make_asset(client=cast.advisor_client, description="婚前公寓", marital="pre_marital")
    foreign = make_asset(client=cast.teammate_client)

    response = _add(cast, "allocations", data | {
        "annual_amount": "", "lump_sum": "500万", "start_year": "2027", "end_year": "",
        "received_as": "designated_gift", "source_asset": str(own.pk),
    })  # fmt: skip
    refused = _add(cast, "allocations", data | {"source_asset": str(foreign.pk)})

    assert response.status_code == 200
    saved = Allocation.objects.get(client=cast.advisor_client)
    assert (saved.lump_sum, saved.annual_amount, saved.end_year) == (Decimal(5_000_000), None, None)
    assert (saved.received_as, saved.source_asset) == ("designated_gift", own)
    # Another client's asset is not among the choices.
    assert _field_errors(refused, "source_asset") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


@pytest.mark.django_db
def test_the_money_flow_draws_a_lump_sum_once_and_names_the_trust(cast: Cast) -> None:
    client = cast.advisor_client
    child = make_person(client=client, relationship="child", name="张欣然", birth_date=born(24))
    make_allocation(client=client, person=child, purpose="marriage", annual_amount=None, lump_sum=Decimal(5_000_000), start_year=2027, end_year=None)  # fmt: skip
    make_allocation(client=client, person=child, purpose="inheritance", annual_amount=None, share_percent=Decimal(30), start_year=2030, end_year=None, received_as="trust", trust_name="家族信托1号")  # fmt: skip
    make_allocation(client=client, person=child, purpose="education", annual_amount=Decimal(100_000), start_year=2031, end_year=2034, received_as="designated_gift")  # fmt: skip

    with translation.override("zh-hans"):
        flow = pictures.money_flow(kyc_load(client=client))
        html = logged_in(cast.advisor).get(reverse("kyc:page", args=[client.pk])).content.decode()

    once, trust, gift = flow.rows
    assert once.lump_sum and once.x1 == once.x2 and not once.open_ended
    assert once.label_text == "一次性 500万"
    assert trust.label_text == "财富的 30% · 经家族信托1号" and trust.open_ended
    assert gift.label_text == "每年 10万 · 个人财产" and not gift.lump_sum
    assert "一次性 500万" in html and "经家族信托1号" in html
