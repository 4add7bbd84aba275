"""earlier_marriage_marital_money: money a remarried client means for a child of the
earlier marriage, paid out of the present marriage's common property."""

from __future__ import annotations

from decimal import Decimal

from clients.models import Client
from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from kyc.models import Asset, Person
from tests.conftest import Cast
from tests.factories import born, make_allocation, make_asset, make_link, make_person
from tests.kms.detectors import run, texts


def _remarried(client: Client) -> tuple[Person, Asset, Asset]:
    """林慧, remarried to 陈志远; her daughter 张欣然 of the first marriage. Assets:
    a 300万 joint deposit and her 200万 flat from before the marriage."""
    me = make_person(client=client, relationship="self", name="林慧", birth_date=born(52))
    make_person(client=client, relationship="spouse", name="陈志远", gender="male")
    ex = make_person(client=client, relationship="ex_spouse", name="张建国", gender="male")
    daughter = make_person(client=client, relationship="child", name="张欣然", birth_date=born(24))
    make_link(from_person=ex, to_person=daughter)
    joint = make_asset(
        client=client, description="招行存款", value=Decimal(3_000_000), marital="marital_common",
        owner_person=me,
    )  # fmt: skip
    flat = make_asset(
        client=client, category="real_estate", description="婚前公寓", value=Decimal(2_000_000),
        marital="pre_marital", owner_person=me,
    )  # fmt: skip
    return daughter, joint, flat


def test_it_is_an_ownership_change_risk() -> None:
    assert REGISTRY["earlier_marriage_marital_money"].category == RiskCategory.OWNERSHIP_CHANGE


def test_it_cites_money_paid_from_a_joint_asset(cast: Cast) -> None:
    daughter, joint, _flat = _remarried(cast.advisor_client)
    make_allocation(
        client=cast.advisor_client, person=daughter, purpose="marriage", annual_amount=None,
        lump_sum=Decimal(1_000_000), start_year=2028, end_year=None, source_asset=joint,
        received_as="designated_gift",
    )  # fmt: skip

    detection = run("earlier_marriage_marital_money", cast.advisor_client)

    assert detection is not None
    assert detection.severity == Severity.HIGH
    # A designated gift keeps it from the daughter's marriage, not from her mother's.
    assert texts(detection) == [
        "Money meant for 张欣然 is paid from 招行存款, marital common property of 3,000,000 yuan",
        "Half of the marital common property is 陈志远's: giving it away needs their consent, and at a death it goes to them before the estate is shared (Civil Code art. 1062, 1153)",
    ]


def test_it_cites_money_from_no_named_asset_against_the_joint_property(cast: Cast) -> None:
    daughter, _joint, _flat = _remarried(cast.advisor_client)
    make_allocation(client=cast.advisor_client, person=daughter, purpose="education")

    detection = run("earlier_marriage_marital_money", cast.advisor_client)

    assert texts(detection)[0] == (
        "Money meant for 张欣然 names no asset of its own: of the household's wealth 3,000,000 yuan is marital common property"
    )


def test_it_stays_quiet_for_money_from_personal_property_a_trust_or_a_policy(
    cast: Cast,
) -> None:
    daughter, joint, flat = _remarried(cast.advisor_client)
    client = cast.advisor_client
    make_allocation(client=client, person=daughter, source_asset=flat)
    make_allocation(
        client=client, person=daughter, source_asset=joint, received_as="trust",
        trust_name="中信信托·家族信托 1号",
    )  # fmt: skip
    make_allocation(client=client, person=daughter, received_as="policy_benefit")

    assert run("earlier_marriage_marital_money", client) is None


def test_it_stays_quiet_for_the_child_of_the_present_marriage(cast: Cast) -> None:
    _daughter, joint, _flat = _remarried(cast.advisor_client)
    young = make_person(
        client=cast.advisor_client, relationship="child", name="陈小雨", birth_date=born(8)
    )
    make_allocation(client=cast.advisor_client, person=young, source_asset=joint)

    assert run("earlier_marriage_marital_money", cast.advisor_client) is None
