"""The condition language: each operator parsed, printed, and evaluated in SQL and Python.

Every operator is checked on real rows in PostgreSQL and with the Python evaluator,
against results worked out by hand, including SQL's three-valued logic for empty
fields (None below means "unknown": neither the condition nor its negation holds).
"""

from __future__ import annotations

import builtins
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from clients.models import Client
from scoring import services
from scoring.conditions import ConditionError, compile_sql, evaluate, parse, to_text, validate_tree
from scoring.fields import client_facts
from tests.conftest import Cast
from tests.factories import make_client, make_policy, make_version

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def people(cast: Cast) -> dict[str, Client]:
    """Three clients: a rich one, a modest one, and one whose number fields are empty."""
    rich = make_client(
        owner=cast.advisor,
        name="甲",
        annual_income=Decimal("1000000.00"),
        industry="internet",
        education="bachelor",
        occupation_class=2,
        birth_date=dt.date(1986, 5, 31),  # 40 on AS_OF
        health_flag=False,
    )
    modest = make_client(
        owner=cast.advisor,
        name="乙",
        annual_income=Decimal("300000.00"),
        industry="finance",
        education="",
        occupation_class=5,
        birth_date=dt.date(2000, 6, 2),  # 25 on AS_OF: the birthday is tomorrow
        health_flag=True,
    )
    unknown = make_client(
        owner=cast.advisor,
        name="丙",
        annual_income=None,
        industry="tmt",
        education="master",
        occupation_class=None,
        birth_date=None,
        health_flag=False,
    )
    # The rich client referred two people and holds one policy in force, one lapsed.
    make_client(owner=cast.advisor, name="转介绍一", referred_by=rich)
    make_client(owner=cast.advisor, name="转介绍二", referred_by=rich)
    make_policy(client=rich, annual_premium=Decimal("12000.00"))
    make_policy(client=rich, annual_premium=Decimal("50000.00"), status="lapsed")
    return {"rich": rich, "modest": modest, "unknown": unknown}


def _python(text: str, client: Client) -> bool | None:
    client = Client.objects.get(pk=client.pk)
    facts = client_facts([client])[client.pk]
    return evaluate(parse(text), client, facts, AS_OF)


def _sql(text: str, client: Client) -> bool | None:
    """True when the row matches, False when the negation matches, None when neither."""
    condition = compile_sql(parse(text), AS_OF)
    rows = Client.objects.filter(pk=client.pk)
    holds, fails = rows.filter(condition).exists(), rows.filter(~condition).exists()
    assert not (holds and fails)
    return True if holds else (False if fails else None)


# (condition, expected for rich, modest, unknown)
OPERATORS: list[tuple[str, tuple[bool | None, bool | None, bool | None]]] = [
    ("annual_income = 1000000", (True, False, None)),
    ("annual_income != 1000000", (False, True, None)),
    ("annual_income < 1000000", (False, True, None)),
    ("annual_income <= 1000000", (True, True, None)),
    ("annual_income > 300000", (True, False, None)),
    ("annual_income >= 300000", (True, True, None)),
    ("annual_income >= 999999.99", (True, False, None)),
    ("occupation_class in [1, 2]", (True, False, None)),
    ('industry in ["internet", "tmt"]', (True, False, True)),
    ('industry = "finance"', (False, True, False)),
    ('industry != "finance"', (True, False, True)),
    ("age between 30 and 55", (True, False, None)),
    ("age = 25", (False, True, None)),
    ("annual_income between 300000 and 999999.99", (False, True, None)),
    ("annual_income is empty", (False, False, True)),
    ("annual_income is not empty", (True, True, False)),
    ("education is empty", (False, True, False)),
    ("education is not empty", (True, False, True)),
    ("health_flag = true", (False, True, False)),
    ("health_flag != true", (True, False, True)),
    ("referrals = 2", (True, False, False)),
    ("policies = 1", (True, False, False)),
    ("annual_premium = 12000", (True, False, False)),
    # and: false wins over unknown; or: true wins over unknown.
    ("occupation_class <= 2 and annual_income >= 1000000", (True, False, None)),
    ("annual_income >= 1000000 and health_flag = true", (False, False, False)),
    ("occupation_class >= 5 or annual_income >= 1000000", (True, True, None)),
    ("annual_income >= 1000000 or health_flag = false", (True, False, True)),
    # not: unknown stays unknown.
    ("not annual_income >= 1000000", (False, True, None)),
    ("not health_flag = true", (True, False, True)),
    # Parentheses change the meaning: "and" binds tighter than "or".
    ('industry = "internet" or health_flag = true and annual_income < 500000', (True, True, False)),
    (
        '(industry = "internet" or health_flag = true) and annual_income < 500000',
        (False, True, False),
    ),
    ("not (annual_income >= 1000000 or health_flag = true)", (False, False, None)),
    ("not annual_income >= 1000000 or health_flag = true", (False, True, None)),
]


