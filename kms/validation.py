"""Live validation of proposal items against the law and the household's numbers.

Every message names the rule it applies (kms.legal.RULES). Blocking messages stop the
case from moving on; warnings must be read and accepted; notes inform.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from clients.money import format_yuan
from kms.calculators import Calculation
from kms.facts import Facts
from kms.legal import RULES
from kms.models import ProposalItem
from kyc.beneficiaries import shares_by_order
from kyc.models import Person, Relationship

BLOCK, WARNING, NOTE = "block", "warning", "note"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Message:
    level: str
    rule: str
    text: str
    # The figures the message is about, language-neutral: accepting a warning holds
    # only while they stay the same.
    detail: str = ""

    @property
    def reference(self) -> str:
        return str(RULES[self.rule].reference)

    @property
    def key(self) -> str:
        """Stable id of the message, for accepting warnings, whatever the language."""
        return f"{self.rule}:{self.detail}"


class Kinship:
    """How two people of the map are related, from the relationship to the client and the links."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    def is_parent(self, parent: Person, child: Person) -> bool:
        return parent.pk in self.facts.parents.get(child.pk, set())

    def is_spouse(self, a: Person, b: Person) -> bool:
        return frozenset((a.pk, b.pk)) in self.facts.spouses

    def supports(self, a: Person, b: Person) -> bool:
        """Family members in a support relationship: the client and whoever they provide for."""
        family = {p.pk for p in self.facts.kyc.people if p.generation is not None}
        if a.pk not in family or b.pk not in family:
            return False
        client = self.facts.client_person
        return bool(
            client
            and (
                (a.pk == client.pk and b.must_provide_for)
                or (b.pk == client.pk and a.must_provide_for)
            )
        )

    def employs(self, employer: Person, employee: Person) -> bool:
        client = self.facts.client_person
        return bool(
            client and employer.pk == client.pk and employee.relationship == Relationship.EMPLOYEE
        )

    def insurable_interest(self, policyholder: Person, insured: Person) -> bool:
        return (
            policyholder.pk == insured.pk
            or self.is_spouse(policyholder, insured)
            or self.is_parent(policyholder, insured)
            or self.is_parent(insured, policyholder)
            or self.supports(policyholder, insured)
            or self.employs(policyholder, insured)
        )

    def close_relative(self, a: Person, b: Person) -> bool:
        return a.pk == b.pk or self.is_spouse(a, b) or self.is_parent(a, b) or self.is_parent(b, a)


def _minor_cap(facts: Facts, age: int) -> Decimal:
    return facts.params["minor_death_cap_under_10" if age < 10 else "minor_death_cap_10_to_17"]


