"""KYC rules hold for every way in: rows added in code (demo data, imports) meet them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kyc.models import (
    Allocation,
    Asset,
    ExistingPolicy,
    Liability,
    Person,
    PersonLink,
    PolicyBeneficiary,
    SensitiveConsent,
)
from kyc.services import kyc_row_add
from tests.conftest import Cast
from tests.factories import born, make_asset, make_client, make_person, make_policy


def _errors(row: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        kyc_row_add(row=row)  # type: ignore[type-var]
    return caught.value.message_dict


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_it_refuses_a_child_older_than_the_client_and_a_parent_younger(cast: Cast) -> None:
    client = make_client(owner=cast.advisor, birth_date=dt.date(1980, 5, 1))
    child = Person(client=client, relationship="child", name="长子", birth_date=dt.date(1975, 1, 1))
    assert _errors(child) == {"birth_date": ["A child cannot be older than their parent."]}
    mother = Person(client=client, relationship="parent", name="母亲", age=20)
    assert _errors(mother) == {"age": ["A parent cannot be younger than their child."]}
    # A stepchild of a remarried client is still a child by relationship, and younger.
    assert kyc_row_add(row=Person(client=client, relationship="child", name="继女", age=9)).pk


@pytest.mark.django_db
def test_it_refuses_a_future_birth_date_and_a_second_self(cast: Cast) -> None:
    client = make_client(owner=cast.advisor)
    make_person(client=client, relationship="self", name=client.name)
    future = dt.date.today() + dt.timedelta(days=3)
    assert "birth_date" in _errors(
        Person(client=client, relationship="spouse", name="妻", birth_date=future)
    )
    assert "relationship" in _errors(Person(client=client, relationship="self", name="又是本人"))


@pytest.mark.django_db
def test_it_refuses_a_link_to_oneself_and_a_parent_younger_than_the_child(cast: Cast) -> None:
    client = make_client(owner=cast.advisor)
    ex_wife = make_person(client=client, relationship="ex_spouse", birth_date=born(50))
    son = make_person(client=client, relationship="child", birth_date=born(25))
    assert "to_person" in _errors(
        PersonLink(client=client, from_person=son, kind="parent_of", to_person=son)
    )
    backwards = PersonLink(client=client, from_person=son, kind="parent_of", to_person=ex_wife)
    assert _errors(backwards) == {"to_person": ["A child cannot be older than their parent."]}
    assert kyc_row_add(
        row=PersonLink(client=client, from_person=ex_wife, kind="parent_of", to_person=son)
    ).pk


@pytest.mark.django_db
def test_it_refuses_money_rows_that_contradict_themselves(cast: Cast) -> None:
    client = make_client(owner=cast.advisor)
    guarantee = Liability(
        client=client, kind="guarantee", amount=Decimal(30_000_000), lender="工商银行"
    )
    assert _errors(guarantee) == {"guarantor": ["A guarantee needs the guarantor."]}
    nothing = Allocation(
        client=client,
        person=make_person(client=client),
        purpose="support",
        start_year=2030,
        end_year=2020,
    )
    assert set(_errors(nothing)) == {"annual_amount", "end_year"}
    policy = ExistingPolicy(
        client=client, insurer="友邦", product_type="whole_life", sum_assured=1, annual_premium=1,
        years_paid=21, years_total=20,
    )  # fmt: skip
    assert set(_errors(policy)) == {"years_paid"}


@pytest.mark.django_db
def test_it_refuses_a_beneficiary_that_is_both_or_neither_and_a_future_consent(cast: Cast) -> None:
    client = make_client(owner=cast.advisor)
    policy = make_policy(client=client)
    wife = make_person(client=client)
    both = PolicyBeneficiary(client=client, policy=policy, person=wife, legal_heirs=True)
    assert "legal_heirs" in _errors(both)
    neither = PolicyBeneficiary(client=client, policy=policy)
    assert "person" in _errors(neither)
    later = SensitiveConsent(
        client=client,
        given_on=dt.date.today() + dt.timedelta(days=1),
        scope="health",
        recorded_by=cast.advisor,
    )
    assert "given_on" in _errors(later)


@pytest.mark.django_db
def test_it_judges_an_age_as_entered_today_not_aged_since_the_last_save(cast: Cast) -> None:
    client = make_client(owner=cast.advisor, birth_date=dt.date(1980, 5, 1))
    son = make_person(client=client, relationship="child", age=20)
    Person.objects.filter(pk=son.pk).update(updated_at=timezone.now() - dt.timedelta(days=3653))
    son.refresh_from_db()
    # Typed today: 40 years old means born about 1986, after the client (1980).
    son.age = 40
    son.full_clean()
    son.age = 50
    with pytest.raises(ValidationError):
        son.full_clean()


@pytest.mark.django_db
def test_a_blank_days_to_cash_means_the_usual_number_of_the_category(cast: Cast) -> None:
    client = make_client(owner=cast.advisor)
    condo = kyc_row_add(
        row=Asset(
            client=client, category="real_estate", description="温哥华公寓",
            value=Decimal(8_000_000), location="overseas",
        )
    )  # fmt: skip
    assert condo.liquidity_days == 180
    typed = kyc_row_add(
        row=Asset(
            client=client, category="equity", description="工厂股权", value=1, liquidity_days=90
        )
    )
    assert typed.liquidity_days == 90


def test_it_refuses_a_debt_secured_by_another_clients_asset(cast: Cast) -> None:
    elsewhere = make_asset(client=cast.outsider_client, description="别人的房子")
    debt = Liability(
        client=cast.advisor_client, kind="mortgage", amount=Decimal(1_000_000), secured_by=elsewhere
    )

    with pytest.raises(ValidationError) as refused:
        debt.full_clean()

    assert "secured_by" in refused.value.message_dict


def test_it_refuses_a_second_current_spouse(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="spouse", name="林晓燕")
    second = Person(client=client, relationship="spouse", name="王秀英", gender="female")

    with pytest.raises(ValidationError) as refused:
        second.full_clean()

    assert refused.value.message_dict["relationship"] == [
        "The client already has a spouse, 林晓燕. Record an earlier spouse as a former spouse."
    ]
    # A former spouse beside the current one is what a second marriage looks like.
    Person(client=client, relationship="ex_spouse", name="王秀英", gender="female").full_clean()


def test_it_refuses_a_divorce_before_the_birth(cast: Cast) -> None:
    ex = Person(
        client=cast.advisor_client, relationship="ex_spouse", name="王秀英", gender="female",
        birth_date=dt.date(1972, 1, 1), divorced_on=dt.date(1900, 1, 1),
    )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        ex.full_clean()

    assert refused.value.message_dict["divorced_on"] == [
        "A divorce date cannot be before the birth date."
    ]


@pytest.mark.parametrize(("field", "value"), [("due_year", 1800), ("due_year", 2300)])
def test_it_refuses_a_due_year_out_of_range(cast: Cast, field: str, value: int) -> None:
    debt = Liability(
        client=cast.advisor_client, kind="mortgage", amount=Decimal(1_000_000), **{field: value}
    )

    with pytest.raises(ValidationError) as refused:
        debt.full_clean()

    assert field in refused.value.message_dict


def test_it_refuses_days_to_cash_beyond_a_hundred_years(cast: Cast) -> None:
    asset = Asset(
        client=cast.advisor_client, category="real_estate", value=Decimal(1_000_000),
        liquidity_days=99_999_999,
    )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        asset.full_clean()

    assert "liquidity_days" in refused.value.message_dict