@pytest.mark.parametrize(("text", "expected"), OPERATORS, ids=[t for t, _e in OPERATORS])
def test_it_evaluates_each_operator_in_python_and_in_sql(
    people: dict[str, Client], text: str, expected: tuple[bool | None, ...]
) -> None:
    clients = (people["rich"], people["modest"], people["unknown"])
    assert tuple(_python(text, c) for c in clients) == expected
    assert tuple(_sql(text, c) for c in clients) == expected


@pytest.mark.parametrize(("text", "_expected"), OPERATORS, ids=[t for t, _e in OPERATORS])
def test_it_round_trips_each_operator_through_text(text: str, _expected: Any) -> None:
    tree = parse(text)
    assert parse(to_text(tree)) == tree
    assert to_text(parse(to_text(tree))) == to_text(tree)


@pytest.mark.parametrize(
    "text",
    [
        "annual_income >= 1000000",
        'industry in ["internet", "tmt"]',
        "age between 30 and 55",
        "annual_income is empty",
        "annual_income is not empty",
        "not health_flag = true",
        "health_flag = false",
        "not (annual_income >= 1000000 or health_flag = true)",
        '(industry = "internet" or health_flag = true) and annual_income < 500000',
        'industry = "internet" or (health_flag = true and annual_income < 500000)',
    ],
)
def test_it_prints_canonical_text_back_unchanged(text: str) -> None:
    assert to_text(parse(text)) == text


def test_it_parses_into_a_plain_json_tree() -> None:
    assert parse("age >= 30") == {"cmp": ">=", "field": "age", "value": {"number": "30"}}
    assert parse('industry in ["internet", "tmt"]') == {
        "in": "industry",
        "values": [{"text": "internet"}, {"text": "tmt"}],
    }
    assert parse("age between 30 and 55") == {
        "between": "age",
        "low": {"number": "30"},
        "high": {"number": "55"},
    }
    assert parse("annual_income is empty") == {"empty": "annual_income"}
    assert parse("annual_income is not empty") == {"not": {"empty": "annual_income"}}
    assert parse("health_flag = true") == {
        "cmp": "=",
        "field": "health_flag",
        "value": {"bool": True},
    }


def test_it_binds_and_tighter_than_or_and_obeys_parentheses() -> None:
    a = {"cmp": "=", "field": "late_payments", "value": {"number": "1"}}
    b = {"cmp": "=", "field": "late_payments", "value": {"number": "2"}}
    c = {"cmp": "=", "field": "late_payments", "value": {"number": "3"}}
    assert parse("late_payments = 1 or late_payments = 2 and late_payments = 3") == {
        "or": [a, {"and": [b, c]}]
    }
    assert parse("(late_payments = 1 or late_payments = 2) and late_payments = 3") == {
        "and": [{"or": [a, b]}, c]
    }
    assert parse("not not late_payments = 1") == {"not": {"not": a}}


def test_it_reads_keywords_in_any_case() -> None:
    assert parse("age >= 30 AND NOT health_flag = TRUE") == parse(
        "age >= 30 and not health_flag = true"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("referrals = 2", (True, False, False)),
        ("policies = 1", (True, False, False)),
        ("annual_premium = 12000", (True, False, False)),
        ("referrals >= 1 and not policies = 0", (True, False, False)),
    ],
)
def test_it_reads_the_aggregates_stored_by_the_last_rescoring(
    cast: Cast,
    people: dict[str, Client],
    text: str,
    expected: tuple[bool | None, ...],
) -> None:
    """Rescoring reads referral and policy counts from the copy it refreshes first."""
    version = make_version(created_by=cast.admin)
    services.rescore_run(job_id=services.version_publish(version=version, user=cast.admin).pk)
    condition = compile_sql(parse(text), AS_OF, cached=True)
    matched = set(Client.objects.filter(condition).values_list("pk", flat=True))
    clients = (people["rich"], people["modest"], people["unknown"])
    assert tuple(c.pk in matched for c in clients) == expected


