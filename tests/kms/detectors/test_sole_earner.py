"""sole_earner: one person earns most of the income, others depend on them, cover is short."""

from __future__ import annotations

from decimal import Decimal

from clients.models import Client
from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import (
    make_asset,
    make_beneficiary,
    make_household,
    make_income,
    make_person,
    make_policy,
)
from tests.kms.detectors import run, texts


def _earner_with_family(client: Client) -> None:
    """He earns 1,000,000 a year; wife and daughter depend on him; spending 300,000."""
    me = make_person(client=client, relationship="self", name="赵立新", gender="male")
    make_person(client=client, relationship="spouse", name="李静", must_provide_for=True)
    make_person(client=client, relationship="child", name="赵可欣", must_provide_for=True)
    make_income(client=client, person=me, kind="business", annual_amount=Decimal(1_000_000))
    make_household(client=client, annual_spending=Decimal(300_000))


def test_it_is_a_loss_risk() -> None:
    assert REGISTRY["sole_earner"].category == RiskCategory.LOSS


def test_it_cites_the_earner_the_dependants_and_the_need(cast: Cast) -> None:
    _earner_with_family(cast.advisor_client)

    detection = run("sole_earner", cast.advisor_client)

    assert detection is not None
    assert detection.severity == Severity.HIGH
    # Need: no debts + 10 years × 300,000 − no liquid assets − no cover = 3,000,000.
    assert texts(detection) == [
        "赵立新 earns 100% of the household income",
        "Dependants: 李静、赵可欣",
        "Existing life cover 0 yuan; computed need a further 3,000,000 yuan",
    ]


def test_it_fires_when_cover_is_below_ten_times_income_though_assets_meet_the_need(
    cast: Cast,
) -> None:
    client = cast.advisor_client
    _earner_with_family(client)
    make_asset(client=client, value=Decimal(5_000_000))

    detection = run("sole_earner", client)

    assert detection is not None
    assert texts(detection)[2] == "Existing life cover 0 yuan; computed need a further 0 yuan"


def test_it_stays_quiet_when_the_other_spouse_earns_a_third(cast: Cast) -> None:
    client = cast.advisor_client
    _earner_with_family(client)
    wife = client.people.get(name="李静")
    make_income(client=client, person=wife, kind="salary", annual_amount=Decimal(500_000))

    # 1,000,000 of 1,500,000 = 67%, below the 70% of a main earner.
    assert run("sole_earner", client) is None


def test_it_stays_quiet_when_existing_cover_meets_need_and_ten_times_income(cast: Cast) -> None:
    client = cast.advisor_client
    _earner_with_family(client)
    me = client.people.get(relationship="self")
    policy = make_policy(
        client=client, product_type="whole_life", policyholder=me, insured=me,
        sum_assured=Decimal(10_000_000),
    )  # fmt: skip
    make_beneficiary(policy=policy, person=client.people.get(name="李静"))

    assert run("sole_earner", client) is None


def test_it_stays_quiet_without_dependants(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    make_income(client=client, person=me, annual_amount=Decimal(1_000_000))
    make_household(client=client, annual_spending=Decimal(300_000))

    assert run("sole_earner", client) is None
