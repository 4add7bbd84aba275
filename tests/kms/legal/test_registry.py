"""The rules of kms.legal: each with its own test module, run by validate_item in order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.utils import translation

from kms.facts import Facts
from kms.legal import RULES, Proposed
from kms.validation import validate_item
from kyc.selectors import kyc_load
from tests.kms.legal import Household, ben, item

RULE_TESTS = Path(__file__).parent


def test_it_has_a_test_module_for_every_rule() -> None:
    stems = {path.stem for path in RULE_TESTS.glob("test_*.py")}
    assert all(any(stem.endswith(key) for stem in stems) for key in RULES)


def test_it_runs_the_rules_in_the_order_their_messages_are_shown() -> None:
    assert list(RULES) == [
        "insurable_interest",
        "minors_death_cover",
        "death_cover_consent",
        "beneficiary_shares",
        "no_beneficiary",
        "beneficiary_designation",
        "affordability",
        "cover_need",
    ]


def test_it_names_the_article_of_each_legal_rule() -> None:
    with translation.override("en"):
        references = {key: str(rule.reference) for key, rule in RULES.items()}
    assert references == {
        "insurable_interest": "Insurance Law art. 31",
        "minors_death_cover": "Insurance Law art. 33",
        "death_cover_consent": "Insurance Law art. 34",
        "beneficiary_shares": "Insurance Law art. 40",
        "no_beneficiary": "Insurance Law art. 42",
        "beneficiary_designation": "Insurance Law art. 39",
        "affordability": '"Double ten" rule of thumb',
        "cover_need": "Needs analysis",
    }


def test_validate_item_gives_every_rules_messages_in_registry_order(home: Household) -> None:
    # The stepmother insures her 15-year-old stepson for too much, with shares that do
    # not add up and a premium the household cannot afford.
    proposal = item(
        home.wife, home.first_son, sum_assured=Decimal(600_000), annual_premium=Decimal(200_000)
    )
    rows = [ben(home.wife, 1, "50"), ben(home.daughter, 1, "40")]

    with translation.override("en"):
        messages = validate_item(
            item=proposal, beneficiaries=rows, facts=Facts(kyc_load(client=home.client))
        )
        proposed = Proposed(
            item=proposal,
            beneficiary_rows=rows,
            facts=Facts(kyc_load(client=home.client)),
            other_items=[],
        )
        one_by_one = [m for rule in RULES.values() for m in rule.check(proposed=proposed)]

    assert [(m.level, m.rule) for m in messages] == [
        ("block", "insurable_interest"),
        ("block", "minors_death_cover"),
        ("block", "death_cover_consent"),
        ("block", "beneficiary_shares"),
        ("warning", "affordability"),
    ]
    assert messages == one_by_one