def test_it_treats_a_comparison_with_an_empty_choice_as_unknown(cast: Cast) -> None:
    """The module's contract: "a comparison with an empty field is unknown".

    A client whose industry was never entered is not known to be outside the
    high-potential industries, just as a client without an income is not known to
    earn less than a million; "industry is empty" is how a rule asks for them.
    """
    blank = make_client(owner=cast.advisor, industry="", annual_income=None)
    for text in ('industry != "finance"', 'not industry in ["internet", "tmt"]'):
        assert _python(text, blank) is None, text
        assert _sql(text, blank) is None, text
    assert _python("annual_income < 1000000", blank) is None
    assert _python("industry is empty", blank) is True


# Errors ------------------------------------------------------------------------------


def _error(text: str) -> ConditionError:
    with translation.override("en"), pytest.raises(ConditionError) as raised:
        parse(text)
    return raised.value


def test_it_names_an_unknown_field() -> None:
    error = _error("age >= 30 and salary > 5")
    assert error.message == "Unknown field “salary”."
    assert error.position == 14


def test_it_refuses_text_compared_with_a_number() -> None:
    error = _error("industry = 5")
    assert error.message == '“industry” is text; put the value in quotes, e.g. "internet".'
    assert error.position == 0


def test_it_refuses_a_number_compared_with_text() -> None:
    assert _error('annual_income >= "high"').message == (
        "“annual_income” is a number; compare it with a number."
    )
    assert _error('age between "30" and 55').message == (
        "“age” is a number; compare it with a number."
    )
    assert _error('occupation_class in [1, "2"]').message == (
        "“occupation_class” is a number; compare it with a number."
    )


def test_it_refuses_a_flag_compared_with_anything_but_true_or_false() -> None:
    assert _error("health_flag = 1").message == (
        "“health_flag” is true or false; compare it with true or false."
    )


@pytest.mark.parametrize(
    "text",
    [
        'education > "bachelor"',
        'education <= "bachelor"',
        "health_flag >= true",
        "moral_hazard_flag between false and true",
    ],
)
def test_it_refuses_an_order_operator_on_a_choice_or_flag(text: str) -> None:
    field = text.split()[0]
    assert _error(text).message == f"“{field}” can only be compared with = , != or in."


def test_it_lists_the_values_of_a_choice_when_one_is_unknown() -> None:
    error = _error('wealth_stratum in ["hnw", "billionaire"]')
    assert error.message == (
        '“billionaire” is not a value of “wealth_stratum”; use one of "mass", '
        '"mass_affluent", "hnw", "uhnw".'
    )
    assert error.position == 0


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("age >=", "The condition ends too early.", 6),
        (
            "age >= 30 annual_income > 1",
            "Unexpected “annual_income”; join conditions with and / or.",
            10,
        ),
        ("age => 30", 'Expected a value (a number, "text", true or false) but found “>”.', 5),
        ("age @ 30", "Unexpected character “@”.", 4),
        ("(age >= 30", "The condition ends too early.", 10),
        ("age >= 30)", "Unexpected “)”; join conditions with and / or.", 9),
        (
            "age",
            "After “age” expected a comparison (=, !=, <, <=, >, >=, in, between, is empty).",
            3,
        ),
        ("age in [30, 40", "The condition ends too early.", 14),
        ("age in 30", "Expected “[” but found “30”.", 7),
        ("age between 30 or 40", "Expected “and” but found “or”.", 15),
        ("annual_income is full", "Expected “empty” but found “full”.", 17),
        ("and age = 1", "Expected a field name but found “and”.", 0),
        ('industry = "tmt', 'Unexpected character “"”.', 11),
    ],
)
def test_it_explains_bad_syntax_with_the_position(text: str, message: str, position: int) -> None:
    error = _error(text)
    assert (error.message, error.position) == (message, position)


