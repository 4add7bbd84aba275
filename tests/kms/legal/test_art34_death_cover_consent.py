"""death_cover_consent (Insurance Law art. 34): death cover taken out by someone else
needs the insured's written consent, except a parent's on a minor child."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from kms.legal import BLOCK, RULES
from tests.kms.legal import Household, check, item, texts


def test_it_cites_article_34() -> None:
    with translation.override("en"):
        assert str(RULES["death_cover_consent"].reference) == "Insurance Law art. 34"


def test_it_blocks_death_cover_on_an_adult_without_their_consent(home: Household) -> None:
    assert texts(check("death_cover_consent", item(home.me, home.mother))) == [
        (
            BLOCK,
            "Death cover on 郑桂兰 taken out by 周建华 needs 郑桂兰's written consent to the policy "
            "and the sum assured: record it.",
        )
    ]


def test_it_needs_the_stepsons_consent_but_not_the_parents(home: Household) -> None:
    by_stepmother = item(home.wife, home.first_son, sum_assured=Decimal(100_000))
    by_mother = item(home.ex_wife, home.first_son, sum_assured=Decimal(100_000))

    assert [m.level for m in check("death_cover_consent", by_stepmother)] == [BLOCK]
    assert check("death_cover_consent", by_mother) == []


@pytest.mark.parametrize(
    "fields",
    [{"insured_consent": True}, {"product_type": "critical_illness"}, {"product_type": "medical"}],
    ids=["consent", "critical-illness", "medical"],
)
def test_it_passes_with_consent_or_without_death_cover(
    home: Household, fields: dict[str, object]
) -> None:
    assert check("death_cover_consent", item(home.wife, home.me, **fields)) == []


def test_it_needs_no_consent_from_oneself(home: Household) -> None:
    assert check("death_cover_consent", item(home.me, home.me)) == []
