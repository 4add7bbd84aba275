"""overseas: assets abroad, or people abroad who are to receive money."""

from __future__ import annotations

from decimal import Decimal

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_allocation, make_asset, make_beneficiary, make_person, make_policy
from tests.kms.detectors import run, texts


def test_it_is_an_ownership_change_risk() -> None:
    assert REGISTRY["overseas"].category == RiskCategory.OWNERSHIP_CHANGE


def test_it_sums_the_overseas_assets(cast: Cast) -> None:
    client = cast.advisor_client
    make_asset(
        client=client,
        value=Decimal(4_200_000),
        location="overseas",
        category="real_estate",
        liquidity_days=180,
    )
    make_asset(client=client, value=Decimal(600_000), location="overseas", category="bond_fund")
    make_asset(client=client, value=Decimal(9_000_000), location="domestic")

    detection = run("overseas", client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    assert texts(detection) == ["Overseas assets of 4,800,000 yuan"]


def test_it_names_a_recipient_living_abroad_at_low_severity(cast: Cast) -> None:
    client = cast.advisor_client
    son = make_person(client=client, relationship="child", name="周子轩", residence="overseas")
    make_allocation(client=client, person=son)

    detection = run("overseas", client)

    assert detection is not None
    assert detection.severity == Severity.LOW
    assert texts(detection) == [
        "周子轩, who is to receive money, lives or holds nationality abroad"
    ]


def test_it_names_a_beneficiary_of_foreign_nationality(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="周明德")
    grandson = make_person(
        client=client, relationship="grandchild", name="周乐天", nationality="overseas"
    )
    policy = make_policy(client=client, product_type="whole_life", insured=me)
    make_beneficiary(policy=policy, person=grandson)

    assert texts(run("overseas", client)) == [
        "周乐天, who is to receive money, lives or holds nationality abroad"
    ]


def test_it_ignores_someone_abroad_who_receives_nothing(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="ex_spouse", name="吴丽华", residence="overseas")
    daughter = make_person(client=client, relationship="child", name="周雨桐")
    make_allocation(client=client, person=daughter)
    make_asset(client=client, value=Decimal(9_000_000), location="domestic")

    assert run("overseas", client) is None
