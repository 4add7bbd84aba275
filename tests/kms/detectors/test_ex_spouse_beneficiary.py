"""ex_spouse_beneficiary: a policy in force still naming the insured's former spouse."""

from __future__ import annotations

import datetime as dt

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import born, make_beneficiary, make_link, make_person, make_policy
from tests.kms.detectors import run, texts


def test_it_is_an_ownership_change_risk() -> None:
    assert REGISTRY["ex_spouse_beneficiary"].category == RiskCategory.OWNERSHIP_CHANGE


def test_it_cites_the_policy_the_former_spouse_is_still_named_on(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="林慧", birth_date=born(52))
    ex = make_person(
        client=client, relationship="ex_spouse", name="张建国", gender="male",
        divorced_on=dt.date(2012, 9, 1),
    )  # fmt: skip
    policy = make_policy(
        client=client, insurer="新华人寿", product_name="红双喜", product_type="whole_life",
        insured=me, policyholder=me, sum_assured=1_000_000,
    )  # fmt: skip
    make_beneficiary(policy=policy, person=ex, order=1)

    detection = run("ex_spouse_beneficiary", client)

    assert detection is not None
    assert detection.severity == Severity.HIGH
    assert texts(detection) == [
        "新华人寿 红双喜 on 林慧 (1,000,000 yuan) still names the former spouse 张建国 as beneficiary, order 1 (Insurance Law art. 41)",
        "张建国 and 林慧 divorced on 2012-09-01",
    ]


def test_it_finds_the_former_spouse_of_another_insured_through_the_links(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="self", name="林慧", birth_date=born(52))
    husband = make_person(client=client, relationship="spouse", name="陈志远", gender="male")
    his_ex = make_person(client=client, relationship="other", name="吴芳")
    make_link(from_person=his_ex, to_person=husband, kind="ex_spouse_of")
    policy = make_policy(client=client, product_type="whole_life", insured=husband)
    make_beneficiary(policy=policy, person=his_ex)

    detection = run("ex_spouse_beneficiary", client)

    assert detection is not None
    assert len(texts(detection)) == 1
    assert "still names the former spouse 吴芳" in texts(detection)[0]


def test_it_stays_quiet_for_the_mother_named_on_her_childs_policy(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="林慧", birth_date=born(52))
    ex = make_person(client=client, relationship="ex_spouse", name="张建国", gender="male")
    daughter = make_person(client=client, relationship="child", name="张欣然", birth_date=born(24))
    make_link(from_person=ex, to_person=daughter)
    # The daughter's policy names her father: he is her parent, not her former spouse.
    policy = make_policy(
        client=client, product_type="whole_life", insured=daughter, policyholder=me
    )
    make_beneficiary(policy=policy, person=ex)
    # A lapsed policy on the client naming him pays nothing.
    lapsed = make_policy(client=client, product_type="whole_life", insured=me, status="lapsed")
    make_beneficiary(policy=lapsed, person=ex)

    assert run("ex_spouse_beneficiary", client) is None