def test_it_refuses_between_with_the_bounds_swapped() -> None:
    assert _error("age between 55 and 30").message == (
        "The lower bound of between is above the upper bound."
    )
    assert parse("age between 30 and 30")["low"] == {"number": "30"}


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_it_asks_for_a_condition_when_empty(text: str) -> None:
    error = _error(text)
    assert error.message == "Enter a condition."
    assert error.position == 0


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("touch /tmp/pwned")',
        'age > __import__("os")',
        "age > 1 + 1",
        "annual_income.__class__ = 1",
        "lambda: 1",
        "age >= 30; DROP TABLE clients_client",
        'industry = "internet\'); DROP TABLE clients_client; --"',
    ],
)
def test_it_never_evaluates_what_the_user_types(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("user text reached eval/exec")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    with pytest.raises(ConditionError):
        parse(text)


def test_it_parses_compiles_and_evaluates_without_eval(
    monkeypatch: pytest.MonkeyPatch, people: dict[str, Client]
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    text = 'industry in ["internet"] and not (age < 30 or annual_income is empty)'
    assert _python(text, people["rich"]) is True
    assert _sql(text, people["rich"]) is True


# Stored trees ------------------------------------------------------------------------


def test_it_accepts_every_tree_the_parser_makes() -> None:
    for text, _expected in OPERATORS:
        validate_tree(parse(text))


@pytest.mark.parametrize(
    "tree",
    [
        None,
        "annual_income >= 1000000",
        [],
        {},
        {"and": []},
        {"or": "x"},
        {"not": "x"},
        {"cmp": "=", "field": "salary", "value": {"number": "1"}},
        {"empty": "salary"},
        {"cmp": "==", "field": "age", "value": {"number": "1"}},
        {"cmp": "=", "field": "industry", "value": {"text": "mining"}},
        {"cmp": "=", "field": "age", "value": {"text": "30"}},
        {"cmp": ">", "field": "education", "value": {"text": "bachelor"}},
        {"between": "age", "low": {"number": "55"}, "high": {"number": "30"}},
        {"and": [{"cmp": "=", "field": "age", "value": {"number": "1"}}, {"empty": "salary"}]},
    ],
    ids=repr,
)
def test_it_refuses_a_malformed_stored_tree(tree: Any) -> None:
    with pytest.raises(ConditionError):
        validate_tree(tree)


@pytest.mark.parametrize(
    "tree",
    [
        {"cmp": "=", "field": "age"},
        {"cmp": "=", "field": "age", "value": 30},
        {"cmp": "=", "field": "age", "value": {"number": "thirty"}},
        {"between": "age", "low": {"number": "30"}},
        {"in": "industry", "values": []},
    ],
    ids=repr,
)
def test_it_refuses_a_stored_tree_with_a_missing_or_broken_value(tree: Any) -> None:
    """validate_tree promises never to trust stored data: these must be clear errors,
    not a KeyError/TypeError, and never reach the SQL compiler."""
    with pytest.raises(ConditionError):
        validate_tree(tree)


# Amounts as advisors type them -------------------------------------------------------

AMOUNTS = [
    ("annual_income >= 100万", "annual_income >= 1000000", (True, False, None)),
    ("annual_income >= 100万元", "annual_income >= 1000000", (True, False, None)),
    ("annual_income >= 100 万", "annual_income >= 1000000", (True, False, None)),
    ("annual_income < 0.01亿", "annual_income < 1000000", (False, True, None)),
    (
        "annual_income between 30万 and 1.2亿",
        "annual_income between 300000 and 120000000",
        (True, True, None),
    ),
    ("annual_income in [30万, 100万]", "annual_income in [300000, 1000000]", (True, True, None)),
    ("annual_premium = 1.2万", "annual_premium = 12000", (True, False, False)),
    ("annual_income >= 1.23456789亿", "annual_income >= 123456789", (False, False, None)),
]


@pytest.mark.parametrize(
    ("text", "canonical", "expected"), AMOUNTS, ids=[t for t, _c, _e in AMOUNTS]
)
def test_it_reads_amounts_in_wan_and_yi_with_the_one_parser(
    people: dict[str, Client], text: str, canonical: str, expected: tuple[bool | None, ...]
) -> None:
    clients = (people["rich"], people["modest"], people["unknown"])

    assert parse(text) == parse(canonical)
    assert tuple(_python(text, c) for c in clients) == expected
    assert tuple(_sql(text, c) for c in clients) == expected


@pytest.mark.parametrize(
    ("text", "canonical", "_expected"), AMOUNTS, ids=[t for t, _c, _e in AMOUNTS]
)
def test_it_prints_amounts_back_as_yuan_that_parse_again(
    text: str, canonical: str, _expected: Any
) -> None:
    tree = parse(text)

    assert to_text(tree) == canonical
    assert parse(to_text(tree)) == tree
    validate_tree(tree)


def test_it_stores_an_amount_as_a_plain_number() -> None:
    assert parse("annual_income >= 200万") == {
        "cmp": ">=",
        "field": "annual_income",
        "value": {"number": "2000000"},
    }


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("annual_income >= 200万万", "Unexpected character “万”.", 21),
        ("annual_income >= 万", "Unexpected character “万”.", 17),
        ("annual_income >= 200元万", "Unexpected character “万”.", 21),
        ("industry = 200万", '“industry” is text; put the value in quotes, e.g. "internet".', 0),
    ],
)
def test_it_explains_a_bad_amount_with_the_position(text: str, message: str, position: int) -> None:
    error = _error(text)
    assert (error.message, error.position) == (message, position)
