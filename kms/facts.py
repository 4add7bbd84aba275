"""The facts of a client's KYC, in the form that detectors, calculators and validation use."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from kms.parameters import parameter_values
from kyc.kinship import Kin, Kinship
from kyc.models import (
    ExistingPolicy,
    Person,
    ProductType,
)
from kyc.selectors import Kyc

LIFE_COVER_TYPES = {
    ProductType.WHOLE_LIFE,
    ProductType.TERM_LIFE,
    ProductType.INCREASING_WHOLE_LIFE,
    ProductType.PARTICIPATING,
}
HEALTH_COVER_TYPES = {ProductType.CRITICAL_ILLNESS, ProductType.MEDICAL}


@dataclass
class Facts:
    kyc: Kyc
    params: dict[str, Decimal] = field(default_factory=parameter_values)
    year: int = field(default_factory=lambda: timezone.localdate().year)

    @property
    def client_person(self) -> Person | None:
        return self.kyc.client_person

    @cached_property
    def people_by_id(self) -> dict[int, Person]:
        return {p.pk: p for p in self.kyc.people}

    @cached_property
    def kinship(self) -> Kinship:
        """Who is whose parent, spouse or relative, and who may insure whom."""
        return Kinship(self.kyc)

    @property
    def in_force_policies(self) -> list[ExistingPolicy]:
        return [p for p in self.kyc.policies if p.is_in_force]

    def life_cover_on(self, person: Person) -> Decimal:
        """Life cover on a person that reaches the family: a benefit named for a former
        spouse does not (see reaching_family)."""
        return sum(
            (
                (p.sum_assured * self.reaching_family(p)).quantize(Decimal("0.01"))
                for p in self.in_force_policies
                if p.insured_id == person.pk and p.product_type in LIFE_COVER_TYPES
            ),
            Decimal(0),
        )

    def reaching_family(self, policy: ExistingPolicy) -> Decimal:
        """The part of a policy's benefit that is not paid to a former spouse of the insured.

        The first order of beneficiaries takes the benefit (Insurance Law art. 40), in the
        shares given, or equally when none is given. No beneficiary, or the legal heirs,
        pays the estate, of which a former spouse is no heir.
        """
        rows = list(policy.beneficiaries.all())
        if not rows or policy.insured is None:
            return Decimal(1)
        first = min(row.order for row in rows)
        takers = [row for row in rows if row.order == first]
        given = [row.share_percent for row in takers if row.share_percent is not None]
        whole = Decimal(sum(given)) if len(given) == len(takers) and sum(given) else None
        reaching = Decimal(0)
        for row in takers:
            share = (
                Decimal(row.share_percent) / whole
                if whole is not None and row.share_percent is not None
                else Decimal(1) / len(takers)
            )
            former = row.person is not None and (
                self.kinship.relation(row.person, to=policy.insured) == Kin.EX_SPOUSE
            )
            if not former:
                reaching += share
        return reaching

    def death_cover_on(self, person: Person) -> Decimal:
        """Existing death benefits on a person, for the minors' caps."""
        death_types = LIFE_COVER_TYPES | {ProductType.ANNUITY, ProductType.ACCIDENT}
        return sum(
            (
                p.sum_assured
                for p in self.in_force_policies
                if p.insured_id == person.pk and p.product_type in death_types
            ),
            Decimal(0),
        )

    def has_health_cover(self, person: Person) -> bool:
        return any(
            p.insured_id == person.pk and p.product_type in HEALTH_COVER_TYPES
            for p in self.in_force_policies
        )

    @property
    def liquid_assets(self) -> Decimal:
        return sum(
            (a.value for a in self.kyc.assets if a.liquidity_days <= self.params["liquid_days"]),
            Decimal(0),
        )

    @property
    def illiquid_assets(self) -> Decimal:
        limit = self.params["illiquid_days"]
        return sum((a.value for a in self.kyc.assets if a.liquidity_days > limit), Decimal(0))

    @property
    def annual_spending(self) -> Decimal:
        return self.kyc.household.annual_spending or Decimal(0)

    @property
    def household_income(self) -> Decimal:
        return self.kyc.household_income

    def income_of(self, person: Person) -> Decimal:
        sources = [i.annual_amount for i in self.kyc.income_sources if i.person_id == person.pk]
        if sources:
            return sum(sources, Decimal(0))
        return person.annual_income or Decimal(0)

    @property
    def debts(self) -> Decimal:
        return self.kyc.debts_total

    def near_term_debt(self) -> Decimal:
        """Debts due within the near-term horizon plus repayments over it."""
        horizon = self.year + int(self.params["near_term_years"])
        total = Decimal(0)
        for liability in self.kyc.liabilities:
            if liability.is_guarantee:
                continue
            if liability.due_year and liability.due_year <= horizon:
                total += liability.amount
            elif liability.annual_repayment:
                total += liability.annual_repayment * self.params["near_term_years"]
        return total

    @property
    def dependants(self) -> list[Person]:
        return [p for p in self.kyc.people if p.must_provide_for and not p.is_deceased]

    def age_of(self, person: Person) -> int | None:
        return person.age_in(self.year)
