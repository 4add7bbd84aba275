"""Thresholds and legal caps used by risk detection, calculators and validation.

Each parameter has a default, a unit and its source here; an administrator can change
the value in the browser (kms.Parameter stores only the overrides), so rules that
change with the law or the business do not need a release.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    default: Decimal
    unit: Promise
    label: Promise
    source: Promise

    @property
    def kind(self) -> str:
        """How it is typed: "yuan" (an amount, 20万), "percent" (0–100) or a plain number."""
        if self.unit is YUAN:
            return "yuan"
        if self.unit is PERCENT:
            return "percent"
        return ""


YUAN, PERCENT, MONTHS, YEARS, DAYS, TIMES, CLASS = (
    _("yuan"), _("%"), _("months"), _("years"), _("days"), _("× income"), _("class"),
)  # fmt: skip


SPECS: tuple[ParameterSpec, ...] = (
    ParameterSpec("minor_death_cap_under_10", Decimal(200_000), YUAN,
                  _("Death-benefit cap for an insured child under 10"),
                  _("Insurance Law art. 33; former CIRC notice on minors' death cover (in force since 2016)")),
    ParameterSpec("minor_death_cap_10_to_17", Decimal(500_000), YUAN,
                  _("Death-benefit cap for an insured child aged 10 to 17"),
                  _("Insurance Law art. 33; former CIRC notice on minors' death cover (in force since 2016)")),
    ParameterSpec("premium_income_share", Decimal(10), PERCENT,
                  _("Annual premiums above this share of household income are flagged as hard to afford"),
                  _("The \"double ten\" rule of thumb: premiums about a tenth of income")),
    ParameterSpec("cover_income_multiple", Decimal(10), TIMES,
                  _("Life cover the main earner should have, as a multiple of income"),
                  _("The \"double ten\" rule of thumb: life cover about 10× income")),
    ParameterSpec("main_earner_share", Decimal(70), PERCENT,
                  _("Share of household income above which one person is the main earner"),
                  _("Seed 000, 4.2: loss risk when the family's economic pillar falls")),
    ParameterSpec("liquidity_months", Decimal(6), MONTHS,
                  _("Liquid assets should cover at least this many months of household spending"),
                  _("Seed 000, 4.2: liquidity risk")),
    ParameterSpec("near_term_years", Decimal(3), YEARS,
                  _("Debts due and money needed within this many years count as near-term"),
                  _("Seed 000, 4.2: liquidity risk")),
    ParameterSpec("liquid_days", Decimal(30), DAYS,
                  _("Assets that turn into cash within this many days are liquid"),
                  _("Seed 000, 4.2: liquidity risk; money at hand within a month")),
    ParameterSpec("illiquid_days", Decimal(90), DAYS,
                  _("Assets taking longer than this to turn into cash are illiquid"),
                  _("Seed 000, 4.2: liquidity and investment risk")),
    ParameterSpec("concentration_share", Decimal(60), PERCENT,
                  _("One asset class above this share of assets is a concentration"),
                  _("Seed 000, 4.2: investment risk")),
    ParameterSpec("real_estate_share", Decimal(50), PERCENT,
                  _("Real estate above this share of assets is a concentration"),
                  _("Seed 000, 4.2: investment risk")),
    ParameterSpec("high_occupation_class", Decimal(4), CLASS,
                  _("Occupation classes from this one up are high risk"),
                  _("Insurers' occupation classes 1–6")),
    ParameterSpec("retirement_age_male", Decimal(60), YEARS, _("Retirement age, men"), _("Statutory retirement age (before the 2025 gradual increase)")),
    ParameterSpec("retirement_age_female", Decimal(55), YEARS, _("Retirement age, women"), _("Statutory retirement age (before the 2025 gradual increase)")),
    ParameterSpec("life_expectancy_male", Decimal("76"), YEARS, _("Life expectancy, men"),
                  _("China 77.93 years in 2022 (seed 000); women live 3–5 years longer")),
    ParameterSpec("life_expectancy_female", Decimal("81"), YEARS, _("Life expectancy, women"),
                  _("China 77.93 years in 2022 (seed 000); women live 3–5 years longer")),
    ParameterSpec("longevity_horizon", Decimal(90), YEARS, _("Retirement income lasts at least to this age (0: to life expectancy)"),
                  _("Seed 000, 1.3 and 5.1: longevity risk in the longevity era (life expectancy 77.93 in 2022, 83.63 in Hangzhou in 2023). Life expectancy at birth is an average that many who reach retirement outlive, so retirement plans commonly run to 90; the pension gap runs to the later of this age and life expectancy, and 0 plans to life expectancy alone")),
    ParameterSpec("retirement_spending_share", Decimal(70), PERCENT,
                  _("Spending in retirement, as a share of today's household spending"),
                  _("Common replacement-rate rule of thumb: about 70 percent of spending before retirement")),
    ParameterSpec("family_spending_years", Decimal(10), YEARS, _("Years of family spending the life cover should replace"),
                  _("Common needs-analysis practice")),
    ParameterSpec("education_cost_per_year", Decimal(100_000), YUAN, _("Education cost per year when no allocation gives one"),
                  _("Advisor's estimate; override per case")),
    ParameterSpec("education_end_age", Decimal(22), YEARS, _("Age until which a child's education is paid for"),
                  _("School from 6, university usually finished at 22")),
)  # fmt: skip

SPECS_BY_KEY = {spec.key: spec for spec in SPECS}


def parameter_values() -> dict[str, Decimal]:
    """Every parameter's current value: the stored override, else the default."""
    from kms.models import Parameter

    values = {spec.key: spec.default for spec in SPECS}
    values.update(
        {p.key: _as_typed(p.value) for p in Parameter.objects.filter(key__in=SPECS_BY_KEY)}
    )
    return values


def _as_typed(value: Decimal) -> Decimal:
    """A stored value without the column's trailing zeros, as the defaults are written.

    The column keeps two places, so 5 years would come back as 5.00 and the findings
    would cite "within 5.00 years"; normalize() alone would turn 100 into 1E+2.
    """
    whole = value.to_integral_value()
    return whole if value == whole else value.normalize()
