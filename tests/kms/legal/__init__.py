"""One module per rule of kms.legal.RULES.

Each builds a remarried client's household as real KYC rows (conftest.py), loads it as
kms.facts.Facts and runs one rule on an unsaved proposal item, as the live check sees
an item being typed: a case that breaks the rule (its level and exact text) and close
ones that do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import translation

from clients.models import Client
from kms.calculators import Calculation
from kms.facts import Facts
from kms.legal import RULES, Message, Proposed
from kms.models import ProposalBeneficiary, ProposalItem
from kyc.models import Person
from kyc.selectors import kyc_load


@dataclass
class Household:
    """周建华, 45, earns 1,000,000 a year in his second marriage; spending 300,000."""

    client: Client
    me: Person
    wife: Person  # the second wife, 38
    ex_wife: Person
    first_son: Person  # 15, of the first marriage: the ex-wife's son, the wife's stepson
    daughter: Person  # 5, of the second marriage
    mother: Person  # 72
    wifes_father: Person
    friend: Person
    employee: Person
    employees_son: Person  # 3
    employees_sister: Person
    employees_mother: Person


def item(holder: Person, insured: Person, **fields: Any) -> ProposalItem:
    """An unsaved item, as the live check sees one being typed."""
    defaults: dict[str, Any] = {
        "product_type": "whole_life",
        "sum_assured": Decimal(1_000_000),
        "annual_premium": Decimal(10_000),
        "payment_years": 20,
    }
    return ProposalItem(policyholder=holder, insured=insured, **{**defaults, **fields})


def ben(person: Person | None, order: int = 1, share: str | None = None) -> ProposalBeneficiary:
    """A beneficiary row; no person means the legal heirs."""
    return ProposalBeneficiary(
        person=person,
        legal_heirs=person is None,
        order=order,
        share_percent=None if share is None else Decimal(share),
    )


def check(
    key: str,
    proposal: ProposalItem,
    beneficiaries: Iterable[ProposalBeneficiary] = (),
    *,
    other_items: Iterable[ProposalItem] = (),
    life_cover: Calculation | None = None,
) -> list[Message]:
    """What the one rule says about the item, in English."""
    proposed = Proposed(
        item=proposal,
        beneficiary_rows=list(beneficiaries),
        facts=Facts(kyc_load(client=proposal.insured.client)),
        other_items=list(other_items),
        life_cover=life_cover,
    )
    with translation.override("en"):
        return RULES[key].check(proposed=proposed)


def texts(messages: list[Message]) -> list[tuple[str, str]]:
    """(level, text) of each message, in order."""
    return [(m.level, m.text) for m in messages]
