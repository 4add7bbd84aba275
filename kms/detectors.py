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
from kyc.kinship import Kin
from kyc.models import (
    AssetCategory,
    Enterprise,
    Holding,
    LiabilityKind,
    MaritalProperty,
    Person,
    Place,
    ReceivedAs,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")


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


def _name_key(name: str) -> str:
    # Lenders are typed freely: "立新软件 有限公司" and "立新软件有限公司" are one name.
    return "".join(name.split()).casefold()


def _company_named(lender: str, facts: Facts) -> Enterprise | None:
    """The company of the map a lender's name designates, if any.

    A lender typed as the short name ("立新软件" for "立新软件有限公司") counts too, but
    only from four characters on, so that a bank's name never matches by accident.
    """
    key = _name_key(lender)
    for company in facts.kyc.enterprises:
        name = _name_key(company.name)
        shorter = min(key, name, key=len)
        if key == name or (len(shorter) >= 4 and (key in name or name in key)):
            return company
    return None


def _family_member_named(lender: str, facts: Facts) -> Person | None:
    key = _name_key(lender)
    family = facts.kinship.family_ids
    return next(
        (p for p in facts.kyc.people if p.pk in family and key and _name_key(p.name) == key),
        None,
    )


@detector(
    "company_family_mixing", RiskCategory.OWNERSHIP_CHANGE, _("Company and family assets mixed")
)
def company_family_mixing(facts: Facts) -> Detection | None:
    """家企混同: the line between the company and the family is crossed (seed 000, 4.1:
    keep company and family assets apart; 6.2: company failure reaching family assets
    through joint liability). Each crossing the map can hold is cited:

    1. a family asset held by the company, or a business asset other than the owner's
       own shares held by a person (company money in a family account);
    2. a family member guaranteeing a company debt, however it was entered;
    3. a business loan taken in a family member's own name while there is a company;
    4. money lent between the company and the family, the lender typed as the other's
       name;
    5. a family asset mortgaged or pledged for a company debt (Liability.secured_by), or
       a business asset pledged for a family member's loan.

    Equity in one's own company and an ordinary mortgage are not mixing on their own.
    Severity is high when the family answers for company debt (2, 3, 5).
    """
    family = facts.kinship.family_ids
    cited, family_liable = [], False
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
    for li in facts.kyc.liabilities:
        pledged = li.secured_by
        if pledged is not None and li.borrower_enterprise_id and pledged.holding == Holding.FAMILY:
            family_liable = True
            cited.append(fact(gettext_noop("Family asset %(asset_label)s (%(asset_amount)s) is pledged for the %(amount)s debt of the company %(company)s to %(lender)s: a default takes the family's asset"),
                              asset_label=_asset_label(pledged), asset_amount=pledged.value, amount=li.amount, company=str(li.borrower_enterprise), lender=li.lender or "—"))  # fmt: skip
        elif (
            pledged is not None
            and li.borrower_person_id in family
            and pledged.holding == Holding.ENTERPRISE
        ):
            cited.append(fact(gettext_noop("Business asset %(asset_label)s (%(asset_amount)s) is pledged for the %(amount)s loan of %(person)s: company property secures a family debt"),
                              asset_label=_asset_label(pledged), asset_amount=pledged.value, amount=li.amount, person=str(li.borrower_person)))  # fmt: skip
        if li.is_guarantee and li.borrower_enterprise_id and li.guarantor_id in family:
            family_liable = True
            cited.append(fact(gettext_noop("%(guarantor)s personally guarantees the %(amount)s loan of the company %(company)s from %(lender)s: the family's assets answer for the company's debt"),
                              guarantor=str(li.guarantor), amount=li.amount, company=str(li.borrower_enterprise), lender=li.lender or "—"))  # fmt: skip
            continue
        if li.is_guarantee:
            continue
        borrower_in_family = li.borrower_person_id in family
        lending_company = _company_named(li.lender, facts) if borrower_in_family else None
        if lending_company is not None:
            cited.append(fact(gettext_noop("%(person)s owes %(amount)s to the company %(company)s: company money used by the family"),
                              person=str(li.borrower_person), amount=li.amount, company=str(lending_company)))  # fmt: skip
        elif (
            borrower_in_family and li.kind == LiabilityKind.BUSINESS_LOAN and facts.kyc.enterprises
        ):
            family_liable = True
            cited.append(fact(gettext_noop("%(person)s owes the %(amount)s business loan from %(lender)s in their own name: the family answers for the business debt"),
                              person=str(li.borrower_person), amount=li.amount, lender=li.lender or "—"))  # fmt: skip
        lending_member = (
            _family_member_named(li.lender, facts) if li.borrower_enterprise_id else None
        )
        if lending_member is not None:
            cited.append(fact(gettext_noop("The company %(company)s owes %(amount)s to %(person)s: family money used by the company"),
                              company=str(li.borrower_enterprise), amount=li.amount, person=str(lending_member)))  # fmt: skip
    if not cited:
        return None
    return Detection(Severity.HIGH if family_liable else Severity.MEDIUM, cited)


@detector(
    "marital_common",
    RiskCategory.OWNERSHIP_CHANGE,
    _("Marital common property without arrangements"),
)
def marital_common(facts: Facts) -> Detection | None:
    """Marital common property that no arrangement keeps out of a division.

    Arranged is the money of wishes paid so that it stays the recipient's own (through
    a trust, as a policy benefit, as a designated gift) out of the common property: from
    a common asset (up to its value), or from the wealth as a whole, of which it takes
    the common part in proportion. A trust's own assets are not common property, and
    moving part of the wealth into one leaves the rest as exposed as before. Keeping
    control of a wish is how the client wants it paid, not an arrangement.
    """
    common_assets = [
        a
        for a in facts.kyc.assets
        if a.marital == MaritalProperty.MARITAL_COMMON and a.category != AssetCategory.TRUST
    ]
    common = sum((a.value for a in common_assets), ZERO)
    if not (facts.kinship.client_is_married and common):
        return None
    common_ids = {a.pk for a in common_assets}
    wealth = facts.kyc.assets_total
    from_asset: dict[int, Decimal] = {}
    arranged = ZERO
    for allocation in facts.kyc.allocations:
        if not allocation.stays_personal:
            continue
        money = _allocation_money(allocation, wealth)
        if allocation.source_asset_id in common_ids:
            from_asset[allocation.source_asset_id] = (
                from_asset.get(allocation.source_asset_id, ZERO) + money
            )
        elif allocation.source_asset_id is None and wealth:
            arranged += money * common / wealth
    values = {a.pk: a.value for a in common_assets}
    arranged += sum((min(total, values[pk]) for pk, total in from_asset.items()), ZERO)
    arranged = min(arranged, common).quantize(CENT)
    left = common - arranged
    if left <= 0:
        return None
    if not arranged:
        return Detection(Severity.MEDIUM, [
            fact(gettext_noop("Marital common property of %(amount)s (%(share)s%% of assets) with no trust, agreement or policy structure"),
                 amount=common, share=_share(common, wealth)),
        ])  # fmt: skip
    return Detection(Severity.MEDIUM, [
        fact(gettext_noop("Marital common property of %(amount)s (%(share)s%% of assets), of which %(left_amount)s is not covered by a trust, a designated gift or a policy benefit (%(arranged_amount)s arranged)"),
             amount=common, share=_share(common, wealth), left_amount=left, arranged_amount=arranged),
    ])  # fmt: skip


def _allocation_money(allocation: Any, wealth: Decimal) -> Decimal:
    """The money a wish moves: its share of the wealth, else what it pays over its years
    (Allocation.paid_in; one year when open-ended: no more can be counted on)."""
    if allocation.lump_sum is None and allocation.annual_amount is None:
        return (wealth * Decimal(allocation.share_percent or 0) / 100).quantize(CENT)
    return allocation.paid_in(allocation.start_year, allocation.end_year or allocation.start_year)


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
    # Yearly amounts and lump sums falling due by the horizon; shares have no date.
    soon = sum((a.paid_in(facts.year, horizon) for a in facts.kyc.allocations), ZERO)
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


def _provided_for(facts: Facts, person: Person) -> bool:
    """Whether the map arranges anything for the person by name.

    An arrangement for a person is, precisely, one of:
    1. an allocation (a wish of the client) with the person as recipient, whatever its
       amount or share and however it is paid, through a trust included;
    2. a policy in force that names the person as a beneficiary.
    A trust or a will that the map does not tie to the person does not count: the map
    cannot tell whom it provides for.
    """
    return any(a.person_id == person.pk for a in facts.kyc.allocations) or any(
        b.person_id == person.pk for p in facts.in_force_policies for b in p.beneficiaries.all()
    )


@detector(
    "earlier_marriage_unprovided",
    RiskCategory.OWNERSHIP_CHANGE,
    _("Children of an earlier marriage with nothing arranged"),
)
def earlier_marriage_unprovided(facts: Facts) -> Detection | None:
    """A remarried client with children of an earlier marriage and no arrangement for them.

    The client's own children of the earlier marriage count always; the spouse's
    children (the client's stepchildren) when the client provides for them, as only a
    stepchild the deceased raised inherits (Civil Code art. 1127). An arrangement is
    defined by _provided_for.
    """
    cited = []
    own_child_unprovided = False
    for found in facts.kinship.earlier_marriage_children:
        child = found.child
        if child.is_deceased or _provided_for(facts, child):
            continue
        if not (found.of_the_client or child.must_provide_for):
            continue
        own_child_unprovided |= found.of_the_client
        cited.append(fact(gettext_noop("%(child)s is the child of %(parent)s from an earlier marriage and the stepchild of %(step_parent)s"),
                          child=str(child), parent=str(found.parent), step_parent=str(found.step_parent)))  # fmt: skip
        cited.append(fact(gettext_noop("No allocation, trust or policy in force names %(child)s"), child=str(child)))  # fmt: skip
    if not cited:
        return None
    if own_child_unprovided:
        spouse = next(
            f.step_parent for f in facts.kinship.earlier_marriage_children if f.of_the_client
        )
        cited.append(fact(gettext_noop("Without arrangements %(spouse)s first takes half of the marital common property, then inherits alongside the children (Civil Code art. 1153, 1127)"),
                          spouse=str(spouse)))  # fmt: skip
    return Detection(Severity.HIGH if own_child_unprovided else Severity.MEDIUM, cited)


@detector(
    "ex_spouse_beneficiary",
    RiskCategory.OWNERSHIP_CHANGE,
    _("A former spouse still named as beneficiary"),
)
def ex_spouse_beneficiary(facts: Facts) -> Detection | None:
    """A policy in force naming the insured's former spouse as a beneficiary: the
    designation outlives the divorce until the insured changes it (Insurance Law art. 41)."""
    cited = []
    for policy in facts.in_force_policies:
        insured = policy.insured or policy.policyholder
        if insured is None:
            continue
        for beneficiary in policy.beneficiaries.all():
            former = beneficiary.person
            if former is None or facts.kinship.relation(former, to=insured) != Kin.EX_SPOUSE:
                continue
            cited.append(fact(gettext_noop("%(policy)s on %(insured)s (%(amount)s) still names the former spouse %(person)s as beneficiary, order %(order)s (Insurance Law art. 41)"),
                              policy=str(policy), insured=str(insured), amount=policy.sum_assured, person=str(former), order=beneficiary.order))  # fmt: skip
            if former.divorced_on:
                cited.append(fact(gettext_noop("%(person)s and %(insured)s divorced on %(date)s"),
                                  person=str(former), insured=str(insured), date=former.divorced_on.isoformat()))  # fmt: skip
    return Detection(Severity.HIGH, cited) if cited else None


@detector(
    "earlier_marriage_marital_money",
    RiskCategory.OWNERSHIP_CHANGE,
    _("Money for a child of an earlier marriage held as marital property"),
)
def earlier_marriage_marital_money(facts: Facts) -> Detection | None:
    """Money the remarried client means for a child of the earlier marriage, paid out of
    the marital common property of the present marriage.

    1. Take the allocations to the client's children of an earlier marriage.
    2. Leave out those paid through a trust or as a policy benefit: the trust holds the
       money, and a death benefit is the named beneficiary's.
    3. Cite the rest whose source is marital common property: the asset named as the
       source, or, with none named, the household's marital common property. A
       designated gift does not help here: it keeps the money out of the recipient's
       marriage, not out of the client's.
    """
    common = sum(
        (a.value for a in facts.kyc.assets if a.marital == MaritalProperty.MARITAL_COMMON), ZERO
    )
    cited = []
    spouses = []
    seen: set[tuple[int, int | None]] = set()
    for found in facts.kinship.earlier_marriage_children:
        if not found.of_the_client:
            continue
        for allocation in facts.kyc.allocations:
            if allocation.person_id != found.child.pk or allocation.received_as in {
                ReceivedAs.TRUST,
                ReceivedAs.POLICY_BENEFIT,
            }:
                continue
            source = allocation.source_asset
            if (found.child.pk, allocation.source_asset_id) in seen:
                continue
            if source is not None and source.marital == MaritalProperty.MARITAL_COMMON:
                cited.append(fact(gettext_noop("Money meant for %(child)s is paid from %(asset_label)s, marital common property of %(amount)s"),
                                  child=str(found.child), asset_label=_asset_label(source), amount=source.value))  # fmt: skip
            elif source is None and common:
                cited.append(fact(gettext_noop("Money meant for %(child)s names no asset of its own: of the household's wealth %(amount)s is marital common property"),
                                  child=str(found.child), amount=common))  # fmt: skip
            else:
                continue
            seen.add((found.child.pk, allocation.source_asset_id))
            if found.step_parent not in spouses:
                spouses.append(found.step_parent)
    if not cited:
        return None
    for spouse in spouses:
        cited.append(fact(gettext_noop("Half of the marital common property is %(spouse)s's: giving it away needs their consent, and at a death it goes to them before the estate is shared (Civil Code art. 1062, 1153)"),
                          spouse=str(spouse)))  # fmt: skip
    return Detection(Severity.HIGH, cited)


def detect(facts: Facts) -> dict[str, Detection]:
    """Run every registered detector; the keys are the detectors that fired."""
    found = {}
    for key, registered in REGISTRY.items():
        detection = registered.check(facts)
        if detection is not None:
            found[key] = detection
    return found
