"""marital_common: marital common property with no trust, agreement or policy structure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_allocation, make_asset, make_person
from tests.kms.detectors import run, texts


def _married_with_assets(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    make_person(client=client, relationship="spouse", name="李静")
    make_asset(client=client, value=Decimal(3_000_000), marital="marital_common", owner_person=me)
    make_asset(client=client, value=Decimal(1_000_000), marital="pre_marital", owner_person=me)


def test_it_is_an_ownership_change_risk() -> None:
    assert REGISTRY["marital_common"].category == RiskCategory.OWNERSHIP_CHANGE


def test_it_cites_the_common_property_and_its_share(cast: Cast) -> None:
    _married_with_assets(cast)

    detection = run("marital_common", cast.advisor_client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    # 3,000,000 of 4,000,000 = 75%.
    assert texts(detection) == [
        "Marital common property of 3,000,000 yuan (75% of assets) with no trust, agreement or policy structure"
    ]


def test_it_stays_quiet_when_a_trust_holds_part_of_the_wealth(cast: Cast) -> None:
    _married_with_assets(cast)
    make_asset(
        client=cast.advisor_client, category="trust", value=Decimal(500_000), liquidity_days=365
    )

    assert run("marital_common", cast.advisor_client) is None


def test_a_wish_that_only_keeps_control_arranges_nothing(cast: Cast) -> None:
    _married_with_assets(cast)
    child = make_person(client=cast.advisor_client, relationship="child", name="赵可欣")
    make_allocation(
        client=cast.advisor_client, person=child, purpose="inheritance", annual_amount=None,
        share_percent=Decimal(50), keep_control=True,
    )  # fmt: skip

    # Ticking "keeps control" says how the client wants it paid: nothing is set up yet.
    detection = run("marital_common", cast.advisor_client)
    assert detection is not None
    assert texts(detection)[0].startswith("Marital common property of 3,000,000 yuan")


@pytest.mark.parametrize("received_as", ["trust", "policy_benefit", "designated_gift"])
def test_it_stays_quiet_when_an_allocation_is_kept_out_of_marital_property(
    cast: Cast, received_as: str
) -> None:
    _married_with_assets(cast)
    child = make_person(client=cast.advisor_client, relationship="child", name="赵可欣")
    make_allocation(
        client=cast.advisor_client, person=child, purpose="inheritance", annual_amount=None,
        share_percent=Decimal(50), received_as=received_as,
        trust_name="中信信托·家族信托 1号" if received_as == "trust" else "",
    )  # fmt: skip

    assert run("marital_common", cast.advisor_client) is None


def test_it_stays_quiet_for_an_unmarried_client(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    make_asset(client=client, value=Decimal(3_000_000), marital="marital_common", owner_person=me)

    assert run("marital_common", client) is None
