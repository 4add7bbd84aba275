"""earlier_marriage_unprovided: a remarried client's children of the earlier marriage with
nothing arranged for them (no allocation, trust or policy in force naming them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from kyc.models import Person
from tests.conftest import Cast
from tests.factories import (
    born,
    make_allocation,
    make_beneficiary,
    make_link,
    make_person,
    make_policy,
)
from tests.kms.detectors import run, texts


@dataclass
class Blended:
    me: Person
    husband: Person
    ex_husband: Person
    daughter: Person  # hers, of the first marriage
    stepson: Person  # his, of his first marriage
    young: Person  # theirs


def _blended(cast: Cast, *, stepson_provided_for: bool = False) -> Blended:
    client = cast.advisor_client
    person = make_person
    b = Blended(
        me=person(client=client, relationship="self", name="林慧", birth_date=born(52), marital_status="remarried"),
        husband=person(client=client, relationship="spouse", name="陈志远", gender="male", birth_date=born(55)),
        ex_husband=person(client=client, relationship="ex_spouse", name="张建国", gender="male", birth_date=born(54)),
        daughter=person(client=client, relationship="child", name="张欣然", birth_date=born(24)),
        stepson=person(client=client, relationship="stepchild", name="陈浩", gender="male", birth_date=born(26),
                       must_provide_for=stepson_provided_for),
        young=person(client=client, relationship="child", name="陈小雨", birth_date=born(8)),
    )  # fmt: skip
    make_link(from_person=b.ex_husband, to_person=b.daughter)
    return b


def test_it_is_an_ownership_change_risk() -> None:
    assert REGISTRY["earlier_marriage_unprovided"].category == RiskCategory.OWNERSHIP_CHANGE


def test_it_cites_the_child_of_the_first_marriage_with_nothing_arranged(cast: Cast) -> None:
    _blended(cast)

    detection = run("earlier_marriage_unprovided", cast.advisor_client)

    assert detection is not None
    assert detection.severity == Severity.HIGH
    # The young child of both is not of an earlier marriage; the stepson is left out
    # because she does not provide for him.
    assert texts(detection) == [
        "张欣然 is the child of 林慧 from an earlier marriage and the stepchild of 陈志远",
        "No allocation, trust or policy in force names 张欣然",
        "Without arrangements 陈志远 first takes half of the marital common property, then inherits alongside the children (Civil Code art. 1153, 1127)",
    ]
    assert texts(detection, "zh-hans")[1] == "没有任何资金安排、信托或有效保单写明张欣然"


def test_it_cites_a_stepchild_the_client_provides_for_at_medium(cast: Cast) -> None:
    b = _blended(cast, stepson_provided_for=True)
    make_allocation(client=cast.advisor_client, person=b.daughter, purpose="inheritance")

    detection = run("earlier_marriage_unprovided", cast.advisor_client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    assert texts(detection) == [
        "陈浩 is the child of 陈志远 from an earlier marriage and the stepchild of 林慧",
        "No allocation, trust or policy in force names 陈浩",
    ]


def test_it_stays_quiet_when_an_allocation_names_the_child(cast: Cast) -> None:
    b = _blended(cast)
    make_allocation(
        client=cast.advisor_client, person=b.daughter, purpose="marriage", annual_amount=None,
        lump_sum=Decimal(5_000_000), start_year=2027, end_year=None, received_as="trust",
        trust_name="中信信托·家族信托 1号",
    )  # fmt: skip

    assert run("earlier_marriage_unprovided", cast.advisor_client) is None


def test_it_stays_quiet_when_a_policy_in_force_names_the_child(cast: Cast) -> None:
    b = _blended(cast)
    policy = make_policy(client=cast.advisor_client, product_type="whole_life", insured=b.me)
    make_beneficiary(policy=policy, person=b.daughter)

    assert run("earlier_marriage_unprovided", cast.advisor_client) is None


def test_a_lapsed_policy_is_no_arrangement(cast: Cast) -> None:
    b = _blended(cast)
    policy = make_policy(
        client=cast.advisor_client, product_type="whole_life", insured=b.me, status="lapsed"
    )
    make_beneficiary(policy=policy, person=b.daughter)

    assert run("earlier_marriage_unprovided", cast.advisor_client) is not None


def test_it_stays_quiet_without_a_second_marriage(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="self", name="林慧", birth_date=born(52))
    ex = make_person(client=client, relationship="ex_spouse", name="张建国", gender="male")
    daughter = make_person(client=client, relationship="child", name="张欣然", birth_date=born(24))
    make_link(from_person=ex, to_person=daughter)

    # Divorced and not married again: her daughter is her heir with nobody beside her.
    assert run("earlier_marriage_unprovided", client) is None
