"""Live validation of proposal items against the law and the household's numbers.

The rules are registered in kms.legal, one small function each with its reference;
validate_item runs them in order. Every message names the rule it applies. Blocking
messages stop the case from moving on; warnings must be read and accepted; notes inform.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kms.calculators import Calculation
from kms.facts import Facts
from kms.legal import BLOCK, NOTE, RULES, WARNING, Message, Proposed
from kms.models import ProposalItem

# The levels and the message are defined with the rules; callers know them from here.
__all__ = ["BLOCK", "NOTE", "WARNING", "Message", "is_blocked", "validate_item"]


def validate_item(
    *,
    item: ProposalItem,
    beneficiaries: Iterable[Any],
    facts: Facts,
    other_items: Iterable[ProposalItem] = (),
    life_cover: Calculation | None = None,
) -> list[Message]:
    """Check one proposal item; beneficiaries are rows with person, legal_heirs, order, share_percent."""
    proposed = Proposed(
        item=item,
        beneficiary_rows=list(beneficiaries),
        facts=facts,
        other_items=list(other_items),
        life_cover=life_cover,
    )
    return [
        message for legal_rule in RULES.values() for message in legal_rule.check(proposed=proposed)
    ]


def is_blocked(messages: Iterable[Message]) -> bool:
    return any(m.level == BLOCK for m in messages)
