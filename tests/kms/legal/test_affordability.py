"""affordability (the "double ten" rule of thumb): all premiums against household income."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from kms import services
from kms.legal import RULES, WARNING
from tests.conftest import Cast
from tests.factories import make_case, make_item, make_person, make_policy
from tests.kms.legal import Household, check, item, texts


def test_it_cites_the_rule_of_thumb() -> None:
    with translation.override("en"):
        assert str(RULES["affordability"].reference) == '"Double ten" rule of thumb'


def test_it_warns_above_a_tenth_of_income(home: Household) -> None:
    messages = check("affordability", item(home.me, home.me, annual_premium=Decimal(110_000)))

    assert texts(messages) == [
        (
            WARNING,
            "Annual premiums of 110,000 yuan are 11% of the household income of 1,000,000 yuan, above 10%.",
        )
    ]
    # Accepting it holds only while the figures stay the same.
    assert [m.key for m in messages] == ["affordability:110000/1000000.00/10"]


def test_it_accepts_a_tenth_of_income(home: Household) -> None:
    assert check("affordability", item(home.me, home.me, annual_premium=Decimal(100_000))) == []


def test_it_adds_premiums_due_and_the_other_items_once(home: Household) -> None:
    make_policy(client=home.client, insured=home.me, annual_premium=Decimal(20_000))
    # Paid up: nothing more to pay.
    make_policy(
        client=home.client, insured=home.me, annual_premium=Decimal(50_000), years_paid=5,
        years_total=5,
    )  # fmt: skip
    case = make_case(client=home.client)
    saved = make_item(
        case=case, policyholder=home.me, insured=home.me, annual_premium=Decimal(50_000)
    )
    other = make_item(
        case=case, policyholder=home.me, insured=home.wife, annual_premium=Decimal(41_000)
    )

    messages = check("affordability", saved, other_items=[saved, other])

    # 50,000 + 41,000 + 20,000 = 111,000 of 1,000,000.
    assert [m.text for m in messages] == [
        "Annual premiums of 111,000 yuan are 11% of the household income of 1,000,000 yuan, above 10%."
    ]


def test_it_says_so_when_there_is_no_income_to_check_against(cast: Cast) -> None:
    me = make_person(client=cast.advisor_client, relationship="self", name="周建华")

    assert texts(check("affordability", item(me, me))) == [
        (WARNING, "No household income is recorded, so affordability cannot be checked.")
    ]


def test_it_follows_the_share_an_admin_sets(home: Household, cast: Cast) -> None:
    services.parameter_set(key="premium_income_share", value=Decimal(15), user=cast.admin)

    assert check("affordability", item(home.me, home.me, annual_premium=Decimal(150_000))) == []
