"""Needs calculators, in Decimal, each showing its formula and inputs.

Inputs default from the KYC facts; the advisor may override any of them in a case
(KmsCase.needs_overrides[calculator][input]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import cast

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from kms.facts import Facts
from kyc.models import AllocationPurpose, Person

ZERO = Decimal(0)


@dataclass
class Input:
    key: str
    label: Promise
    value: Decimal
    default: Decimal
    is_money: bool = True

    @property
    def overridden(self) -> bool:
        return self.value != self.default


@dataclass
class Calculation:
    key: str
    title: Promise
    formula: Promise
    inputs: list[Input]
    result: Decimal
    result_label: Promise
    subject: Person | None = None
    ignored: list[IgnoredOverride] = field(default_factory=list)

    def input(self, key: str) -> Input:
        return next(i for i in self.inputs if i.key == key)


def _filled_in(message: Promise, **values: object) -> Promise:
    """The message with its %(name)s placeholders filled in, still translated when shown.

    Interpolating a lazy message at once would fix its language to the one active while
    the calculation is built, not the one of the page or plan that shows it.
    """

    def fill() -> str:
        return str(message) % values

    # django-stubs types lazy() as returning what the wrapped function returns.
    return cast(Promise, lazy(fill, str)())


# What an advisor may enter for each calculator input, and so what a stored override
# must be to be used: (lowest, highest, decimal places). Money stops below 1万亿元, as
# YuanField and the KYC amount columns do; ages and years stop where no household
# plans. With these caps no result comes near the 28 digits Decimal computes with, so
# a figure can always be rounded and shown.
MONEY_RANGE = (ZERO, Decimal(10) ** 12 - Decimal("0.01"), 2)
INPUT_RANGES: dict[str, dict[str, tuple[Decimal, Decimal, int]]] = {
    "life_cover": {
        "debts": MONEY_RANGE,
        "spending_years": (ZERO, Decimal(100), 2),
        "annual_spending": MONEY_RANGE,
        "allocations": MONEY_RANGE,
        "liquid_assets": MONEY_RANGE,
        "existing_cover": MONEY_RANGE,
    },
    "pension": {
        "retirement_age": (ZERO, Decimal(120), 2),
        "life_expectancy": (ZERO, Decimal(120), 2),
        "annual_spending": MONEY_RANGE,
        "annual_pension": MONEY_RANGE,
    },
    # Years summed over all children: 22 years of schooling for each of a dozen.
    "education": {"years": (ZERO, Decimal(300), 2), "cost_per_year": MONEY_RANGE},
}
# A stored value longer than this is no number an advisor typed.
_LONGEST_OVERRIDE = 40


def override_value(calculator: str, name: str, raw: object) -> Decimal | None:
    """A stored override as a number, or None when it is not one the form would accept.

    Overrides are JSON saved over years of releases (and by hand in the admin), so
    they are read defensively: a value from before the ranges existed, or otherwise
    broken, must never stop a case from opening.
    """
    limits = INPUT_RANGES.get(calculator, {}).get(name)
    if limits is None or isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    text = str(raw)
    if len(text) > _LONGEST_OVERRIDE:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    lowest, highest, places = limits
    if not value.is_finite() or not lowest <= value <= highest:
        return None
    if value != value.quantize(Decimal(1).scaleb(-places)):
        return None
    return value


def overrides_valid(overrides: object) -> dict[str, dict[str, str]]:
    """Only the stored overrides that override_value() accepts, e.g. to copy a case."""
    if not isinstance(overrides, dict):
        return {}
    valid: dict[str, dict[str, str]] = {}
    for calculator, given in overrides.items():
        if not isinstance(given, dict):
            continue
        kept = {
            name: raw
            for name, raw in given.items()
            if override_value(calculator, name, raw) is not None
        }
        if kept:
            valid[calculator] = kept
    return valid


@dataclass
class IgnoredOverride:
    """A stored override that failed validation; the page says it was not used."""

    label: Promise
    value: str


def _inputs(
    key: str,
    defaults: list[tuple[str, Promise, Decimal, bool]],
    overrides: dict[str, dict[str, str]],
    ignored: list[IgnoredOverride],
) -> dict[str, Input]:
    given = overrides.get(key, {}) if isinstance(overrides, dict) else {}
    if not isinstance(given, dict):
        given = {}
    result = {}
    for name, label, default, is_money in defaults:
        value = default
        if name in given:
            parsed = override_value(key, name, given[name])
            if parsed is None:
                # Show a little of what was stored, never a megabyte of it.
                ignored.append(IgnoredOverride(label, str(given[name])[:_LONGEST_OVERRIDE]))
            else:
                value = parsed
        result[name] = Input(name, label, value, default, is_money)
    return result


def main_earner(facts: Facts) -> Person | None:
    """The person with the largest income; the client when nobody earns."""
    earners = sorted(facts.kyc.people, key=lambda p: facts.income_of(p), reverse=True)
    if earners and facts.income_of(earners[0]) > 0:
        return earners[0]
    return facts.client_person


def _allocation_remaining(facts: Facts, purposes: set[str]) -> Decimal:
    """Money still to pay under yearly allocations and lump sums of the given purposes:
    from this year on, an open-ended yearly amount for the years of family spending."""
    years = int(facts.params["family_spending_years"])
    total = ZERO
    for allocation in facts.kyc.allocations:
        if allocation.purpose in purposes:
            start = max(allocation.start_year, facts.year)
            total += allocation.paid_in(facts.year, allocation.end_year or start + years - 1)
    return total


def life_cover_need(facts: Facts, overrides: dict[str, dict[str, str]]) -> Calculation:
    """Debts + years of family spending + education and support still to pay
    − liquid assets − existing life cover on the main earner."""
    earner = main_earner(facts)
    ignored: list[IgnoredOverride] = []
    inputs = _inputs(
        "life_cover",
        [
            ("debts", _("Debts (excluding guarantees)"), facts.debts, True),
            ("spending_years", _("Years of family spending to replace"), facts.params["family_spending_years"], False),
            ("annual_spending", _("Annual household spending"), facts.annual_spending, True),
            ("allocations", _("Education and support still to pay"), _allocation_remaining(facts, {AllocationPurpose.EDUCATION, AllocationPurpose.SUPPORT}), True),
            ("liquid_assets", _("Liquid assets"), facts.liquid_assets, True),
            ("existing_cover", _("Existing life cover on the main earner (not counting benefits to a former spouse)"), facts.life_cover_on(earner) if earner else ZERO, True),
        ],
        overrides,
        ignored,
    )  # fmt: skip
    v = {k: i.value for k, i in inputs.items()}
    need = (
        v["debts"]
        + v["spending_years"] * v["annual_spending"]
        + v["allocations"]
        - v["liquid_assets"]
        - v["existing_cover"]
    )
    return Calculation(
        key="life_cover",
        title=_("Life cover need"),
        formula=_(
            "debts + years × annual spending + education and support − liquid assets − existing life cover"
        ),
        inputs=list(inputs.values()),
        result=max(need, ZERO).quantize(Decimal("0.01")),
        result_label=_("Additional life cover needed"),
        subject=earner,
        ignored=ignored,
    )


def pension_gap(facts: Facts, overrides: dict[str, dict[str, str]]) -> Calculation:
    """(age to which retirement income should last − retirement age) × (annual retirement
    spending − pensions and annuities).

    That age is the later of life expectancy and the longevity horizon an administrator
    sets: planning to the horizon guards against outliving the money.
    """
    person = facts.client_person
    female = bool(person and person.gender == "female")
    age = (facts.age_of(person) if person else None) or 0
    retirement = facts.params["retirement_age_female" if female else "retirement_age_male"]
    expectancy = facts.params["life_expectancy_female" if female else "life_expectancy_male"]
    lasts_until = max(expectancy, facts.params["longevity_horizon"])
    spending_share = facts.params["retirement_spending_share"] / 100
    pensions = sum(
        (i.annual_amount for i in facts.kyc.income_sources if i.kind == "pension" and (person is None or i.person_id == person.pk)),
        ZERO,
    ) + sum(
        (a.annual_amount or ZERO for a in facts.kyc.allocations if a.purpose == AllocationPurpose.PENSION and person and a.person_id == person.pk),
        ZERO,
    )  # fmt: skip
    # The end age keeps the key life_expectancy: advisors' overrides are saved under it.
    ignored: list[IgnoredOverride] = []
    inputs = _inputs(
        "pension",
        [
            ("retirement_age", _("Retirement age"), max(retirement, Decimal(age)), False),
            ("life_expectancy", _("Age to which retirement income should last"), lasts_until, False),
            ("annual_spending", _("Annual spending in retirement"), (facts.annual_spending * spending_share).quantize(Decimal(1)), True),
            ("annual_pension", _("Pensions and annuities per year"), pensions, True),
        ],
        overrides,
        ignored,
    )  # fmt: skip
    v = {k: i.value for k, i in inputs.items()}
    years = max(v["life_expectancy"] - v["retirement_age"], ZERO)
    gap = years * (v["annual_spending"] - v["annual_pension"])
    return Calculation(
        key="pension",
        title=_("Pension gap"),
        formula=_(
            "(age to which retirement income should last − retirement age) × (annual spending in retirement − pensions and annuities)"
        ),
        inputs=list(inputs.values()),
        result=max(gap, ZERO).quantize(Decimal("0.01")),
        result_label=_("Pension gap"),
        subject=person,
        ignored=ignored,
    )


def education_fund(facts: Facts, overrides: dict[str, dict[str, str]]) -> Calculation:
    """Σ over children younger than the education end age: years until that age × cost per
    year (from their education allocation)."""
    end_age = facts.params["education_end_age"]
    children = [
        p
        for p in facts.kyc.people
        if p.relationship in {"child", "grandchild"} and not p.is_deceased
    ]
    years = ZERO
    costs = []
    for child in children:
        age = facts.age_of(child)
        if age is None or age >= end_age:
            continue
        allocation = next(
            (
                a
                for a in facts.kyc.allocations
                if a.person_id == child.pk
                and a.purpose == AllocationPurpose.EDUCATION
                and a.annual_amount
            ),
            None,
        )
        remaining = end_age - max(age, 0)
        years += remaining
        costs.append(
            (
                remaining,
                allocation.annual_amount
                if allocation and allocation.annual_amount
                else facts.params["education_cost_per_year"],
            )
        )
    default_cost = (
        (sum((r * c for r, c in costs), ZERO) / years).quantize(Decimal(1))
        if years
        else facts.params["education_cost_per_year"]
    )
    ignored: list[IgnoredOverride] = []
    inputs = _inputs(
        "education",
        [
            ("years", _filled_in(_("Years of education still ahead (all children, until %(age)s)"), age=f"{end_age.normalize():f}"), years, False),
            ("cost_per_year", _("Cost per child per year"), default_cost, True),
        ],
        overrides,
        ignored,
    )  # fmt: skip
    v = {k: i.value for k, i in inputs.items()}
    exact = sum((r * c for r, c in costs), ZERO)
    # The shown cost is an average; while nothing is overridden the result is the
    # exact sum of each child's years × their own cost, not the rounded average × years.
    overridden = any(i.overridden for i in inputs.values())
    result = v["years"] * v["cost_per_year"] if overridden or not costs else exact
    return Calculation(
        key="education",
        title=_("Education fund"),
        formula=_("years of education ahead × cost per year"),
        inputs=list(inputs.values()),
        result=result.quantize(Decimal("0.01")),
        result_label=_("Education fund needed"),
        ignored=ignored,
    )


CALCULATORS = (life_cover_need, pension_gap, education_fund)


def calculations(facts: Facts, overrides: dict[str, dict[str, str]]) -> list[Calculation]:
    return [calculate(facts, overrides) for calculate in CALCULATORS]
