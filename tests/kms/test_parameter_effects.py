"""Every parameter an administrator can set at /kms/parameters/ changes what the product says.

Issue 12, B.7: each test below sets one parameter through the service the page uses and
sees an output move (a calculator figure, a detector firing or going quiet, a legal
check); the figures are worked out by hand in the comments. A parameter added to
kms.parameters without such a test fails test_it_tests_the_effect_of_every_parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clients.models import Client
from kms import services
from kms.calculators import education_fund, life_cover_need, pension_gap
from kms.facts import Facts
from kms.legal import BLOCK, WARNING
from kms.models import PlanDocument, Severity
from kms.parameters import SPECS
from kms.plan_services import plan_html
from kyc.models import Person
from kyc.selectors import kyc_load
from tests.conftest import Cast
from tests.factories import (
    born,
    make_allocation,
    make_asset,
    make_case,
    make_household,
    make_income,
    make_liability,
    make_person,
    make_policy,
)
from tests.kms.detectors import run, texts
from tests.kms.legal import check, item

YEAR = timezone.localdate().year
TESTED: set[str] = set()


def changes(key: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a test as the one that proves the parameter `key` takes effect."""

    def mark(test: Callable[..., None]) -> Callable[..., None]:
        TESTED.add(key)
        return test

    return mark


def _set(cast: Cast, key: str, value: int | str) -> None:
    services.parameter_set(key=key, value=Decimal(value), user=cast.admin)


def _facts(client: Client) -> Facts:
    # A new Facts reads the parameters again, as every page and plan does.
    return Facts(kyc_load(client=client))


def _me(client: Client, *, age: int = 40, gender: str = "male", **fields: Any) -> Person:
    return make_person(
        client=client, relationship="self", name="林志远", gender=gender, birth_date=born(age),
        **fields,
    )  # fmt: skip


def test_it_tests_the_effect_of_every_parameter() -> None:
    # A parameter nobody has shown to take effect is a setting that may do nothing.
    assert {spec.key for spec in SPECS} == TESTED


# Legal checks ------------------------------------------------------------------------


@changes("minor_death_cap_under_10")
def test_the_cap_for_a_child_under_10_moves_the_block(cast: Cast) -> None:
    me = _me(cast.advisor_client)
    daughter = make_person(client=cast.advisor_client, relationship="child", birth_date=born(5))
    proposal = item(me, daughter, sum_assured=Decimal(250_000))

    # 250,000 > 200,000, the cap under 10.
    assert [m.level for m in check("minors_death_cover", proposal)] == [BLOCK]
    _set(cast, "minor_death_cap_under_10", 300_000)
    assert check("minors_death_cover", proposal) == []


@changes("minor_death_cap_10_to_17")
def test_the_cap_for_a_child_of_10_to_17_moves_the_block(cast: Cast) -> None:
    me = _me(cast.advisor_client)
    son = make_person(client=cast.advisor_client, relationship="child", birth_date=born(15))
    proposal = item(me, son, sum_assured=Decimal(600_000))

    # 600,000 > 500,000, the cap from 10 to 17.
    assert [m.level for m in check("minors_death_cover", proposal)] == [BLOCK]
    _set(cast, "minor_death_cap_10_to_17", 700_000)
    assert check("minors_death_cover", proposal) == []


@changes("premium_income_share")
def test_the_premium_share_moves_the_affordability_warning(cast: Cast) -> None:
    me = _me(cast.advisor_client)
    make_income(client=cast.advisor_client, person=me, annual_amount=Decimal(1_000_000))
    proposal = item(me, me, annual_premium=Decimal(120_000))

    # 120,000 of 1,000,000 is 12%: above 10%, within 15%.
    assert [m.level for m in check("affordability", proposal)] == [WARNING]
    _set(cast, "premium_income_share", 15)
    assert check("affordability", proposal) == []


# Detectors ---------------------------------------------------------------------------


