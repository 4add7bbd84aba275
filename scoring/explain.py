"""Why a client has their score: the Python evaluator of a rule-set version (PIPL art. 24)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from clients.models import Client
from scoring.conditions import evaluate, to_text
from scoring.fields import client_facts
from scoring.models import Rule, RuleSetVersion


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    fired: bool
    points: int

    @property
    def condition_text(self) -> str:
        return to_text(self.rule.condition)


@dataclass(frozen=True)
class Explanation:
    version: RuleSetVersion
    score: int
    tier: str
    results: list[RuleResult]

    @property
    def fired(self) -> list[RuleResult]:
        return [r for r in self.results if r.fired]


def tier_for(version: RuleSetVersion, score: int) -> str:
    tiers = sorted(version.tiers.all(), key=lambda t: -t.min_score)
    for tier in tiers[:-1]:
        if score >= tier.min_score:
            return tier.label
    return tiers[-1].label if tiers else ""


def explain(client: Client, version: RuleSetVersion, as_of: dt.date | None = None) -> Explanation:
    """Evaluate every enabled rule for the client, as the SQL rescoring does."""
    day = as_of or timezone.localdate()
    facts = client_facts([client])[client.pk]
    results = []
    for rule in version.rules.all():
        if not rule.enabled:
            continue
        fired = evaluate(rule.condition, client, facts, day) is True
        results.append(RuleResult(rule, fired, rule.points if fired else 0))
    score = sum(r.points for r in results)
    return Explanation(version=version, score=score, tier=tier_for(version, score), results=results)


def mask_for(client: Client, version: RuleSetVersion, as_of: dt.date | None = None) -> int:
    """The bitmask of fired rules, as compile_version writes it."""
    day = as_of or timezone.localdate()
    facts = client_facts([client])[client.pk]
    mask = 0
    for index, rule in enumerate(version.rules.all()):
        if rule.enabled and evaluate(rule.condition, client, facts, day) is True:
            mask |= 1 << index
    return mask


def explain_stored(version: RuleSetVersion, score: int, tier: str, mask: int) -> Explanation:
    """The explanation of a stored score, from the fired-rule mask written with it.

    Unlike explain(), this stays true to the score shown even after the client's facts
    changed since the rescoring.
    """
    results = []
    for index, rule in enumerate(version.rules.all()):
        if rule.enabled:
            fired = bool(mask >> index & 1)
            results.append(RuleResult(rule, fired, rule.points if fired else 0))
    return Explanation(version=version, score=score, tier=tier, results=results)
