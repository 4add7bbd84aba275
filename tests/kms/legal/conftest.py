"""The household every rule is checked against: a remarried client and his employee."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import Cast
from tests.factories import born, make_household, make_income, make_link, make_person
from tests.kms.legal import Household


@pytest.fixture
def home(cast: Cast) -> Household:
    client = cast.advisor_client
    person = make_person
    h = Household(
        client=client,
        me=person(client=client, relationship="self", name="周建华", gender="male", birth_date=born(45)),
        wife=person(client=client, relationship="spouse", name="陈静", birth_date=born(38), must_provide_for=True),
        ex_wife=person(client=client, relationship="ex_spouse", name="吴丽", birth_date=born(44)),
        first_son=person(client=client, relationship="child", name="周子豪", gender="male", birth_date=born(15)),
        daughter=person(client=client, relationship="child", name="周可欣", birth_date=born(5), must_provide_for=True),
        mother=person(client=client, relationship="parent", name="郑桂兰", birth_date=born(72)),
        wifes_father=person(client=client, relationship="parent_in_law", name="陈国栋", gender="male", birth_date=born(65)),
        friend=person(client=client, relationship="friend", name="孙朋友", gender="male", birth_date=born(40)),
        employee=person(client=client, relationship="employee", name="王员工", gender="male", birth_date=born(30)),
        employees_son=person(client=client, relationship="other", name="王小宝", gender="male", birth_date=born(3)),
        employees_sister=person(client=client, relationship="other", name="王小红", birth_date=born(28)),
        employees_mother=person(client=client, relationship="other", name="王母", birth_date=born(55)),
    )  # fmt: skip
    make_link(from_person=h.ex_wife, to_person=h.first_son)
    make_link(from_person=h.employee, to_person=h.employees_son)
    make_link(from_person=h.employees_mother, to_person=h.employee)
    make_link(from_person=h.employees_mother, to_person=h.employees_sister)
    make_income(client=client, person=h.me, kind="business", annual_amount=Decimal(1_000_000))
    make_household(client=client, annual_spending=Decimal(300_000))
    return h