@changes("cover_income_multiple")
def test_the_cover_multiple_decides_whether_the_main_earner_has_enough(cast: Cast) -> None:
    client = cast.advisor_client
    me = _me(client)
    make_person(client=client, relationship="child", birth_date=born(5), must_provide_for=True)
    make_income(client=client, person=me, annual_amount=Decimal(1_000_000))
    make_policy(
        client=client, product_type="whole_life", insured=me, sum_assured=Decimal(6_000_000)
    )
    # No spending, debts or allocations recorded: the computed need is 0, so only the
    # benchmark of income × multiple can find the cover short.

    # 6,000,000 < 10 × 1,000,000.
    assert run("sole_earner", client) is not None
    _set(cast, "cover_income_multiple", 5)
    # 6,000,000 ≥ 5 × 1,000,000.
    assert run("sole_earner", client) is None


@changes("main_earner_share")
def test_the_main_earner_share_decides_who_is_the_pillar(cast: Cast) -> None:
    client = cast.advisor_client
    me = _me(client)
    wife = make_person(client=client, relationship="spouse", name="陈静")
    make_person(client=client, relationship="child", birth_date=born(5), must_provide_for=True)
    make_income(client=client, person=me, annual_amount=Decimal(750_000))
    make_income(client=client, person=wife, annual_amount=Decimal(250_000))
    make_household(client=client, annual_spending=Decimal(300_000))

    # He earns 750,000 of 1,000,000: 75%, at least 70%.
    assert texts(run("sole_earner", client))[0] == "林志远 earns 75% of the household income"
    _set(cast, "main_earner_share", 80)
    assert run("sole_earner", client) is None


@changes("liquidity_months")
def test_the_months_of_reserve_decide_the_liquidity_risk(cast: Cast) -> None:
    client = cast.advisor_client
    _me(client)
    make_household(client=client, annual_spending=Decimal(600_000))
    make_asset(client=client, category="deposit", value=Decimal(250_000))

    # 6 months of 600,000 a year is 300,000, more than the 250,000 at hand.
    assert texts(run("liquidity_short", client)) == [
        "Liquid assets 250,000 yuan cover less than 6 months of spending (300,000 yuan)"
    ]
    _set(cast, "liquidity_months", 4)
    # 4 months: 200,000.
    assert run("liquidity_short", client) is None


@changes("near_term_years")
def test_the_near_term_years_decide_which_debts_fall_due_soon(cast: Cast) -> None:
    client = cast.advisor_client
    me = _me(client)
    make_asset(client=client, category="deposit", value=Decimal(500_000))
    make_liability(
        client=client, kind="personal_loan", amount=Decimal(1_000_000), borrower_person=me,
        due_year=YEAR + 4,
    )  # fmt: skip

    # Due in 4 years: outside 3, within 5.
    assert _facts(client).near_term_debt() == 0
    assert run("liquidity_short", client) is None
    _set(cast, "near_term_years", 5)
    assert _facts(client).near_term_debt() == Decimal(1_000_000)
    assert texts(run("liquidity_short", client)) == [
        "Debt due within 5 years: 1,000,000 yuan, more than the liquid assets 500,000 yuan"
    ]


@changes("liquid_days")
def test_the_liquid_days_decide_what_counts_as_cash_in_the_life_cover_need(cast: Cast) -> None:
    client = cast.advisor_client
    _me(client)
    make_household(client=client, annual_spending=Decimal(300_000))
    make_asset(client=client, category="deposit", value=Decimal(1_000_000))  # 1 day
    make_asset(client=client, category="policy_cash_value", value=Decimal(500_000))  # 30 days

    # 10 × 300,000 − (1,000,000 + 500,000) = 1,500,000
    assert life_cover_need(_facts(client), {}).result == Decimal("1500000.00")
    _set(cast, "liquid_days", 10)
    # The cash value takes 30 days: 3,000,000 − 1,000,000 = 2,000,000.
    assert life_cover_need(_facts(client), {}).result == Decimal("2000000.00")


@changes("illiquid_days")
def test_the_illiquid_days_decide_whether_money_needed_soon_is_locked(cast: Cast) -> None:
    client = cast.advisor_client
    _me(client)
    son = make_person(client=client, relationship="child", birth_date=born(12))
    make_asset(client=client, category="deposit", value=Decimal(100_000))  # 1 day
    make_asset(client=client, category="real_estate", value=Decimal(5_000_000))  # 180 days
    make_allocation(
        client=client, person=son, annual_amount=Decimal(200_000), start_year=YEAR,
        end_year=YEAR + 10,
    )  # fmt: skip

    # 4 × 200,000 = 800,000 to pay within 3 years; the flat takes more than 90 days.
    assert texts(run("locked_money", client)) == [
        "800,000 yuan is to be paid out within 3 years, but only 100,000 yuan is liquid",
        "5,000,000 yuan is in assets that take more than 90 days to sell",
    ]
    _set(cast, "illiquid_days", 200)
    # Nothing takes more than 200 days: no money is locked.
    assert run("locked_money", client) is None


