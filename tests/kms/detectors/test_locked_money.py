"""locked_money: money to pay out soon while most of the wealth is illiquid."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from clients.models import Client
from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_allocation, make_asset, make_person
from tests.kms.detectors import run, texts

YEAR = timezone.localdate().year


def _locked_household(client: Client, *, education_from: int, liquid: Decimal) -> None:
    daughter = make_person(client=client, relationship="child", name="赵可欣")
    father = make_person(client=client, relationship="parent", name="赵国强")
    make_allocation(
        client=client, person=daughter, purpose="education", annual_amount=Decimal(200_000),
        start_year=education_from, end_year=education_from + 3,
    )  # fmt: skip
    # Support that started years ago and runs on: only the next years count.
    make_allocation(
        client=client, person=father, purpose="support", annual_amount=Decimal(30_000),
        start_year=YEAR - 5, end_year=None,
    )  # fmt: skip
    # A share of wealth has no yearly amount to pay.
    make_allocation(
        client=client, person=daughter, purpose="marriage", annual_amount=None,
        share_percent=Decimal(20), start_year=YEAR + 1, end_year=None,
    )  # fmt: skip
    make_asset(client=client, category="deposit", value=liquid, liquidity_days=1)
    make_asset(client=client, category="real_estate", value=Decimal(5_000_000), liquidity_days=180)


def test_it_is_an_investment_risk() -> None:
    assert REGISTRY["locked_money"].category == RiskCategory.INVESTMENT


def test_it_cites_the_money_due_and_the_illiquid_wealth(cast: Cast) -> None:
    _locked_household(cast.advisor_client, education_from=YEAR + 1, liquid=Decimal(100_000))

    detection = run("locked_money", cast.advisor_client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    # Within 3 years (this year to YEAR + 3): education YEAR + 1 .. YEAR + 3 = 3 × 200,000
    # plus support YEAR .. YEAR + 3 = 4 × 30,000; 600,000 + 120,000 = 720,000.
    assert texts(detection) == [
        "720,000 yuan is to be paid out within 3 years, but only 100,000 yuan is liquid",
        "5,000,000 yuan is in assets that take more than 90 days to sell",
    ]


def test_it_stays_quiet_when_the_cash_covers_what_is_due(cast: Cast) -> None:
    _locked_household(cast.advisor_client, education_from=YEAR + 1, liquid=Decimal(720_000))

    assert run("locked_money", cast.advisor_client) is None


def test_it_stays_quiet_when_payments_start_beyond_the_horizon(cast: Cast) -> None:
    client = cast.advisor_client
    daughter = make_person(client=client, relationship="child", name="赵可欣")
    make_allocation(
        client=client, person=daughter, annual_amount=Decimal(200_000), start_year=YEAR + 4,
        end_year=YEAR + 8,
    )  # fmt: skip
    make_asset(client=client, category="deposit", value=Decimal(100_000))
    make_asset(client=client, category="real_estate", value=Decimal(5_000_000), liquidity_days=180)

    assert run("locked_money", client) is None
