"""The rules proposals must respect, each as data with its reference and the small check
that applies it to one proposal item.

Paraphrased from the PRC Insurance Law (2015 revision) as summarised in DOMAIN.md;
the caps themselves are parameters (kms.parameters) because the regulator changes them.
Check the current wording before quoting it to a client.

Each rule is one function registered with @rule, in the order its messages are shown;
kms.validation runs them. A rule takes the item as Proposed and returns its messages,
each naming the rule, so that the page and the plan print the rule's reference.
Blocking messages stop the case from moving on; warnings must be read and accepted;
notes inform. Who may insure whom is kinship, answered by kyc.kinship.

To add a rule: write a function taking a Proposed, decorate it with its key, reference
and summary, and give it a test module in tests/kms/legal/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.money import format_yuan
from kms.calculators import Calculation
from kms.facts import Facts
from kms.models import ProposalItem
from kyc.beneficiaries import shares_by_order
from kyc.kinship import Kinship

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


@dataclass
class Proposed:
    """One proposal item as the rules see it, with what it is checked against."""

    item: ProposalItem
    # Rows with person, legal_heirs, order and share_percent: saved beneficiaries or
    # the rows of the form being typed into, blank ones included.
    beneficiary_rows: list[Any]
    facts: Facts
    # The case's other proposal items; the item itself may be among them.
    other_items: list[ProposalItem]
    # The life-cover need of the main earner, when the case has computed it.
    life_cover: Calculation | None = None

    @property
    def kinship(self) -> Kinship:
        return self.facts.kinship

    @cached_property
    def beneficiaries(self) -> list[Any]:
        """The rows that name someone: a person, or the legal heirs."""
        return [
            row
            for row in self.beneficiary_rows
            if getattr(row, "person", None) or getattr(row, "legal_heirs", False)
        ]

    @cached_property
    def others(self) -> list[ProposalItem]:
        return [o for o in self.other_items if o.pk != self.item.pk]

    @cached_property
    def age(self) -> int | None:
        return self.facts.age_of(self.item.insured)

    @property
    def minor(self) -> bool:
        return self.age is not None and self.age < 18

    @cached_property
    def parent_for_minor(self) -> bool:
        """A parent insuring their minor child, whom arts. 33 and 34 treat apart."""
        return self.minor and self.kinship.is_parent(
            parent=self.item.policyholder, child=self.item.insured
        )


class Check(Protocol):
    def __call__(self, *, proposed: Proposed) -> list[Message]: ...


@dataclass(frozen=True)
class LegalRule:
    key: str
    reference: Promise
    summary: Promise
    check: Check


RULES: dict[str, LegalRule] = {}


def rule(key: str, *, reference: Promise, summary: Promise) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[key] = LegalRule(key, reference, summary, check)
        return check

    return register


# The rules in the order their messages are shown: the beneficiaries' shares (art. 40)
# and the missing beneficiary (art. 42) come before the employee's beneficiaries
# (art. 39), as the page has always listed them.


@rule(
    "insurable_interest",
    reference=gettext_lazy("Insurance Law art. 31"),
    summary=gettext_lazy("A policyholder has an insurable interest in themself, their spouse, children and parents, family members they support or who support them, and their employees; otherwise only with the insured's consent."),
)  # fmt: skip
def insurable_interest(*, proposed: Proposed) -> list[Message]:
    """Each policyholder has an insurable interest in the insured, or the insured consents."""
    item, kinship = proposed.item, proposed.kinship
    holder, insured = item.policyholder, item.insured
    if item.insured_consent:
        return []
    messages = []
    if not kinship.has_insurable_interest(policyholder=holder, insured=insured):
        messages.append(Message(BLOCK, "insurable_interest", _(
            "%(holder)s has no insurable interest in %(insured)s: record the insured's written consent, or choose a policyholder who is the insured, their spouse, parent or child."
        ) % {"holder": holder, "insured": insured}))  # fmt: skip
    second = item.second_policyholder if item.second_policyholder_id else None
    if second and not kinship.has_insurable_interest(policyholder=second, insured=insured):
        messages.append(Message(BLOCK, "insurable_interest", _(
            "The second policyholder %(holder)s has no insurable interest in %(insured)s and the insured's consent is not recorded."
        ) % {"holder": second, "insured": insured}))  # fmt: skip
    return messages


def _minor_cap(facts: Facts, age: int) -> Decimal:
    return facts.params["minor_death_cap_under_10" if age < 10 else "minor_death_cap_10_to_17"]


@rule(
    "minors_death_cover",
    reference=gettext_lazy("Insurance Law art. 33"),
    summary=gettext_lazy("No death cover for a person without civil capacity, except parents insuring their minor children within the regulator's caps."),
)  # fmt: skip
def minors_death_cover(*, proposed: Proposed) -> list[Message]:
    """Death cover on a minor only by a parent, and in total within the cap for the age."""
    item, age = proposed.item, proposed.age
    insured = item.insured
    if not item.has_death_cover or age is None or not proposed.minor:
        return []
    if not proposed.parent_for_minor:
        return [Message(BLOCK, "minors_death_cover", _(
            "%(insured)s is %(age)s: only a parent may take out death cover on a minor."
        ) % {"insured": insured, "age": age})]  # fmt: skip
    cap = _minor_cap(proposed.facts, age)
    others = sum((o.death_cover for o in proposed.others if o.insured_id == insured.pk), ZERO)
    existing = proposed.facts.death_cover_on(insured)
    total = item.death_cover + others + existing
    if total <= cap:
        return []
    return [Message(BLOCK, "minors_death_cover", _(
        "Death cover on %(insured)s (aged %(age)s) would total %(total)s, above the cap of %(cap)s for this age (existing policies %(existing)s, other proposal items %(others)s)."
    ) % {"insured": insured, "age": age, "total": format_yuan(total), "cap": format_yuan(cap),
         "existing": format_yuan(existing), "others": format_yuan(others)})]  # fmt: skip


@rule(
    "death_cover_consent",
    reference=gettext_lazy("Insurance Law art. 34"),
    summary=gettext_lazy("A contract with death cover needs the insured's written consent to it and to the sum assured, except parents insuring minor children."),
)  # fmt: skip
def death_cover_consent(*, proposed: Proposed) -> list[Message]:
    """Death cover taken out by someone else needs the insured's written consent."""
    item = proposed.item
    holder, insured = item.policyholder, item.insured
    if (
        not item.has_death_cover
        or holder.pk == insured.pk
        or proposed.parent_for_minor
        or item.insured_consent
    ):
        return []
    return [Message(BLOCK, "death_cover_consent", _(
        "Death cover on %(insured)s taken out by %(holder)s needs %(insured)s's written consent to the policy and the sum assured: record it."
    ) % {"insured": insured, "holder": holder})]  # fmt: skip


