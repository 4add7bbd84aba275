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


def test_a_trust_beside_the_common_property_leaves_it_exposed(cast: Cast) -> None:
    """Moving part of the wealth into a trust arranges that part; the 3,000,000 of common
    property outside it can be divided as before."""
    _married_with_assets(cast)
    make_asset(
        client=cast.advisor_client, category="trust", value=Decimal(3_000_000),
        liquidity_days=365, marital="marital_common",
    )  # fmt: skip

    detection = run("marital_common", cast.advisor_client)

    # 3,000,000 of 7,000,000 = 43%: the trust is not counted as common property.
    assert detection is not None
    assert texts(detection) == [
        "Marital common property of 3,000,000 yuan (43% of assets) with no trust, agreement or policy structure"
    ]


def test_it_counts_a_gift_from_a_common_asset_up_to_that_asset(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="孙建国")
    make_person(client=client, relationship="spouse", name="林晓燕")
    daughter = make_person(client=client, relationship="child", name="孙丽")
    flat = make_asset(
        client=client, value=Decimal(2_000_000), marital="marital_common", owner_person=me
    )
    make_asset(client=client, value=Decimal(6_000_000), marital="marital_common", owner_person=me)
    make_allocation(
        client=client, person=daughter, purpose="marriage", annual_amount=None,
        lump_sum=Decimal(5_000_000), start_year=2030, end_year=None,
        received_as="designated_gift", source_asset=flat,
    )  # fmt: skip

    detection = run("marital_common", client)

    # 5,000,000 promised out of a 2,000,000 flat arranges 2,000,000 of the 8,000,000.
    assert detection is not None
    assert "of which 6,000,000 yuan is not covered" in texts(detection)[0]
    assert "(2,000,000 yuan arranged)" in texts(detection)[0]


def test_a_gift_from_personal_property_arranges_no_common_property(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="孙建国")
    make_person(client=client, relationship="spouse", name="林晓燕")
    daughter = make_person(client=client, relationship="child", name="孙丽")
    own = make_asset(
        client=client, value=Decimal(4_000_000), marital="pre_marital", owner_person=me
    )
    make_asset(client=client, value=Decimal(3_000_000), marital="marital_common", owner_person=me)
    make_allocation(
        client=client, person=daughter, purpose="marriage", annual_amount=None,
        lump_sum=Decimal(3_000_000), start_year=2030, end_year=None,
        received_as="designated_gift", source_asset=own,
    )  # fmt: skip

    detection = run("marital_common", client)

    assert detection is not None
    assert texts(detection)[0].startswith(
        "Marital common property of 3,000,000 yuan (43% of assets) with no"
    )


def test_a_small_gift_does_not_arrange_the_whole_common_property(cast: Cast) -> None:
    """The trial's case: one 500万 designated gift against 7500万 of common property."""
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="孙建国")
    make_person(client=client, relationship="spouse", name="林晓燕")
    daughter = make_person(client=client, relationship="child", name="孙丽")
    make_asset(client=client, value=Decimal(75_000_000), marital="marital_common", owner_person=me)
    make_allocation(
        client=client, person=daughter, purpose="marriage", annual_amount=None,
        lump_sum=Decimal(5_000_000), start_year=2030, end_year=None,
        received_as="designated_gift",
    )  # fmt: skip

    detection = run("marital_common", client)

    assert detection is not None
    assert "of which 70,000,000 yuan is not covered" in texts(detection)[0]


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
        share_percent=Decimal(100), received_as=received_as,
        trust_name="中信信托·家族信托 1号" if received_as == "trust" else "",
    )  # fmt: skip

    # All of the wealth, so all of the common property in it, is kept out of marital property.
    assert run("marital_common", cast.advisor_client) is None


def test_it_stays_quiet_for_an_unmarried_client(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    make_asset(client=client, value=Decimal(3_000_000), marital="marital_common", owner_person=me)

    assert run("marital_common", client) is None
