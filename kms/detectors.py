"""Automatic risk detection over the KYC facts, into the four categories of seed 000 (4.2).

Each detector is one small function registered with @detector. It looks at the facts
and returns a Detection (or None): a severity and the facts that triggered it. The
facts are stored as message ids with arguments, translated when shown, so that the
plan prints them in Chinese whatever language the advisor works in. Thresholds come
from kms.parameters, which an administrator can change in the browser.

To add a detector: write a function taking Facts, decorate it, give it a label.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from clients.money import percent_of
from kms.calculators import life_cover_need, main_earner, pension_gap
from kms.facts import HEALTH_COVER_TYPES, Facts
from kms.models import RiskCategory, Severity
from kyc.models import AssetCategory, Holding, LiabilityKind, MaritalProperty, Place

ZERO = Decimal(0)


@dataclass
class Detection:
    severity: int
    facts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Detector:
    key: str
    category: str
    label: Promise
    check: Callable[[Facts], Detection | None]


REGISTRY: dict[str, Detector] = {}


def detector(
    key: str, category: str, label: Promise
) -> Callable[[Callable[[Facts], Detection | None]], Callable[[Facts], Detection | None]]:
    def register(check: Callable[[Facts], Detection | None]) -> Callable[[Facts], Detection | None]:
        REGISTRY[key] = Detector(key, category, label, check)
        return check

    return register


def fact(message: str, **args: Any) -> dict[str, Any]:
    """A fact to cite: a message id (marked with gettext_noop) and its arguments.

    Arguments named *amount are money in yuan and are formatted when shown.
    """
    return {
        "msg": message,
        "args": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in args.items()},
    }


def msgid(label: Promise) -> str:
    """The untranslated text of a lazy label, to store; it is translated when shown."""
    with translation.override(None):
        return str(label)


def _asset_label(asset: Any) -> str:
    return asset.description or msgid(AssetCategory(asset.category).label)


def _share(part: Decimal, whole: Decimal) -> Decimal:
    # The one precision of percentages shown (clients.money.percent_of); 0 of nothing.
    return percent_of(part, whole) or ZERO


@detector("guarantee", RiskCategory.OWNERSHIP_CHANGE, _("Joint liability for someone else's debt"))
def guarantee(facts: Facts) -> Detection | None:
    cited = []
    for li in facts.kyc.liabilities:
        if li.guarantor_id in facts.kinship.family_ids and (
            li.joint_liability or li.kind == LiabilityKind.GUARANTEE
        ):
            cited.append(
                fact(gettext_noop("%(guarantor)s guarantees with joint liability the %(amount)s loan of %(borrower)s from %(lender)s"),
                     guarantor=str(li.guarantor), amount=li.amount, borrower=li.borrower_label or "—", lender=li.lender or "—")
            )  # fmt: skip
    return Detection(Severity.HIGH, cited) if cited else None


@detector(
    "company_family_mixing", RiskCategory.OWNERSHIP_CHANGE, _("Company and family assets mixed")
)
def company_family_mixing(facts: Facts) -> Detection | None:
    cited = []
    for asset in facts.kyc.assets:
        if asset.holding == Holding.FAMILY and asset.owner_enterprise_id:
            cited.append(fact(gettext_noop("Family asset %(asset_label)s (%(amount)s) is held by the company %(company)s"),
                              asset_label=_asset_label(asset), amount=asset.value, company=str(asset.owner_enterprise)))  # fmt: skip
        # Shares of one's own company are held personally by nature (the owner holds the
        # equity); mixing is a business asset other than the equity in private hands.
        privately_held = asset.holding == Holding.ENTERPRISE and asset.owner_person_id
        if privately_held and asset.category != AssetCategory.EQUITY:
            cited.append(fact(gettext_noop("Business asset %(asset_label)s (%(amount)s) is held privately by %(person)s"),
                              asset_label=_asset_label(asset), amount=asset.value, person=str(asset.owner_person)))  # fmt: skip
    business_debt = [
        li for li in facts.kyc.liabilities if li.borrower_enterprise_id and li.guarantor_id
    ]
    family_total = sum((a.value for a in facts.kyc.assets if a.holding == Holding.FAMILY), ZERO)
    if business_debt and family_total:
        cited.append(fact(gettext_noop("Company debts of %(amount)s are backed by the family, whose assets total %(family_amount)s"),
                          amount=sum((li.amount for li in business_debt), ZERO), family_amount=family_total))  # fmt: skip
    return Detection(Severity.HIGH if business_debt else Severity.MEDIUM, cited) if cited else None


@detector(
    "marital_common",
    RiskCategory.OWNERSHIP_CHANGE,
    _("Marital common property without arrangements"),
)
def marital_common(facts: Facts) -> Detection | None:
    common = sum(
        (a.value for a in facts.kyc.assets if a.marital == MaritalProperty.MARITAL_COMMON), ZERO
    )
    married = facts.kinship.client_is_married
    arranged = any(a.category == AssetCategory.TRUST for a in facts.kyc.assets) or any(
        a.purpose == "inheritance" and a.keep_control for a in facts.kyc.allocations
    )
    if not (married and common and not arranged):
        return None
    return Detection(Severity.MEDIUM, [
        fact(gettext_noop("Marital common property of %(amount)s (%(share)s%% of assets) with no trust, agreement or policy structure"),
             amount=common, share=_share(common, facts.kyc.assets_total)),
    ])  # fmt: skip


@detector(
    "no_beneficiary", RiskCategory.OWNERSHIP_CHANGE, _("Policy benefits falling into the estate")
)
def no_beneficiary(facts: Facts) -> Detection | None:
    cited = []
    for policy in facts.in_force_policies:
        # Health policies pay the insured; naming the legal heirs is a designation.
        if policy.product_type in HEALTH_COVER_TYPES or policy.beneficiaries.all():
            continue
        cited.append(fact(gettext_noop("%(policy)s on %(insured)s (%(amount)s) names no beneficiary: the benefit falls into the estate (Insurance Law art. 42)"),
                              policy=str(policy), insured=str(policy.insured or "—"), amount=policy.sum_assured))  # fmt: skip
    return Detection(Severity.MEDIUM, cited) if cited else None


@detector("overseas", RiskCategory.OWNERSHIP_CHANGE, _("Overseas assets or beneficiaries"))
def overseas(facts: Facts) -> Detection | None:
    cited = []
    abroad = sum((a.value for a in facts.kyc.assets if a.location == Place.OVERSEAS), ZERO)
    if abroad:
        cited.append(fact(gettext_noop("Overseas assets of %(amount)s"), amount=abroad))
    receivers = {a.person_id for a in facts.kyc.allocations} | {
        b.person_id for p in facts.kyc.policies for b in p.beneficiaries.all() if b.person_id
    }
    for person in facts.kyc.people:
        if person.pk in receivers and Place.OVERSEAS in {person.residence, person.nationality}:
            cited.append(
                fact(
                    gettext_noop(
                        "%(person)s, who is to receive money, lives or holds nationality abroad"
                    ),
                    person=str(person),
                )
            )
    return Detection(Severity.MEDIUM if abroad else Severity.LOW, cited) if cited else None


@detector("sole_earner", RiskCategory.LOSS, _("Main earner with dependants and too little cover"))
def sole_earner(facts: Facts) -> Detection | None:
    earner = main_earner(facts)
    income = facts.household_income or sum((facts.income_of(p) for p in facts.kyc.people), ZERO)
    if earner is None or not income or not facts.dependants:
        return None
    share = _share(facts.income_of(earner), income)
    if share < facts.params["main_earner_share"]:
        return None
    need = life_cover_need(facts, {})
    benchmark = facts.income_of(earner) * facts.params["cover_income_multiple"]
    cover = facts.life_cover_on(earner)
    if need.result <= 0 and cover >= benchmark:
        return None
    return Detection(Severity.HIGH, [
        fact(gettext_noop("%(person)s earns %(share)s%% of the household income"), person=str(earner), share=share),
        fact(gettext_noop("Dependants: %(names)s"), names="、".join(str(p) for p in facts.dependants)),
        fact(gettext_noop("Existing life cover %(amount)s; computed need a further %(need_amount)s"), amount=cover, need_amount=need.result),
    ])  # fmt: skip


@detector("no_health_cover", RiskCategory.LOSS, _("No critical-illness or medical cover"))
def no_health_cover(facts: Facts) -> Detection | None:
    family = [p for p in facts.kinship.immediate_family if not p.is_deceased]
    missing = [p for p in family if not facts.has_health_cover(p)]
    if not missing:
        return None
    return Detection(
        Severity.MEDIUM,
        [
            fact(gettext_noop("%(person)s has no critical-illness or medical cover"), person=str(p))
            for p in missing
        ],
    )


@detector("high_occupation", RiskCategory.LOSS, _("High-risk occupation"))
def high_occupation(facts: Facts) -> Detection | None:
    client = facts.kyc.client
    if (
        client.occupation_class is None
        or client.occupation_class < facts.params["high_occupation_class"]
    ):
        return None
    return Detection(
        Severity.MEDIUM,
        [
            fact(
                gettext_noop("Occupation %(occupation)s is class %(level)s"),
                occupation=client.occupation or "—",
                level=client.occupation_class,
            )
        ],
    )


@detector(
    "liquidity_short",
    RiskCategory.LIQUIDITY,
    _("Liquid assets short of spending or near-term debt"),
)
def liquidity_short(facts: Facts) -> Detection | None:
    months = facts.params["liquidity_months"]
    reserve = facts.annual_spending * months / 12
    due = facts.near_term_debt()
    cited = []
    if facts.annual_spending and facts.liquid_assets < reserve:
        cited.append(fact(gettext_noop("Liquid assets %(amount)s cover less than %(months)s months of spending (%(reserve_amount)s)"),
                          amount=facts.liquid_assets, months=months, reserve_amount=reserve.quantize(Decimal(1))))  # fmt: skip
    if due and facts.liquid_assets < due:
        cited.append(fact(gettext_noop("Debt due within %(years)s years: %(amount)s, more than the liquid assets %(liquid_amount)s"),
                          years=facts.params["near_term_years"], amount=due, liquid_amount=facts.liquid_assets))  # fmt: skip
    return (
        Detection(Severity.HIGH if len(cited) == 2 else Severity.MEDIUM, cited) if cited else None
    )


@detector("concentration", RiskCategory.INVESTMENT, _("Assets concentrated in one class"))
def concentration(facts: Facts) -> Detection | None:
    total = facts.kyc.assets_total
    if not total:
        return None
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for asset in facts.kyc.assets:
        by_category[asset.category] += asset.value
    cited = []
    for category, amount in by_category.items():
        share = _share(amount, total)
        limit = (
            facts.params["real_estate_share"]
            if category == AssetCategory.REAL_ESTATE
            else facts.params["concentration_share"]
        )
        if share > limit:
            cited.append(
                fact(
                    gettext_noop("%(category_label)s makes up %(share)s%% of assets (%(amount)s)"),
                    category_label=msgid(AssetCategory(category).label),
                    share=share,
                    amount=amount,
                )
            )
    return Detection(Severity.MEDIUM, cited) if cited else None


@detector(
    "locked_money", RiskCategory.INVESTMENT, _("Money needed soon is locked in illiquid assets")
)
def locked_money(facts: Facts) -> Detection | None:
    horizon = facts.year + int(facts.params["near_term_years"])
    soon = ZERO
    for allocation in facts.kyc.allocations:
        if allocation.annual_amount is None or allocation.start_year > horizon:
            continue
        end = min(allocation.end_year or horizon, horizon)
        soon += allocation.annual_amount * max(end - max(allocation.start_year, facts.year) + 1, 0)
    if not soon or facts.liquid_assets >= soon or facts.illiquid_assets <= facts.liquid_assets:
        return None
    return Detection(Severity.MEDIUM, [
        fact(gettext_noop("%(amount)s is to be paid out within %(years)s years, but only %(liquid_amount)s is liquid"),
             amount=soon, years=facts.params["near_term_years"], liquid_amount=facts.liquid_assets),
        fact(gettext_noop("%(amount)s is in assets that take more than %(days)s days to sell"), amount=facts.illiquid_assets, days=facts.params["illiquid_days"]),
    ])  # fmt: skip


@detector(
    "retirement_short",
    RiskCategory.LIQUIDITY,
    _("Retirement income short of the longevity horizon"),
)
def retirement_short(facts: Facts) -> Detection | None:
    gap = pension_gap(facts, {})
    if gap.result <= 0:
        return None
    return Detection(Severity.MEDIUM, [
        fact(gettext_noop("Pensions and annuities of %(amount)s a year against retirement spending of %(spending_amount)s a year"),
             amount=gap.input("annual_pension").value, spending_amount=gap.input("annual_spending").value),
        fact(gettext_noop("Gap over %(years)s years of retirement: %(gap_amount)s"),
             years=gap.input("life_expectancy").value - gap.input("retirement_age").value, gap_amount=gap.result),
    ])  # fmt: skip


def detect(facts: Facts) -> dict[str, Detection]:
    """Run every registered detector; the keys are the detectors that fired."""
    found = {}
    for key, registered in REGISTRY.items():
        detection = registered.check(facts)
        if detection is not None:
            found[key] = detection
    return found