@rule(
    "beneficiary_shares",
    reference=gettext_lazy("Insurance Law art. 40"),
    summary=gettext_lazy("Several beneficiaries may have an order and shares; shares not stated are equal."),
)  # fmt: skip
def beneficiary_shares(*, proposed: Proposed) -> list[Message]:
    """The shares of each order add up to 100%, or are all blank (equal)."""
    return [
        Message(BLOCK, "beneficiary_shares", _(
            "Shares of order %(order)s add up to %(total)s%% (%(count)s of %(all)s given): make them 100%% or leave them all blank."
        ) % {"order": group.order, "total": f"{group.total.normalize():f}", "count": len(group.given), "all": len(group.shares)})
        for group in shares_by_order(proposed.beneficiaries)
        if not group.valid
    ]  # fmt: skip


@rule(
    "no_beneficiary",
    reference=gettext_lazy("Insurance Law art. 42"),
    summary=gettext_lazy("With no beneficiary, the death benefit becomes part of the insured's estate."),
)  # fmt: skip
def no_beneficiary(*, proposed: Proposed) -> list[Message]:
    """Death cover with no beneficiary at all pays into the insured's estate.

    Naming the legal heirs is a designation too; only no beneficiary at all falls into
    the estate.
    """
    item = proposed.item
    if not item.has_death_cover or proposed.beneficiaries:
        return []
    return [Message(WARNING, "no_beneficiary", _(
        "No beneficiary is named: the death benefit would become part of %(insured)s's estate."
    ) % {"insured": item.insured}, detail=str(item.insured.pk))]  # fmt: skip