def validate_item(
    item: ProposalItem,
    beneficiaries: Iterable[Any],
    facts: Facts,
    *,
    other_items: Iterable[ProposalItem] = (),
    life_cover: Calculation | None = None,
) -> list[Message]:
    """Check one proposal item; beneficiaries are rows with person, legal_heirs, order, share_percent."""
    messages: list[Message] = []
    kin = Kinship(facts)
    holder, insured = item.policyholder, item.insured
    age = facts.age_of(insured)
    minor = age is not None and age < 18
    parent_for_minor = minor and kin.is_parent(holder, insured)

    # Art. 31: insurable interest, or the insured's consent.
    if not kin.insurable_interest(holder, insured) and not item.insured_consent:
        messages.append(Message(BLOCK, "insurable_interest", _(
            "%(holder)s has no insurable interest in %(insured)s: record the insured's written consent, or choose a policyholder who is the insured, their spouse, parent or child."
        ) % {"holder": holder, "insured": insured}))  # fmt: skip
    if (
        item.second_policyholder_id
        and item.second_policyholder
        and not kin.insurable_interest(item.second_policyholder, insured)
        and not item.insured_consent
    ):
        messages.append(Message(BLOCK, "insurable_interest", _(
            "The second policyholder %(holder)s has no insurable interest in %(insured)s and the insured's consent is not recorded."
        ) % {"holder": item.second_policyholder, "insured": insured}))  # fmt: skip

    if item.has_death_cover:
        # Art. 33: death cover on a minor only by a parent, within the caps.
        if minor and not parent_for_minor:
            messages.append(Message(BLOCK, "minors_death_cover", _(
                "%(insured)s is %(age)s: only a parent may take out death cover on a minor."
            ) % {"insured": insured, "age": age}))  # fmt: skip
        elif minor and age is not None:
            cap = _minor_cap(facts, age)
            others = sum(
                (
                    o.death_cover
                    for o in other_items
                    if o.insured_id == insured.pk and o.pk != item.pk
                ),
                ZERO,
            )
            existing = facts.death_cover_on(insured)
            total = item.death_cover + others + existing
            if total > cap:
                messages.append(Message(BLOCK, "minors_death_cover", _(
                    "Death cover on %(insured)s (aged %(age)s) would total %(total)s, above the cap of %(cap)s for this age (existing policies %(existing)s, other proposal items %(others)s)."
                ) % {"insured": insured, "age": age, "total": format_yuan(total), "cap": format_yuan(cap),
                     "existing": format_yuan(existing), "others": format_yuan(others)}))  # fmt: skip
        # Art. 34: the insured's written consent to death cover and its sum.
        if holder.pk != insured.pk and not parent_for_minor and not item.insured_consent:
            messages.append(Message(BLOCK, "death_cover_consent", _(
                "Death cover on %(insured)s taken out by %(holder)s needs %(insured)s's written consent to the policy and the sum assured: record it."
            ) % {"insured": insured, "holder": holder}))  # fmt: skip

    rows = [
        b for b in beneficiaries if getattr(b, "person", None) or getattr(b, "legal_heirs", False)
    ]
    # Art. 40: shares per order add up to 100%, or are all blank (equal).
    for group in shares_by_order(rows):
        if not group.valid:
            messages.append(Message(BLOCK, "beneficiary_shares", _(
                "Shares of order %(order)s add up to %(total)s%% (%(count)s of %(all)s given): make them 100%% or leave them all blank."
            ) % {"order": group.order, "total": f"{group.total.normalize():f}", "count": len(group.given), "all": len(group.shares)}))  # fmt: skip
    # Art. 42: no beneficiary.
    # Naming the legal heirs is a designation too; only no beneficiary at all falls
    # into the estate.
    if item.has_death_cover and not rows:
        messages.append(Message(WARNING, "no_beneficiary", _(
            "No beneficiary is named: the death benefit would become part of %(insured)s's estate."
        ) % {"insured": insured}, detail=str(insured.pk)))  # fmt: skip
    # Art. 39: an employee insured by the employer: only themself or close relatives.
    if kin.employs(holder, insured):
        for row in rows:
            person = getattr(row, "person", None)
            if person and not kin.close_relative(person, insured):
                messages.append(Message(BLOCK, "beneficiary_designation", _(
                    "%(insured)s is insured as an employee: %(person)s is not a close relative and cannot be the beneficiary."
                ) % {"insured": insured, "person": person}))  # fmt: skip

    # Affordability: all proposed and existing premiums against household income.
    income = facts.household_income
    premiums = item.annual_premium + sum(
        (o.annual_premium for o in other_items if o.pk != item.pk), ZERO
    )
    premiums += sum(
        (p.annual_premium for p in facts.kyc.policies if p.is_premium_due),
        ZERO,
    )
    limit = facts.params["premium_income_share"]
    if income and premiums * 100 > income * limit:
        messages.append(Message(WARNING, "affordability", _(
            "Annual premiums of %(premiums)s are %(share)s%% of the household income of %(income)s, above %(limit)s%%."
        ) % {"premiums": format_yuan(premiums), "share": (premiums * 100 / income).quantize(Decimal(1)),
             "income": format_yuan(income), "limit": f"{limit.normalize():f}"}, detail=f"{premiums}/{income}/{limit}"))  # fmt: skip
    elif not income:
        messages.append(
            Message(
                WARNING,
                "affordability",
                _("No household income is recorded, so affordability cannot be checked."),
                detail="no-income",
            )
        )

    # Cover against the computed need, for life cover on the main earner.
    if (
        life_cover is not None
        and item.has_death_cover
        and life_cover.subject
        and life_cover.subject.pk == insured.pk
    ):
        proposed = item.sum_assured + sum(
            (
                o.sum_assured
                for o in other_items
                if o.pk != item.pk and o.insured_id == insured.pk and o.has_death_cover
            ),
            ZERO,
        )
        difference = proposed - life_cover.result
        text = (
            _("Proposed life cover %(cover)s against a need of %(need)s: a surplus of %(diff)s.")
            if difference >= 0
            else _(
                "Proposed life cover %(cover)s against a need of %(need)s: a gap of %(diff)s remains."
            )
        )
        messages.append(Message(NOTE, "cover_need", text % {
            "cover": format_yuan(proposed), "need": format_yuan(life_cover.result), "diff": format_yuan(abs(difference)),
        }))  # fmt: skip
    return messages


def is_blocked(messages: Iterable[Message]) -> bool:
    return any(m.level == BLOCK for m in messages)
