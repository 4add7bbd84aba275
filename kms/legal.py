"""The legal rules proposals must respect, as data with their reference.

Paraphrased from the PRC Insurance Law (2015 revision) as summarised in DOMAIN.md;
the caps themselves are parameters (kms.parameters) because the regulator changes them.
Check the current wording before quoting it to a client.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class LegalRule:
    key: str
    reference: Promise
    summary: Promise


RULES: dict[str, LegalRule] = {
    rule.key: rule
    for rule in (
        LegalRule("insurable_interest", _("Insurance Law art. 31"),
                  _("A policyholder has an insurable interest in themself, their spouse, children and parents, family members they support or who support them, and their employees; otherwise only with the insured's consent.")),
        LegalRule("minors_death_cover", _("Insurance Law art. 33"),
                  _("No death cover for a person without civil capacity, except parents insuring their minor children within the regulator's caps.")),
        LegalRule("death_cover_consent", _("Insurance Law art. 34"),
                  _("A contract with death cover needs the insured's written consent to it and to the sum assured, except parents insuring minor children.")),
        LegalRule("beneficiary_designation", _("Insurance Law art. 39"),
                  _("The insured names the beneficiary, or the policyholder with the insured's consent; an employee insured by the employer may only have themself or close relatives as beneficiaries.")),
        LegalRule("beneficiary_shares", _("Insurance Law art. 40"),
                  _("Several beneficiaries may have an order and shares; shares not stated are equal.")),
        LegalRule("no_beneficiary", _("Insurance Law art. 42"),
                  _("With no beneficiary, the death benefit becomes part of the insured's estate.")),
        LegalRule("affordability", _("\"Double ten\" rule of thumb"),
                  _("Annual premiums of about a tenth of household income keep a plan affordable.")),
        LegalRule("cover_need", _("Needs analysis"), _("Cover compared with the computed need.")),
    )
}  # fmt: skip