@rule(
    "beneficiary_designation",
    reference=gettext_lazy("Insurance Law art. 39"),
    summary=gettext_lazy("The insured names the beneficiary, or the policyholder with the insured's consent; an employee insured by the employer may only have themself or close relatives as beneficiaries."),
)  # fmt: skip
def beneficiary_designation(*, proposed: Proposed) -> list[Message]:
    """An employee insured by the employer: only themself or close relatives benefit."""
    item, kinship = proposed.item, proposed.kinship
    insured = item.insured
    if not kinship.employs(employer=item.policyholder, employee=insured):
        return []
    messages = []
    for row in proposed.beneficiaries:
        person = getattr(row, "person", None)
        if person and person.pk != insured.pk and not kinship.are_close_relatives(person, insured):
            messages.append(Message(BLOCK, "beneficiary_designation", _(
                "%(insured)s is insured as an employee: %(person)s is not a close relative and cannot be the beneficiary."
            ) % {"insured": insured, "person": person}))  # fmt: skip
    return messages


@rule(
    "affordability",
    reference=gettext_lazy("\"Double ten\" rule of thumb"),
    summary=gettext_lazy("Annual premiums of about a tenth of household income keep a plan affordable."),
)  # fmt: skip
def affordability(*, proposed: Proposed) -> list[Message]:
    """All proposed premiums and those still due on existing policies, against income."""
    facts = proposed.facts
    income = facts.household_income
    if not income:
        return [
            Message(
                WARNING,
                "affordability",
                _("No household income is recorded, so affordability cannot be checked."),
                detail="no-income",
            )
        ]
    premiums = proposed.item.annual_premium + sum((o.annual_premium for o in proposed.others), ZERO)
    premiums += sum((p.annual_premium for p in facts.kyc.policies if p.is_premium_due), ZERO)
    limit = facts.params["premium_income_share"]
    if premiums * 100 <= income * limit:
        return []
    return [Message(WARNING, "affordability", _(
        "Annual premiums of %(premiums)s are %(share)s%% of the household income of %(income)s, above %(limit)s%%."
    ) % {"premiums": format_yuan(premiums), "share": (premiums * 100 / income).quantize(Decimal(1)),
         "income": format_yuan(income), "limit": f"{limit.normalize():f}"}, detail=f"{premiums}/{income}/{limit}")]  # fmt: skip


@rule(
    "cover_need",
    reference=gettext_lazy("Needs analysis"),
    summary=gettext_lazy("Cover compared with the computed need."),
)
def cover_need(*, proposed: Proposed) -> list[Message]:
    """Life cover on the main earner against the computed need: the gap or the surplus."""
    item, need = proposed.item, proposed.life_cover
    insured = item.insured
    if not (
        need is not None and item.has_death_cover and need.subject and need.subject.pk == insured.pk
    ):
        return []
    proposed_cover = item.sum_assured + sum(
        (
            o.sum_assured
            for o in proposed.others
            if o.insured_id == insured.pk and o.has_death_cover
        ),
        ZERO,
    )
    difference = proposed_cover - need.result
    text = (
        _("Proposed life cover %(cover)s against a need of %(need)s: a surplus of %(diff)s.")
        if difference >= 0
        else _(
            "Proposed life cover %(cover)s against a need of %(need)s: a gap of %(diff)s remains."
        )
    )
    return [Message(NOTE, "cover_need", text % {
        "cover": format_yuan(proposed_cover), "need": format_yuan(need.result), "diff": format_yuan(abs(difference)),
    })]  # fmt: skip