@changes("concentration_share")
def test_the_concentration_share_decides_whether_one_class_dominates(cast: Cast) -> None:
    client = cast.advisor_client
    make_asset(client=client, category="stocks", value=Decimal(7_000_000))
    make_asset(client=client, category="deposit", value=Decimal(3_000_000))

    assert texts(run("concentration", client)) == ["Stocks makes up 70% of assets (7,000,000 yuan)"]
    _set(cast, "concentration_share", 75)
    assert run("concentration", client) is None


@changes("real_estate_share")
def test_the_real_estate_share_decides_whether_property_dominates(cast: Cast) -> None:
    client = cast.advisor_client
    make_asset(client=client, category="real_estate", value=Decimal(5_500_000))
    make_asset(client=client, category="deposit", value=Decimal(4_500_000))

    assert texts(run("concentration", client)) == [
        "Real estate makes up 55% of assets (5,500,000 yuan)"
    ]
    _set(cast, "real_estate_share", 60)
    assert run("concentration", client) is None


@changes("high_occupation_class")
def test_the_occupation_class_decides_what_is_high_risk(cast: Cast) -> None:
    client = cast.advisor_client
    client.occupation, client.occupation_class = "电工", 4
    client.save(update_fields=["occupation", "occupation_class"])

    detection = run("high_occupation", client)
    assert detection is not None and detection.severity == Severity.MEDIUM
    _set(cast, "high_occupation_class", 5)
    assert run("high_occupation", client) is None


# Pension gap: a household spending 300,000 a year, 210,000 (70%) in retirement --------


def _retiree(cast: Cast, *, gender: str = "male") -> None:
    _me(cast.advisor_client, gender=gender)
    make_household(client=cast.advisor_client, annual_spending=Decimal(300_000))


def _gap(cast: Cast) -> Decimal:
    return pension_gap(_facts(cast.advisor_client), {}).result


@changes("retirement_age_male")
def test_the_retirement_age_of_men_moves_the_pension_gap(cast: Cast) -> None:
    _retiree(cast)

    # (90 − 60) × 210,000 = 6,300,000
    assert _gap(cast) == Decimal("6300000.00")
    _set(cast, "retirement_age_male", 65)
    # (90 − 65) × 210,000 = 5,250,000
    assert _gap(cast) == Decimal("5250000.00")


@changes("retirement_age_female")
def test_the_retirement_age_of_women_moves_the_pension_gap(cast: Cast) -> None:
    _retiree(cast, gender="female")

    # (90 − 55) × 210,000 = 7,350,000
    assert _gap(cast) == Decimal("7350000.00")
    _set(cast, "retirement_age_female", 60)
    # (90 − 60) × 210,000 = 6,300,000
    assert _gap(cast) == Decimal("6300000.00")


@changes("life_expectancy_male")
def test_the_life_expectancy_of_men_moves_the_pension_gap(cast: Cast) -> None:
    _retiree(cast)
    _set(cast, "longevity_horizon", 0)

    # Planned to life expectancy alone: (76 − 60) × 210,000 = 3,360,000.
    assert _gap(cast) == Decimal("3360000.00")
    _set(cast, "life_expectancy_male", 80)
    # (80 − 60) × 210,000 = 4,200,000
    assert _gap(cast) == Decimal("4200000.00")
    # With the horizon of 90 back, a life expectancy beyond it still counts.
    _set(cast, "longevity_horizon", 90)
    _set(cast, "life_expectancy_male", 95)
    # (95 − 60) × 210,000 = 7,350,000
    assert _gap(cast) == Decimal("7350000.00")


@changes("life_expectancy_female")
def test_the_life_expectancy_of_women_moves_the_pension_gap(cast: Cast) -> None:
    _retiree(cast, gender="female")
    _set(cast, "longevity_horizon", 0)

    # (81 − 55) × 210,000 = 5,460,000
    assert _gap(cast) == Decimal("5460000.00")
    _set(cast, "life_expectancy_female", 85)
    # (85 − 55) × 210,000 = 6,300,000
    assert _gap(cast) == Decimal("6300000.00")


