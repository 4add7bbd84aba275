"""no_health_cover: the client, spouse or a child has no critical-illness or medical cover."""

from __future__ import annotations

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_person, make_policy
from tests.kms.detectors import run, texts


def test_it_is_a_loss_risk() -> None:
    assert REGISTRY["no_health_cover"].category == RiskCategory.LOSS


def test_it_names_each_family_member_without_health_cover(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    wife = make_person(client=client, relationship="spouse", name="李静")
    make_person(client=client, relationship="child", name="赵可欣")
    make_policy(client=client, product_type="medical", insured=me)
    # A lapsed critical-illness policy no longer covers her.
    make_policy(client=client, product_type="critical_illness", insured=wife, status="lapsed")

    detection = run("no_health_cover", client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    assert texts(detection) == [
        "李静 has no critical-illness or medical cover",
        "赵可欣 has no critical-illness or medical cover",
    ]


def test_it_stays_quiet_when_the_household_is_covered(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    wife = make_person(client=client, relationship="spouse", name="李静")
    make_person(client=client, relationship="child", name="赵小宝", is_deceased=True)
    # Parents and friends are outside the household this detector looks at.
    make_person(client=client, relationship="parent", name="赵国强")
    make_policy(client=client, product_type="medical", insured=me)
    make_policy(client=client, product_type="critical_illness", insured=wife)

    assert run("no_health_cover", client) is None
