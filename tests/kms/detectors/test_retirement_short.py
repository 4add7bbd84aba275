"""retirement_short: pensions and annuities fall short of spending to the longevity horizon."""

from __future__ import annotations

from decimal import Decimal

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from kyc.models import Person
from tests.conftest import Cast
from tests.factories import born, make_allocation, make_household, make_income, make_person
from tests.kms.detectors import run, texts


def _man_of_42(cast: Cast) -> Person:
    client = cast.advisor_client
    me = make_person(
        client=client, relationship="self", name="赵立新", gender="male", birth_date=born(42)
    )
    make_household(client=client, annual_spending=Decimal(600_000))
    make_income(client=client, person=me, kind="pension", annual_amount=Decimal(120_000))
    return me


def test_it_is_a_liquidity_risk() -> None:
    assert REGISTRY["retirement_short"].category == RiskCategory.LIQUIDITY


def test_it_cites_pensions_spending_and_the_gap(cast: Cast) -> None:
    _man_of_42(cast)

    detection = run("retirement_short", cast.advisor_client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    # Men retire at 60; income must last to the longevity horizon of 90, past their life
    # expectancy of 76: 30 years × (0.7 × 600,000 − 120,000) = 30 × 300,000 = 9,000,000.
    assert texts(detection) == [
        "Pensions and annuities of 120,000 yuan a year against retirement spending of 420,000 yuan a year",
        "Gap over 30 years of retirement: 9,000,000 yuan",
    ]


def test_it_ignores_the_pension_of_someone_else(cast: Cast) -> None:
    _man_of_42(cast)
    father = make_person(client=cast.advisor_client, relationship="parent", name="赵国强")
    make_income(
        client=cast.advisor_client, person=father, kind="pension", annual_amount=Decimal(300_000)
    )

    assert texts(run("retirement_short", cast.advisor_client))[1] == (
        "Gap over 30 years of retirement: 9,000,000 yuan"
    )


def test_it_stays_quiet_when_a_pension_allocation_closes_the_gap(cast: Cast) -> None:
    me = _man_of_42(cast)
    make_allocation(
        client=cast.advisor_client, person=me, purpose="pension", annual_amount=Decimal(300_000),
        start_year=2044, end_year=None,
    )  # fmt: skip

    # 120,000 + 300,000 = 420,000 a year: exactly the spending in retirement.
    assert run("retirement_short", cast.advisor_client) is None