@changes("longevity_horizon")
def test_the_longevity_horizon_moves_the_pension_gap_of_a_man_of_56(cast: Cast) -> None:
    # The household of issue 12: a factory owner of 56, spending 600,000 a year, no
    # pension; 420,000 a year (70%) in retirement from 60.
    _me(cast.advisor_client, age=56)
    make_household(client=cast.advisor_client, annual_spending=Decimal(600_000))

    def gap_and_years() -> tuple[Decimal, Decimal]:
        calculation = pension_gap(_facts(cast.advisor_client), {})
        lasts = calculation.input("life_expectancy").value
        return calculation.result, lasts - calculation.input("retirement_age").value

    # By default to 90, past his life expectancy of 76: 30 × 420,000 = 12,600,000.
    assert gap_and_years() == (Decimal("12600000.00"), 30)
    _set(cast, "longevity_horizon", 100)
    # 40 × 420,000 = 16,800,000: ten more years, 4,200,000 more.
    assert gap_and_years() == (Decimal("16800000.00"), 40)
    _set(cast, "longevity_horizon", 0)
    # To life expectancy alone, the figure before issue 12: 16 × 420,000 = 6,720,000.
    assert gap_and_years() == (Decimal("6720000.00"), 16)


def test_the_longevity_horizon_reaches_the_plan_and_the_finding(cast: Cast) -> None:
    _me(cast.advisor_client, age=56)
    make_household(client=cast.advisor_client, annual_spending=Decimal(600_000))
    case = make_case(client=cast.advisor_client)
    plan = PlanDocument(case=case, client=case.client, number=1, requested_by=cast.advisor)

    assert "1260万元" in plan_html(plan)
    assert texts(run("retirement_short", cast.advisor_client))[1] == (
        "Gap over 30 years of retirement: 12,600,000 yuan"
    )
    _set(cast, "longevity_horizon", 100)
    html = plan_html(plan)
    assert "1680万元" in html and "1260万元" not in html
    assert texts(run("retirement_short", cast.advisor_client), "zh-hans")[1] == (
        "40年退休期的缺口：1680万元"
    )


@changes("retirement_spending_share")
def test_the_spending_share_in_retirement_moves_the_pension_gap(cast: Cast) -> None:
    _retiree(cast)

    # (90 − 60) × 0.7 × 300,000 = 30 × 210,000 = 6,300,000
    assert _gap(cast) == Decimal("6300000.00")
    _set(cast, "retirement_spending_share", 80)
    # 30 × 0.8 × 300,000 = 30 × 240,000 = 7,200,000
    assert _gap(cast) == Decimal("7200000.00")


# Life cover and education ------------------------------------------------------------


@changes("family_spending_years")
def test_the_years_of_spending_move_the_life_cover_need(cast: Cast) -> None:
    client = cast.advisor_client
    _me(client)
    make_household(client=client, annual_spending=Decimal(300_000))

    # 10 × 300,000
    assert life_cover_need(_facts(client), {}).result == Decimal("3000000.00")
    _set(cast, "family_spending_years", 8)
    # 8 × 300,000
    assert life_cover_need(_facts(client), {}).result == Decimal("2400000.00")


@changes("education_cost_per_year")
def test_the_cost_per_year_moves_the_education_fund(cast: Cast) -> None:
    make_person(client=cast.advisor_client, relationship="child", birth_date=born(10))

    # (22 − 10) × 100,000 = 1,200,000
    assert education_fund(_facts(cast.advisor_client), {}).result == Decimal("1200000.00")
    _set(cast, "education_cost_per_year", 150_000)
    # 12 × 150,000 = 1,800,000
    assert education_fund(_facts(cast.advisor_client), {}).result == Decimal("1800000.00")


@changes("education_end_age")
def test_the_end_age_moves_the_education_fund(cast: Cast) -> None:
    make_person(client=cast.advisor_client, relationship="child", birth_date=born(10))

    assert education_fund(_facts(cast.advisor_client), {}).result == Decimal("1200000.00")
    _set(cast, "education_end_age", 25)
    # (25 − 10) × 100,000 = 1,500,000
    assert education_fund(_facts(cast.advisor_client), {}).result == Decimal("1500000.00")
