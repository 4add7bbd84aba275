"""no_beneficiary: an existing policy names no beneficiary, so it pays into the estate."""

from __future__ import annotations

from decimal import Decimal

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_beneficiary, make_person, make_policy
from tests.kms.detectors import run, texts


def test_it_is_an_ownership_change_risk() -> None:
    assert REGISTRY["no_beneficiary"].category == RiskCategory.OWNERSHIP_CHANGE


def test_it_cites_the_policy_the_insured_and_the_sum(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    father = make_person(client=client, relationship="parent", name="赵国强", gender="male")
    make_policy(
        client=client, insurer="中国人寿", product_name="老年意外险", product_type="accident",
        policyholder=me, insured=father, sum_assured=Decimal(200_000),
    )  # fmt: skip

    detection = run("no_beneficiary", client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    assert texts(detection) == [
        "中国人寿 老年意外险 on 赵国强 (200,000 yuan) names no beneficiary: "
        "the benefit falls into the estate (Insurance Law art. 42)"
    ]


def test_it_stays_quiet_when_the_policy_names_a_beneficiary(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    father = make_person(client=client, relationship="parent", name="赵国强")
    policy = make_policy(client=client, product_type="accident", policyholder=me, insured=father)
    make_beneficiary(policy=policy, person=me)

    assert run("no_beneficiary", client) is None


def test_it_counts_the_legal_heirs_as_a_designation(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    policy = make_policy(client=client, product_type="whole_life", policyholder=me, insured=me)
    make_beneficiary(policy=policy, person=None)

    assert run("no_beneficiary", client) is None


def test_it_ignores_health_and_lapsed_policies(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    # Medical and critical-illness cover pays the insured, not a beneficiary.
    make_policy(client=client, product_type="medical", insured=me)
    make_policy(client=client, product_type="critical_illness", insured=me)
    make_policy(client=client, product_type="term_life", insured=me, status="lapsed")

    assert run("no_beneficiary", client) is None
