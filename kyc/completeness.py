"""What is still missing from a client's KYC for a sound Know → Map → Suggest."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kyc.kinship import Kinship
from kyc.models import ConsentScope, Relationship
from kyc.selectors import Kyc


@dataclass(frozen=True)
class Check:
    label: Promise | str
    done: bool
    url: str


@dataclass(frozen=True)
class Completeness:
    checks: list[Check]

    @property
    def percent(self) -> int:
        return (
            round(100 * sum(c.done for c in self.checks) / len(self.checks)) if self.checks else 0
        )

    @property
    def missing(self) -> list[Check]:
        return [c for c in self.checks if not c.done]


def completeness(kyc: Kyc) -> Completeness:
    """Score the KYC against the facts the four risks and the needs calculations use."""
    client = kyc.client
    kyc_url = reverse("kyc:page", args=[client.pk])
    edit_url = reverse("clients:edit", args=[client.pk])
    family = Kinship(kyc).family_ids
    household_people = [
        p for p in kyc.people if p.pk in family and p.relationship != Relationship.SELF
    ]
    must_provide = [p for p in kyc.people if p.must_provide_for]
    allocated = {a.person_id for a in kyc.allocations}
    checks = [
        Check(_("Birth date, occupation and income in the profile"), bool(client.birth_date and client.occupation and client.annual_income is not None), edit_url),
        Check(_("The client in the family map"), kyc.client_person is not None, f"{kyc_url}#section-people"),
        Check(_("Family members recorded"), bool(household_people), f"{kyc_url}#section-people"),
        Check(
            _("Birth date or age of every person"),
            bool(kyc.people) and all(p.birth_date or p.age is not None for p in kyc.people),
            f"{kyc_url}#section-people",
        ),
        Check(_("Who the client cares about, worries about, must provide for"), any(p.cares_about or p.worries_about or p.must_provide_for for p in kyc.people), f"{kyc_url}#section-people"),
        Check(_("Assets recorded"), bool(kyc.assets), f"{kyc_url}#section-assets"),
        Check(_("Liabilities and guarantees recorded (or none confirmed)"), bool(kyc.liabilities) or kyc.household.no_liabilities, f"{kyc_url}#section-liabilities"),
        Check(_("Household income by source"), bool(kyc.income_sources), f"{kyc_url}#section-income"),
        Check(_("Annual household spending"), kyc.household.annual_spending is not None, f"{kyc_url}#household"),
        Check(
            _("An allocation for everyone the client must provide for"),
            bool(must_provide) and all(p.pk in allocated for p in must_provide),
            f"{kyc_url}#section-allocations",
        ),
        Check(_("Existing policies recorded (or none confirmed)"), bool(kyc.policies) or kyc.household.no_policies, f"{kyc_url}#section-policies"),
        Check(
            _("Beneficiaries of every existing policy"),
            all(p.beneficiaries.all() for p in kyc.policies),
            f"{kyc_url}#section-policies",
        ),
        Check(_("Consent for sensitive information"), kyc.consent_for(ConsentScope.HEALTH) or kyc.consent_for(ConsentScope.FINANCIAL), f"{kyc_url}#consent"),
    ]  # fmt: skip
    return Completeness(checks)
