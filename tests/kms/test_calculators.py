"""The needs calculators against figures worked out by hand, in Decimal, with overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone, translation

from clients.models import Client
from kms import services
from kms.calculators import Calculation, education_fund, life_cover_need, pension_gap
from kms.facts import Facts
from kyc.selectors import kyc_load
from tests.conftest import Cast
from tests.factories import (
    born,
    make_allocation,
    make_asset,
    make_beneficiary,
    make_household,
    make_income,
    make_liability,
    make_person,
    make_policy,
)

YEAR = timezone.localdate().year


def _facts(client: Client) -> Facts:
    return Facts(kyc_load(client=client))


def _assert_money(calculation: Calculation, expected: str) -> None:
    assert isinstance(calculation.result, Decimal)
    assert calculation.result == Decimal(expected)
    # Yuan with two places, as money is stored.
    assert calculation.result.as_tuple().exponent == -2


# Life cover need ---------------------------------------------------------------------


def _zhao_household(client: Client) -> None:
    me = make_person(
        client=client, relationship="self", name="赵立新", gender="male", birth_date=born(42)
    )
    wife = make_person(client=client, relationship="spouse", name="李静")
    daughter = make_person(client=client, relationship="child", name="赵可欣", birth_date=born(2))
    father = make_person(client=client, relationship="parent", name="赵国强")
    make_income(client=client, person=me, kind="business", annual_amount=Decimal(1_000_000))
    make_household(client=client, annual_spending=Decimal(500_000))
    make_liability(client=client, kind="mortgage", amount=Decimal(1_800_000), borrower_person=me)
    make_liability(
        client=client,
        kind="guarantee",
        amount=Decimal(5_000_000),
        guarantor=me,
        joint_liability=True,
    )
    make_allocation(
        client=client,
        person=daughter,
        purpose="education",
        annual_amount=Decimal(100_000),
        start_year=YEAR + 1,
        end_year=YEAR + 4,
    )
    make_allocation(
        client=client,
        person=father,
        purpose="support",
        annual_amount=Decimal(30_000),
        start_year=YEAR - 2,
        end_year=YEAR + 7,
    )
    make_allocation(
        client=client,
        person=wife,
        purpose="support",
        annual_amount=Decimal(200_000),
        start_year=YEAR,
        end_year=None,
    )
    make_allocation(
        client=client,
        person=daughter,
        purpose="marriage",
        annual_amount=Decimal(50_000),
        start_year=YEAR,
        end_year=YEAR + 1,
    )
    make_asset(client=client, category="deposit", value=Decimal(1_000_000), liquidity_days=1)
    make_asset(client=client, category="bond_fund", value=Decimal(500_000), liquidity_days=3)
    make_asset(
        client=client, category="policy_cash_value", value=Decimal(200_000), liquidity_days=30
    )
    make_asset(client=client, category="private_fund", value=Decimal(1_000_000), liquidity_days=180)
    make_asset(client=client, category="real_estate", value=Decimal(8_000_000), liquidity_days=180)
    make_policy(
        client=client, product_type="whole_life", insured=me, sum_assured=Decimal(2_000_000)
    )
    make_policy(
        client=client,
        product_type="participating",
        insured=me,
        sum_assured=Decimal(300_000),
        status="paid_up",
    )
    make_policy(
        client=client,
        product_type="term_life",
        insured=me,
        sum_assured=Decimal(1_000_000),
        status="lapsed",
    )
    make_policy(client=client, product_type="annuity", insured=me, sum_assured=Decimal(3_000_000))
    make_policy(
        client=client, product_type="critical_illness", insured=me, sum_assured=Decimal(500_000)
    )
    make_policy(client=client, product_type="whole_life", insured=wife, sum_assured=Decimal(1_000_000))  # fmt: skip


def test_it_computes_the_life_cover_need_from_the_kyc(cast: Cast) -> None:
    _zhao_household(cast.advisor_client)

    calculation = life_cover_need(_facts(cast.advisor_client), {})

    values = {i.key: i.value for i in calculation.inputs}
    assert values == {
        # The mortgage; the guarantee is contingent and left out.
        "debts": Decimal(1_800_000),
        "spending_years": Decimal(10),
        "annual_spending": Decimal(500_000),
        # Education 4 × 100,000 + father 8 × 30,000 (this year to YEAR + 7) + wife
        # 10 × 200,000 (no end: ten years) = 400,000 + 240,000 + 2,000,000; not marriage.
        "allocations": Decimal(2_640_000),
        # Deposit, bond fund and cash value (≤ 30 days); not the private fund or house.
        "liquid_assets": Decimal(1_700_000),
        # His whole life and paid-up participating policy; not the lapsed term, the
        # annuity, the critical-illness cover or his wife's policy.
        "existing_cover": Decimal(2_300_000),
    }
    # 1,800,000 + 10 × 500,000 + 2,640,000 − 1,700,000 − 2,300,000 = 5,440,000
    _assert_money(calculation, "5440000.00")
    assert calculation.subject is not None and calculation.subject.name == "赵立新"
    assert not any(i.overridden for i in calculation.inputs)


@pytest.mark.parametrize(
    ("ex_wife_share", "son_share", "counted"),
    [
        (None, None, "0"),
        (Decimal(50), Decimal(50), "2500000"),
        (Decimal(30), Decimal(70), "3500000"),
    ],
)
def test_it_leaves_out_the_cover_a_former_spouse_would_receive(
    cast: Cast, ex_wife_share: Decimal | None, son_share: Decimal | None, counted: str
) -> None:
    """A 500万 policy whose benefit goes to the ex-wife does not provide for the family."""
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="孙建国", gender="male")
    ex_wife = make_person(client=client, relationship="ex_spouse", name="王秀英")
    son = make_person(client=client, relationship="child", name="孙小宝", gender="male")
    policy = make_policy(
        client=client, product_type="whole_life", insured=me, policyholder=me,
        sum_assured=Decimal(5_000_000),
    )  # fmt: skip
    make_beneficiary(policy=policy, person=ex_wife, order=1, share_percent=ex_wife_share)
    if son_share is not None:
        make_beneficiary(policy=policy, person=son, order=1, share_percent=son_share)
    else:
        make_beneficiary(policy=policy, person=son, order=2)  # takes only if she cannot

    calculation = life_cover_need(_facts(client), {})

    values = {i.key: i.value for i in calculation.inputs}
    assert values["existing_cover"] == Decimal(counted)


def test_it_applies_the_advisors_life_cover_inputs(cast: Cast) -> None:
    _zhao_household(cast.advisor_client)
    overrides = {"life_cover": {"spending_years": "5", "liquid_assets": "0"}}

    calculation = life_cover_need(_facts(cast.advisor_client), overrides)

    # 1,800,000 + 5 × 500,000 + 2,640,000 − 0 − 2,300,000 = 4,640,000
    _assert_money(calculation, "4640000.00")
    years = calculation.input("spending_years")
    assert (years.value, years.default, years.overridden) == (Decimal(5), Decimal(10), True)
    assert not calculation.input("debts").overridden


def test_it_ignores_an_input_that_is_not_a_number(cast: Cast) -> None:
    _zhao_household(cast.advisor_client)

    calculation = life_cover_need(_facts(cast.advisor_client), {"life_cover": {"debts": "abc"}})

    assert calculation.input("debts").value == Decimal(1_800_000)
    _assert_money(calculation, "5440000.00")


def test_it_never_needs_less_than_nothing(cast: Cast) -> None:
    _zhao_household(cast.advisor_client)

    calculation = life_cover_need(
        _facts(cast.advisor_client), {"life_cover": {"liquid_assets": "20000000"}}
    )

    # 1,800,000 + 5,000,000 + 2,640,000 − 20,000,000 − 2,300,000 < 0
    _assert_money(calculation, "0.00")


def test_it_uses_the_years_of_spending_an_admin_sets(cast: Cast) -> None:
    _zhao_household(cast.advisor_client)
    services.parameter_set(key="family_spending_years", value=Decimal(8), user=cast.admin)

    calculation = life_cover_need(_facts(cast.advisor_client), {})

    # The wife's open-ended support now runs 8 years too: 400,000 + 240,000 + 1,600,000.
    # 1,800,000 + 8 × 500,000 + 2,240,000 − 1,700,000 − 2,300,000 = 4,040,000
    _assert_money(calculation, "4040000.00")


def test_it_counts_as_liquid_what_turns_into_cash_within_the_days_an_admin_sets(
    cast: Cast,
) -> None:
    _zhao_household(cast.advisor_client)
    services.parameter_set(key="liquid_days", value=Decimal(3), user=cast.admin)

    calculation = life_cover_need(_facts(cast.advisor_client), {})

    # The policy cash value (30 days) is no longer liquid: 1,000,000 + 500,000.
    assert calculation.input("liquid_assets").value == Decimal(1_500_000)
    # 1,800,000 + 10 × 500,000 + 2,640,000 − 1,500,000 − 2,300,000 = 5,640,000
    _assert_money(calculation, "5640000.00")


# Pension gap -------------------------------------------------------------------------


def _qian_household(client: Client) -> None:
    """A woman of 40 with 84,000 a year of her own pensions and 400,000 of spending."""
    me = make_person(
        client=client, relationship="self", name="钱雅琴", gender="female", birth_date=born(40)
    )
    father = make_person(client=client, relationship="parent", name="钱伟", gender="male")
    make_household(client=client, annual_spending=Decimal(400_000))
    make_income(client=client, person=me, kind="pension", annual_amount=Decimal(60_000))
    make_income(client=client, person=father, kind="pension", annual_amount=Decimal(48_000))
    make_allocation(
        client=client,
        person=me,
        purpose="pension",
        annual_amount=Decimal(24_000),
        start_year=YEAR + 15,
        end_year=None,
    )


def test_it_computes_the_pension_gap_of_a_woman(cast: Cast) -> None:
    client = cast.advisor_client
    _qian_household(client)

    calculation = pension_gap(_facts(client), {})

    values = {i.key: i.value for i in calculation.inputs}
    assert values == {
        "retirement_age": Decimal(55),
        # The later of her life expectancy (81) and the longevity horizon (90).
        "life_expectancy": Decimal(90),
        "annual_spending": Decimal(280_000),  # 0.7 × 400,000
        "annual_pension": Decimal(84_000),  # 60,000 + 24,000; not her father's
    }
    # (90 − 55) × (280,000 − 84,000) = 35 × 196,000 = 6,860,000
    _assert_money(calculation, "6860000.00")

    overridden = pension_gap(
        _facts(client), {"pension": {"retirement_age": "60", "life_expectancy": "90"}}
    )
    # (90 − 60) × 196,000 = 5,880,000
    _assert_money(overridden, "5880000.00")


def test_it_plans_retirement_income_to_the_longevity_horizon_an_admin_sets(
    cast: Cast,
) -> None:
    client = cast.advisor_client
    _qian_household(client)

    def gap_with_horizon(age: int) -> Decimal:
        services.parameter_set(key="longevity_horizon", value=Decimal(age), user=cast.admin)
        calculation = pension_gap(_facts(client), {})
        assert calculation.input("life_expectancy").value == Decimal(max(age, 81))
        return calculation.result

    # A horizon before her life expectancy (81) changes nothing: 26 × 196,000.
    assert gap_with_horizon(75) == Decimal("5096000.00")
    # (85 − 55) × (280,000 − 84,000) = 30 × 196,000 = 5,880,000
    assert gap_with_horizon(85) == Decimal("5880000.00")
    # (95 − 55) × 196,000 = 40 × 196,000 = 7,840,000: ten more years, 1,960,000 more.
    assert gap_with_horizon(95) == Decimal("7840000.00")


def test_it_takes_the_share_of_spending_in_retirement_an_admin_sets(cast: Cast) -> None:
    client = cast.advisor_client
    _qian_household(client)
    services.parameter_set(key="retirement_spending_share", value=Decimal(80), user=cast.admin)

    calculation = pension_gap(_facts(client), {})

    assert calculation.input("annual_spending").value == Decimal(320_000)  # 0.8 × 400,000
    # (90 − 55) × (320,000 − 84,000) = 35 × 236,000 = 8,260,000
    _assert_money(calculation, "8260000.00")


def test_it_starts_retirement_now_for_a_man_past_retirement_age(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(
        client=client, relationship="self", name="周德福", gender="male", birth_date=born(65)
    )
    make_household(client=client, annual_spending=Decimal(300_000))

    calculation = pension_gap(_facts(client), {})

    assert calculation.input("retirement_age").value == Decimal(65)
    assert calculation.input("life_expectancy").value == Decimal(90)
    # (90 − 65) × 0.7 × 300,000 = 25 × 210,000 = 5,250,000
    _assert_money(calculation, "5250000.00")


def test_it_has_no_pension_gap_when_pensions_exceed_spending(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(
        client=client, relationship="self", name="赵立新", gender="male", birth_date=born(42)
    )
    make_household(client=client, annual_spending=Decimal(300_000))
    make_income(client=client, person=me, kind="pension", annual_amount=Decimal(250_000))

    _assert_money(pension_gap(_facts(client), {}), "0.00")


# Education fund ----------------------------------------------------------------------


def test_it_computes_the_education_fund_over_the_children_under_22(cast: Cast) -> None:
    client = cast.advisor_client
    daughter = make_person(client=client, relationship="child", name="赵可欣", birth_date=born(2))
    son = make_person(client=client, relationship="child", name="赵子轩", birth_date=born(12))
    make_person(client=client, relationship="grandchild", name="赵乐天", birth_date=born(1))
    make_person(client=client, relationship="child", name="赵一诺", birth_date=born(23))
    make_person(
        client=client, relationship="child", name="赵小宝", birth_date=born(5), is_deceased=True
    )
    make_allocation(
        client=client, person=daughter, purpose="education", annual_amount=Decimal(120_000)
    )
    make_allocation(client=client, person=son, purpose="education", annual_amount=Decimal(60_000))  # fmt: skip

    calculation = education_fund(_facts(client), {})

    # Daughter 20 years × 120,000 + son 10 × 60,000 + grandson 21 × 100,000 (the default)
    # = 2,400,000 + 600,000 + 2,100,000 = 5,100,000 over 51 years: 100,000 a year.
    assert calculation.input("years").value == Decimal(51)
    assert calculation.input("cost_per_year").value == Decimal(100_000)
    _assert_money(calculation, "5100000.00")


def test_it_sums_each_childs_years_times_their_own_cost(cast: Cast) -> None:
    client = cast.advisor_client
    daughter = make_person(client=client, relationship="child", name="赵可欣", birth_date=born(2))
    son = make_person(client=client, relationship="child", name="赵子轩", birth_date=born(12))
    make_allocation(
        client=client, person=daughter, purpose="education", annual_amount=Decimal(100_000)
    )
    make_allocation(client=client, person=son, purpose="education", annual_amount=Decimal(150_000))  # fmt: skip

    calculation = education_fund(_facts(client), {})

    # 20 × 100,000 + 10 × 150,000 = 3,500,000 (not 30 × a rounded 116,667 = 3,500,010).
    _assert_money(calculation, "3500000.00")


def test_it_applies_the_advisors_education_inputs(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="child", name="赵可欣", birth_date=born(2))

    calculation = education_fund(
        _facts(client), {"education": {"years": "10", "cost_per_year": "200000"}}
    )

    # 10 × 200,000 = 2,000,000
    _assert_money(calculation, "2000000.00")
    assert calculation.input("years").default == Decimal(20)
    assert calculation.input("cost_per_year").default == Decimal(100_000)


def test_it_funds_education_to_the_age_an_admin_sets(cast: Cast) -> None:
    client = cast.advisor_client
    daughter = make_person(client=client, relationship="child", name="赵可欣", birth_date=born(2))
    make_person(client=client, relationship="child", name="赵一诺", birth_date=born(23))
    make_allocation(
        client=client, person=daughter, purpose="education", annual_amount=Decimal(120_000)
    )
    # Until 22 only the daughter counts: 20 × 120,000 = 2,400,000.
    _assert_money(education_fund(_facts(client), {}), "2400000.00")
    services.parameter_set(key="education_end_age", value=Decimal(25), user=cast.admin)

    calculation = education_fund(_facts(client), {})

    # Daughter 23 × 120,000 + son 2 × 100,000 (the default cost) = 2,760,000 + 200,000.
    _assert_money(calculation, "2960000.00")
    assert calculation.input("years").value == Decimal(25)
    with translation.override("en"):
        assert str(calculation.input("years").label) == (
            "Years of education still ahead (all children, until 25)"
        )


def test_it_needs_no_education_fund_without_children(cast: Cast) -> None:
    make_person(client=cast.advisor_client, relationship="self", name="赵立新")

    calculation = education_fund(_facts(cast.advisor_client), {})

    _assert_money(calculation, "0.00")
