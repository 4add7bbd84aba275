"""minors_death_cover (Insurance Law art. 33): death cover on a minor only by a parent,
and in total within the regulator's cap for the age (kms.parameters)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from kms import services
from kms.legal import BLOCK, RULES
from tests.conftest import Cast
from tests.factories import make_case, make_item, make_policy
from tests.kms.legal import Household, check, item, texts


def test_it_cites_article_33() -> None:
    with translation.override("en"):
        assert str(RULES["minors_death_cover"].reference) == "Insurance Law art. 33"


def test_it_lets_either_parent_cover_a_son_of_15_up_to_500000(home: Household) -> None:
    # His father, and his mother after the divorce: both are his parents.
    for parent in (home.me, home.ex_wife):
        proposal = item(parent, home.first_son, sum_assured=Decimal(500_000))
        assert check("minors_death_cover", proposal) == []


def test_it_blocks_more_than_the_cap_for_his_age(home: Household) -> None:
    messages = check(
        "minors_death_cover", item(home.me, home.first_son, sum_assured=Decimal(600_000))
    )

    assert texts(messages) == [
        (
            BLOCK,
            "Death cover on 周子豪 (aged 15) would total 600,000 yuan, above the cap of 500,000 yuan "
            "for this age (existing policies 0 yuan, other proposal items 0 yuan).",
        )
    ]


def test_it_blocks_a_stepmother_even_with_consent(home: Household) -> None:
    proposal = item(home.wife, home.first_son, sum_assured=Decimal(100_000), insured_consent=True)

    assert texts(check("minors_death_cover", proposal)) == [
        (BLOCK, "周子豪 is 15: only a parent may take out death cover on a minor.")
    ]


def test_it_adds_existing_policies_and_other_items_but_not_the_item_itself(
    home: Household,
) -> None:
    make_policy(
        client=home.client, product_type="accident", insured=home.daughter,
        sum_assured=Decimal(50_000),
    )  # fmt: skip
    case = make_case(client=home.client)
    saved = make_item(
        case=case, policyholder=home.me, insured=home.daughter, sum_assured=Decimal(100_000)
    )
    other = make_item(
        case=case, policyholder=home.wife, insured=home.daughter, sum_assured=Decimal(60_000)
    )

    messages = check("minors_death_cover", saved, other_items=[saved, other])

    # 100,000 + 60,000 + 50,000 = 210,000 > 200,000 for a child under 10.
    assert texts(messages) == [
        (
            BLOCK,
            "Death cover on 周可欣 (aged 5) would total 210,000 yuan, above the cap of 200,000 yuan "
            "for this age (existing policies 50,000 yuan, other proposal items 60,000 yuan).",
        )
    ]


def test_it_leaves_health_cover_and_adults_alone(home: Household) -> None:
    illness = item(home.wife, home.first_son, product_type="critical_illness", sum_assured=Decimal(900_000))  # fmt: skip
    adult = item(home.me, home.mother, sum_assured=Decimal(9_000_000))

    assert check("minors_death_cover", illness) == []
    assert check("minors_death_cover", adult) == []


def test_it_follows_the_cap_an_admin_sets(home: Household, cast: Cast) -> None:
    proposal = item(home.wife, home.daughter, sum_assured=Decimal(250_000))
    assert [m.level for m in check("minors_death_cover", proposal)] == [BLOCK]

    services.parameter_set(key="minor_death_cap_under_10", value=Decimal(300_000), user=cast.admin)

    assert check("minors_death_cover", proposal) == []
