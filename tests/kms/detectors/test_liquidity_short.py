"""liquidity_short: liquid assets short of months of spending or of debt due soon."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_asset, make_household, make_liability
from tests.kms.detectors import run, texts

YEAR = timezone.localdate().year


def test_it_is_a_liquidity_risk() -> None:
    assert REGISTRY["liquidity_short"].category == RiskCategory.LIQUIDITY


def test_it_is_high_when_both_spending_and_debt_are_short(cast: Cast) -> None:
    client = cast.advisor_client
    make_household(client=client, annual_spending=Decimal(600_000))
    make_asset(client=client, category="deposit", value=Decimal(100_000), liquidity_days=1)
    make_asset(client=client, category="real_estate", value=Decimal(5_000_000), liquidity_days=180)
    make_liability(client=client, amount=Decimal(2_000_000), due_year=YEAR + 2)

    detection = run("liquidity_short", client)

    assert detection is not None
    assert detection.severity == Severity.HIGH
    # Six months of 600,000 = 300,000; the house does not count as liquid.
    assert texts(detection) == [
        "Liquid assets 100,000 yuan cover less than 6 months of spending (300,000 yuan)",
        "Debt due within 3 years: 2,000,000 yuan, more than the liquid assets 100,000 yuan",
    ]


def test_it_counts_three_years_of_repayments_of_a_long_loan(cast: Cast) -> None:
    client = cast.advisor_client
    make_asset(client=client, category="bond_fund", value=Decimal(500_000), liquidity_days=3)
    make_liability(
        client=client, kind="mortgage", amount=Decimal(1_800_000), annual_repayment=Decimal(240_000),
        due_year=YEAR + 18,
    )  # fmt: skip

    detection = run("liquidity_short", client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    # 3 × 240,000 = 720,000 against 500,000 liquid; no spending is recorded.
    assert texts(detection) == [
        "Debt due within 3 years: 720,000 yuan, more than the liquid assets 500,000 yuan"
    ]


def test_it_stays_quiet_with_enough_cash_for_spending_and_repayments(cast: Cast) -> None:
    client = cast.advisor_client
    make_household(client=client, annual_spending=Decimal(600_000))
    make_asset(client=client, category="deposit", value=Decimal(200_000), liquidity_days=1)
    make_asset(
        client=client, category="policy_cash_value", value=Decimal(200_000), liquidity_days=30
    )
    make_liability(
        client=client, kind="mortgage", amount=Decimal(1_000_000), annual_repayment=Decimal(100_000),
        due_year=YEAR + 10,
    )  # fmt: skip
    # A guarantee is contingent: it is not a debt due.
    make_liability(client=client, kind="guarantee", amount=Decimal(5_000_000), due_year=YEAR + 1)

    # 400,000 liquid ≥ 300,000 of reserve and ≥ 3 × 100,000 of repayments.
    assert run("liquidity_short", client) is None
