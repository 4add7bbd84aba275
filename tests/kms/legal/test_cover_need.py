"""cover_need (needs analysis): life cover on the main earner against the computed need."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy

from kms.calculators import Calculation
from kms.legal import NOTE, RULES
from kyc.models import Person
from tests.factories import make_case, make_item
from tests.kms.legal import Household, check, item, texts


def _need(subject: Person, amount: int) -> Calculation:
    return Calculation(
        key="life_cover",
        title=gettext_lazy("Life cover need"),
        formula=gettext_lazy("Life cover need"),
        inputs=[],
        result=Decimal(amount),
        result_label=gettext_lazy("Life cover need"),
        subject=subject,
    )


def test_it_cites_the_needs_analysis() -> None:
    with translation.override("en"):
        assert str(RULES["cover_need"].reference) == "Needs analysis"


def test_it_notes_the_gap(home: Household) -> None:
    messages = check("cover_need", item(home.me, home.me), life_cover=_need(home.me, 3_000_000))

    assert texts(messages) == [
        (
            NOTE,
            "Proposed life cover 1,000,000 yuan against a need of 3,000,000 yuan: a gap of 2,000,000 yuan remains.",
        )
    ]


def test_it_notes_a_surplus_counting_his_other_death_cover_only(home: Household) -> None:
    case = make_case(client=home.client)
    saved = make_item(case=case, policyholder=home.me, insured=home.me)
    on_him = make_item(case=case, policyholder=home.me, insured=home.me, sum_assured=Decimal(2_500_000))  # fmt: skip
    illness = make_item(case=case, policyholder=home.me, insured=home.me, product_type="critical_illness")  # fmt: skip
    on_his_son = make_item(case=case, policyholder=home.me, insured=home.first_son)
    others = [saved, on_him, illness, on_his_son]

    messages = check("cover_need", saved, other_items=others, life_cover=_need(home.me, 3_000_000))

    assert [m.text for m in messages] == [
        "Proposed life cover 3,500,000 yuan against a need of 3,000,000 yuan: a surplus of 500,000 yuan."
    ]


def test_it_compares_only_death_cover_on_the_main_earner(home: Household) -> None:
    need = _need(home.me, 3_000_000)

    assert check("cover_need", item(home.me, home.wife), life_cover=need) == []
    assert (
        check("cover_need", item(home.me, home.me, product_type="medical"), life_cover=need) == []
    )
    assert check("cover_need", item(home.me, home.me)) == []
