"""The SQL compiler and the Python evaluator agree on random clients and random rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor_crm.accounts.models import User
from clients.models import Client
from kyc.models import ExistingPolicy
from scoring.conditions import compile_sql, evaluate, parse, to_text
from scoring.fields import BOOLEAN, CHOICE, FIELDS, NUMBER, client_facts
from scoring.models import Rule, RuleSet, RuleSetVersion, Tier
from scoring.services import compile_version

AS_OF = dt.date(2026, 11, 21)
NUMBER_SAMPLES: dict[str, list[int | str]] = {
    "age": [0, 18, 30, 45, 55, 70],
    "annual_income": ["0", "300000", "999999.99", "1000000", "2500000.50"],
    "occupation_class": [1, 2, 4, 6],
    "referrals": [0, 1, 2, 3, 5],
    "policies": [0, 1, 2],
    "annual_premium": ["0", "5000", "100000", "175000"],
    "late_payments": [0, 1, 2, 5],
    "kyc_completeness": [0, 20, 80, 100],
}


class Rollback(Exception):
    pass


def literal(field: str) -> st.SearchStrategy[dict[str, Any]]:
    spec = FIELDS[field]
    if spec.type == NUMBER:
        return st.sampled_from(NUMBER_SAMPLES[field]).map(lambda v: {"number": str(v)})
    if spec.type == BOOLEAN:
        return st.booleans().map(lambda v: {"bool": v})
    return st.sampled_from([value for value, _ in spec.choices]).map(lambda v: {"text": v})


@st.composite
def comparison(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(sorted(FIELDS)))
    spec = FIELDS[field]
    kinds = ["cmp", "in", "empty"] + (["between"] if spec.type == NUMBER else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "empty":
        return {"empty": field}
    if kind == "in":
        return {"in": field, "values": draw(st.lists(literal(field), min_size=1, max_size=3))}
    if kind == "between":
        low, high = sorted(
            draw(st.lists(literal(field), min_size=2, max_size=2)),
            key=lambda v: Decimal(v["number"]),
        )
        return {"between": field, "low": low, "high": high}
    ops = ["=", "!="] if spec.type in {CHOICE, BOOLEAN} else ["=", "!=", "<", "<=", ">", ">="]
    return {"cmp": draw(st.sampled_from(ops)), "field": field, "value": draw(literal(field))}


conditions = st.recursive(
    comparison(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda c: {"and": c}),
        st.lists(children, min_size=2, max_size=3).map(lambda c: {"or": c}),
        children.map(lambda c: {"not": c}),
    ),
    max_leaves=6,
)

clients_data = st.fixed_dictionaries(
    {
        "birth_date": st.one_of(st.none(), st.dates(dt.date(1940, 1, 1), dt.date(2024, 12, 31))),
        "annual_income": st.one_of(
            st.none(), st.sampled_from(NUMBER_SAMPLES["annual_income"]).map(Decimal)
        ),
        "industry": st.sampled_from(["", *[v for v, _ in FIELDS["industry"].choices]]),
        "education": st.sampled_from(["", *[v for v, _ in FIELDS["education"].choices]]),
        "occupation_class": st.one_of(st.none(), st.integers(1, 6)),
        "wealth_stratum": st.sampled_from(["", *[v for v, _ in FIELDS["wealth_stratum"].choices]]),
        "cvm_stage": st.sampled_from([v for v, _ in FIELDS["cvm_stage"].choices]),
        "credit_status": st.sampled_from([v for v, _ in FIELDS["credit_status"].choices]),
        "late_payments": st.integers(0, 5),
        "health_flag": st.booleans(),
        "moral_hazard_flag": st.booleans(),
        "kyc_completeness": st.integers(0, 100),
        "referrers": st.integers(0, 4),
        "policies": st.lists(st.sampled_from(["1000", "50000", "175000"]), max_size=2),
    }
)


def test_it_round_trips_conditions_through_text() -> None:
    text = 'annual_income >= 1000000 and (industry in ["internet", "tmt"] or not health_flag = true) and age between 30 and 55'
    tree = parse(text)
    assert parse(to_text(tree)) == tree


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(clients_data, min_size=1, max_size=4),
    rules=st.lists(st.tuples(conditions, st.integers(-40, 40)), min_size=1, max_size=5),
)
def test_it_scores_the_same_in_sql_and_in_python(
    people: list[dict[str, Any]], rules: list[tuple[dict[str, Any], int]]
) -> None:
    try:
        with transaction.atomic():
            owner = User.objects.create_user(username="agreement", password="x")
            version = RuleSetVersion.objects.create(
                rule_set=RuleSet.objects.create(name="agreement"), number=1, created_by=owner
            )
            for position, (condition, points) in enumerate(rules):
                Rule.objects.create(
                    version=version,
                    position=position,
                    label=f"r{position}",
                    condition=condition,
                    points=points,
                )
            Tier.objects.create(version=version, label="high", min_score=10)
            Tier.objects.create(version=version, label="low", min_score=-1000)
            created = []
            for index, data in enumerate(people):
                data = dict(data)
                referrers, premiums = data.pop("referrers"), data.pop("policies")
                client = Client.objects.create(owner=owner, name=f"c{index}", **data)
                for n in range(referrers):
                    Client.objects.create(owner=owner, name=f"ref{index}-{n}", referred_by=client)
                for premium in premiums:
                    ExistingPolicy.objects.create(
                        client=client,
                        insurer="x",
                        product_type="whole_life",
                        sum_assured=1,
                        annual_premium=Decimal(premium),
                    )
                created.append(client)
            compiled = compile_version(version, AS_OF)
            rows = {
                row["pk"]: row
                for row in Client.objects.filter(pk__in=[c.pk for c in created])
                .annotate(s=compiled.score, m=compiled.mask, t=compiled.tier)
                .values("pk", "s", "m", "t")
            }
            facts = client_facts(created)
            for client in created:
                expected_mask = 0
                expected_score = 0
                for position, rule in enumerate(version.rules.all()):
                    fired = evaluate(rule.condition, client, facts[client.pk], AS_OF) is True
                    sql_fired = (
                        Client.objects.filter(pk=client.pk)
                        .filter(compile_sql(rule.condition, AS_OF))
                        .exists()
                    )
                    assert fired == sql_fired, to_text(rule.condition)
                    if fired:
                        expected_mask |= 1 << position
                        expected_score += rule.points
                row = rows[client.pk]
                assert (row["s"], row["m"]) == (expected_score, expected_mask)
                assert row["t"] == ("high" if expected_score >= 10 else "low")
            raise Rollback
    except Rollback:
        pass
