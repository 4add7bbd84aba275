"""no_beneficiary (Insurance Law art. 42): death cover naming no beneficiary at all
pays into the insured's estate."""

from __future__ import annotations

from django.utils import translation

from kms.legal import RULES, WARNING
from kms.models import ProposalBeneficiary
from tests.kms.legal import Household, ben, check, item, texts


def test_it_cites_article_42() -> None:
    with translation.override("en"):
        assert str(RULES["no_beneficiary"].reference) == "Insurance Law art. 42"


def test_it_warns_that_the_benefit_goes_to_the_estate(home: Household) -> None:
    blank = ProposalBeneficiary(person=None, legal_heirs=False, order=1, share_percent=None)

    messages = check("no_beneficiary", item(home.me, home.me), [blank])

    assert texts(messages) == [
        (
            WARNING,
            "No beneficiary is named: the death benefit would become part of 周建华's estate.",
        )
    ]
    # Accepting the warning holds for this insured only.
    assert [m.key for m in messages] == [f"no_beneficiary:{home.me.pk}"]


def test_it_counts_a_person_or_the_legal_heirs_as_named(home: Household) -> None:
    assert check("no_beneficiary", item(home.me, home.me), [ben(home.first_son)]) == []
    assert check("no_beneficiary", item(home.me, home.me), [ben(None)]) == []


def test_it_does_not_warn_about_health_cover(home: Household) -> None:
    assert check("no_beneficiary", item(home.me, home.me, product_type="medical")) == []
