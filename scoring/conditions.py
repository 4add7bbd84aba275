"""The condition language of scoring rules: parsed, checked, compiled, evaluated.

Admins type conditions such as

    annual_income >= 1000000 and industry in ["internet", "tmt"] and not health_flag = true

and may write amounts as advisors do, annual_income >= 200万 or 1.2亿, read by the one
amount parser of clients.money.

A small tokenizer and recursive-descent parser turn the text into a tree (plain JSON,
stored on the rule); nothing the user types is ever evaluated as code. The same tree
compiles to a Django boolean expression (for set-based SQL) and evaluates in Python
(to explain one client). Both follow SQL's three-valued logic: a comparison with an
empty field is unknown, NOT unknown is unknown, and a rule fires only when its
condition is true.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, Value
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Range,
)
from django.utils.translation import gettext as _

from clients.models import Client
from clients.money import parse_yuan
from scoring.fields import BOOLEAN, CHOICE, FIELDS, NUMBER, ClientFacts, field_value

Node = dict[str, Any]
# Limits that keep one rule from taking the site down: every rule is compiled into the
# scoring query of every client, and parsing, validating, compiling and evaluating all
# recurse over the tree. Far beyond what a real rule needs (the default rules use at
# most 4 clauses and 1 level), far below what costs seconds or overflows the stack.
MAX_LENGTH = 2000
# Nested groups: a "(" or a "not" opens one.
MAX_DEPTH = 10
# Comparisons, each value of an "in" list counting as one.
MAX_CLAUSES = 50
# Digits of a number as stored (in yuan, after 万/亿): 14 before the point fits every
# amount column (max_digits 16, 2 places) and 99万亿 yuan, 4 after is more than enough.
MAX_INTEGER_DIGITS = 14
MAX_FRACTION_DIGITS = 4
COMPARISONS = ("<=", ">=", "!=", "=", "<", ">")
KEYWORDS = {"and", "or", "not", "in", "between", "is", "empty", "true", "false"}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?(?:\s*(?:[万亿]元?|元))?)
      | (?P<string>"[^"]*"|'[^']*')
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<punct>[()\[\],])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


class ConditionError(ValueError):
    """A condition that cannot be used, with a message for the admin."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass
class Token:
    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "bad"
        value, position = match.group(kind), match.start(kind)
        if kind == "bad":
            raise ConditionError(
                _("Unexpected character “%(char)s”.") % {"char": value}, match.start(kind)
            )
        if kind == "word" and value.lower() in KEYWORDS:
            kind, value = "keyword", value.lower()
        tokens.append(Token(kind, value, position))
    return tokens


class Parser:
    """Recursive descent over: or_expr := and_expr ("or" and_expr)*; and_expr := not_expr
    ("and" not_expr)*; not_expr := "not" not_expr | "(" or_expr ")" | comparison."""

    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            # Refused before tokenizing: a megabyte of text is never read.
            raise ConditionError(
                _("A condition can have at most %(max)s characters; this one has %(count)s.")
                % {"max": MAX_LENGTH, "count": len(text)}
            )
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.clauses = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise ConditionError(_("The condition ends too early."), len(self.text))
        self.index += 1
        return token

    def expect(self, kind: str, text: str | None = None) -> Token:
        token = self.take()
        if token.kind != kind or (text is not None and token.text != text):
            raise ConditionError(
                _("Expected “%(expected)s” but found “%(found)s”.")
                % {"expected": text or kind, "found": token.text},
                token.position,
            )
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def parse(self) -> Node:
        if not self.tokens:
            raise ConditionError(_("Enter a condition."), 0)
        node = self.or_expr()
        if self.peek() is not None:
            token = self.take()
            raise ConditionError(
                _("Unexpected “%(found)s”; join conditions with and / or.") % {"found": token.text},
                token.position,
            )
        # The tree must meet the limits a stored rule is held to, or the form would
        # say "valid" and the save refuse it.
        validate_tree(node)
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.at("keyword", "or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else {"or": parts}

    def and_expr(self) -> Node:
        parts = [self.not_expr()]
        while self.at("keyword", "and"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else {"and": parts}

    def not_expr(self) -> Node:
        if self.at("keyword", "not"):
            self._enter()
            node: Node = {"not": self.not_expr()}
            self.depth -= 1
            return node
        if self.at("punct", "("):
            self._enter()
            node = self.or_expr()
            self.expect("punct", ")")
            self.depth -= 1
            return node
        return self.comparison()

    def _enter(self) -> None:
        """Take the "(" or "not" that opens a group, refusing one group too deep.

        Counting here stops the descent long before Python's recursion limit.
        """
        token = self.take()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(
                _("Conditions can be nested at most %(max)s levels deep (parentheses and not).")
                % {"max": MAX_DEPTH},
                token.position,
            )

    def _count(self, clauses: int, position: int) -> None:
        self.clauses += clauses
        if self.clauses > MAX_CLAUSES:
            raise ConditionError(_clauses_message(), position)

    def value(self) -> Any:
        token = self.take()
        if token.kind == "number":
            return {"number": _number(token.text, token.position)}
        if token.kind == "string":
            return {"text": token.text[1:-1]}
        if token.kind == "keyword" and token.text in {"true", "false"}:
            return {"bool": token.text == "true"}
        raise ConditionError(
            _('Expected a value (a number, "text", true or false) but found “%(found)s”.')
            % {"found": token.text},
            token.position,
        )

    def comparison(self) -> Node:
        token = self.take()
        if token.kind != "word":
            raise ConditionError(
                _("Expected a field name but found “%(found)s”.") % {"found": token.text},
                token.position,
            )
        spec = FIELDS.get(token.text)
        if spec is None:
            raise ConditionError(
                _("Unknown field “%(field)s”.") % {"field": token.text}, token.position
            )
        field = token.text
        self._count(1, token.position)
        if self.at("keyword", "in"):
            self.take()
            self.expect("punct", "[")
            values = [self.value()]
            while self.at("punct", ","):
                self._count(1, self.take().position)
                values.append(self.value())
            self.expect("punct", "]")
            node: Node = {"in": field, "values": values}
        elif self.at("keyword", "between"):
            self.take()
            low = self.value()
            self.expect("keyword", "and")
            node = {"between": field, "low": low, "high": self.value()}
        elif self.at("keyword", "is"):
            self.take()
            negated = self.at("keyword", "not")
            if negated:
                self.take()
            self.expect("keyword", "empty")
            node = {"empty": field}
            return {"not": node} if negated else node
        elif self.at("op"):
            op = self.take().text
            node = {"cmp": op, "field": field, "value": self.value()}
        else:
            found = self.peek()
            raise ConditionError(
                _(
                    "After “%(field)s” expected a comparison (=, !=, <, <=, >, >=, in, between, is empty)."
                )
                % {"field": field},
                found.position if found else len(self.text),
            )
        check_types(node, token.position)
        return node


def _number(text: str, position: int | None = None) -> str:
    """A number as stored in the tree: as typed, or in yuan when typed with a unit.

    200万 and 1.2亿 go through the one amount parser (clients.money.parse_yuan) and are
    stored as plain yuan (2000000), which to_text prints back and parse reads again.
    """
    # The digits are counted on the text first, so that the amount parser never sees a
    # 50-digit number; the stored form is checked exactly below (200万 gains 4 zeros,
    # 1.23456789亿 loses its decimals).
    whole, _point, fraction = text.lstrip("-").partition(".")
    whole, fraction = (re.sub(r"\D", "", part) for part in (whole, fraction))
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS or len(fraction) > MAX_INTEGER_DIGITS:
        raise ConditionError(_number_message(), position)
    try:
        stored = text if text[-1].isdigit() else f"{parse_yuan(text).normalize():f}"
    except ValueError as error:
        # The amount parser takes no sign: a negative amount with a unit (-5万).
        raise ConditionError(
            _("“%(number)s” is not an amount; write it as 50000 or 5万.") % {"number": text},
            position,
        ) from error
    if not _number_fits(stored):
        raise ConditionError(_number_message(), position)
    return stored


def _number_fits(stored: str) -> bool:
    try:
        number = Decimal(stored)
    except ArithmeticError:
        return False
    if not number.is_finite():
        return False
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    fraction = max(0, -exponent)
    whole = len(digits) + exponent
    return whole <= MAX_INTEGER_DIGITS and fraction <= MAX_FRACTION_DIGITS


def _number_message() -> str:
    return _(
        "Numbers can have at most %(whole)s digits before the decimal point and %(fraction)s after."
    ) % {"whole": MAX_INTEGER_DIGITS, "fraction": MAX_FRACTION_DIGITS}


def _clauses_message() -> str:
    return _(
        "A condition can have at most %(max)s comparisons (each value in a list counts as one)."
    ) % {"max": MAX_CLAUSES}


def _field_of(node: Node) -> str:
    field = node.get("field") or node.get("in") or node.get("between")
    if not isinstance(field, str):
        raise ConditionError(_("Malformed condition."))
    return field


def _children(node: Node) -> list[Node]:
    children = node.get("and") or node.get("or")
    if not isinstance(children, list):
        raise ConditionError(_("Malformed condition."))
    return children


def _literal(value: Node) -> Any:
    if "number" in value:
        return Decimal(value["number"])
    if "text" in value:
        return value["text"]
    return bool(value["bool"])


def check_types(node: Node, position: int | None = None) -> None:
    """Refuse comparisons that mix types: text with numbers, order on choices."""
    field = _field_of(node)
    spec = FIELDS[field]
    values = node.get("values") or [
        v for v in (node.get("value"), node.get("low"), node.get("high")) if v is not None
    ]
    for value in values:
        if spec.type == NUMBER and "number" not in value:
            raise ConditionError(
                _("“%(field)s” is a number; compare it with a number.") % {"field": field}, position
            )
        if spec.type == BOOLEAN and "bool" not in value:
            raise ConditionError(
                _("“%(field)s” is true or false; compare it with true or false.")
                % {"field": field},
                position,
            )
        if spec.type == CHOICE:
            if "text" not in value:
                raise ConditionError(
                    _('“%(field)s” is text; put the value in quotes, e.g. "%(example)s".')
                    % {"field": field, "example": spec.choices[0][0]},
                    position,
                )
            if value["text"] not in spec.choice_values():
                allowed = ", ".join(f'"{v}"' for v, _label in spec.choices)
                raise ConditionError(
                    _("“%(value)s” is not a value of “%(field)s”; use one of %(allowed)s.")
                    % {"value": value["text"], "field": field, "allowed": allowed},
                    position,
                )
    if spec.type in {CHOICE, BOOLEAN} and (
        node.get("cmp") in {"<", "<=", ">", ">="} or "between" in node
    ):
        raise ConditionError(
            _("“%(field)s” can only be compared with = , != or in.") % {"field": field}, position
        )
    if "between" in node and _literal(node["low"]) > _literal(node["high"]):
        raise ConditionError(_("The lower bound of between is above the upper bound."), position)


def parse(text: str) -> Node:
    return Parser(text).parse()


# A parsed tree nests at most MAX_DEPTH + 2 operators: the top and/or, one and/or or
# not per group, and the not of a final "is not empty".
_MAX_TREE_DEPTH = MAX_DEPTH + 2


def validate_tree(node: Any) -> None:
    """Check a stored tree (it came from parse, but never trust stored data blindly),
    within the same limits as parse."""
    if _validate(node, 0) > MAX_CLAUSES:
        raise ConditionError(_clauses_message())


def _validate(node: Any, depth: int) -> int:
    """Check a subtree at a depth; return how many clauses it has."""
    if depth > _MAX_TREE_DEPTH:
        raise ConditionError(
            _("Conditions can be nested at most %(max)s levels deep (parentheses and not).")
            % {"max": MAX_DEPTH}
        )
    if not isinstance(node, dict) or len(node) == 0:
        raise ConditionError(_("Malformed condition."))
    if "and" in node or "or" in node:
        children = node.get("and") or node.get("or")
        if not isinstance(children, list) or not children:
            raise ConditionError(_("Malformed condition."))
        clauses = 0
        for child in children:
            clauses += _validate(child, depth + 1)
            # Stop early: a stored tree of a million clauses is refused in time.
            if clauses > MAX_CLAUSES:
                raise ConditionError(_clauses_message())
        return clauses
    if "not" in node:
        return _validate(node["not"], depth + 1)
    if "empty" in node:
        if node["empty"] not in FIELDS:
            raise ConditionError(_("Unknown field “%(field)s”.") % {"field": node["empty"]})
        return 1
    field = _field_of(node)
    if field not in FIELDS:
        raise ConditionError(_("Unknown field “%(field)s”.") % {"field": field})
    clauses = 1
    if "cmp" in node:
        if node["cmp"] not in COMPARISONS:
            raise ConditionError(_("Malformed condition."))
        _check_literal(node.get("value"))
    elif "in" in node:
        values = node.get("values")
        if not isinstance(values, list) or not values:
            raise ConditionError(_("Malformed condition."))
        if len(values) > MAX_CLAUSES:
            raise ConditionError(_clauses_message())
        for value in values:
            _check_literal(value)
        clauses = len(values)
    else:
        _check_literal(node.get("low"))
        _check_literal(node.get("high"))
    check_types(node)
    return clauses


def _check_literal(value: Any) -> None:
    """A stored value is one of {"number": "<decimal>"}, {"text": "..."}, {"bool": b}."""
    if not isinstance(value, dict) or len(value) != 1:
        raise ConditionError(_("Malformed condition."))
    if "number" in value:
        try:
            number = Decimal(str(value["number"]))
        except (ArithmeticError, ValueError) as error:
            raise ConditionError(_("Malformed condition.")) from error
        if not number.is_finite():
            raise ConditionError(_("Malformed condition."))
        if not _number_fits(str(value["number"])):
            raise ConditionError(_number_message())
    elif "text" in value:
        if not isinstance(value["text"], str):
            raise ConditionError(_("Malformed condition."))
    elif "bool" in value:
        if not isinstance(value["bool"], bool):
            raise ConditionError(_("Malformed condition."))
    else:
        raise ConditionError(_("Malformed condition."))


def _text(value: Node) -> str:
    if "number" in value:
        return str(value["number"])
    if "text" in value:
        return f'"{value["text"]}"'
    return "true" if value["bool"] else "false"


def to_text(node: Node, top: bool = True) -> str:
    """The canonical text of a tree, which parses back to the same tree."""
    if "and" in node or "or" in node:
        joiner = " and " if "and" in node else " or "
        inner = joiner.join(to_text(child, top=False) for child in _children(node))
        return inner if top else f"({inner})"
    if "not" in node:
        child = node["not"]
        if "empty" in child:
            return f"{child['empty']} is not empty"
        return f"not {to_text(child, top=False)}"
    if "empty" in node:
        return f"{node['empty']} is empty"
    if "in" in node:
        return f"{node['in']} in [{', '.join(_text(v) for v in node['values'])}]"
    if "between" in node:
        return f"{node['between']} between {_text(node['low'])} and {_text(node['high'])}"
    return f"{node['field']} {node['cmp']} {_text(node['value'])}"


_LOOKUPS = {
    "=": Exact,
    ">": GreaterThan,
    ">=": GreaterThanOrEqual,
    "<": LessThan,
    "<=": LessThanOrEqual,
}


def compile_sql(node: Node, as_of: dt.date, *, cached: bool = False) -> Q:
    """A Django boolean expression with the same three-valued meaning as evaluate().

    With cached=True, aggregates (referrals, policies, premium) are read from the copy
    in ClientScore that rescoring refreshes first, instead of per-row subqueries.
    """
    if "and" in node or "or" in node:
        parts = [compile_sql(child, as_of, cached=cached) for child in _children(node)]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part if "and" in node else combined | part
        return combined
    if "not" in node:
        return ~compile_sql(node["not"], as_of, cached=cached)
    if "empty" in node:
        return Q(IsNull(FIELDS[node["empty"]].expression(as_of, cached=cached), True))
    field = _field_of(node)
    lhs = FIELDS[field].expression(as_of, cached=cached)
    if "in" in node:
        return Q(In(lhs, [_literal(v) for v in node["values"]]))
    if "between" in node:
        return Q(Range(lhs, (_literal(node["low"]), _literal(node["high"]))))
    if node["cmp"] == "!=":
        return ~Q(Exact(lhs, Value(_literal(node["value"]))))
    return Q(_LOOKUPS[node["cmp"]](lhs, Value(_literal(node["value"]))))


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(right, Decimal):
        left = Decimal(left)
    return {
        "=": left == right, "!=": left != right, "<": left < right,
        "<=": left <= right, ">": left > right, ">=": left >= right,
    }[op]  # fmt: skip


def evaluate(node: Node, client: Client, facts: ClientFacts, as_of: dt.date) -> bool | None:
    """Evaluate a tree for one client in SQL's three-valued logic (None = unknown)."""
    if "and" in node:
        results = [evaluate(child, client, facts, as_of) for child in node["and"]]
        return False if False in results else (None if None in results else True)
    if "or" in node:
        results = [evaluate(child, client, facts, as_of) for child in node["or"]]
        return True if True in results else (None if None in results else False)
    if "not" in node:
        result = evaluate(node["not"], client, facts, as_of)
        return None if result is None else not result
    if "empty" in node:
        return field_value(node["empty"], client, facts, as_of) is None
    field = _field_of(node)
    value = field_value(field, client, facts, as_of)
    if value is None:
        return None
    if "in" in node:
        literals = [_literal(v) for v in node["values"]]
        return any(_compare("=", value, literal) for literal in literals)
    if "between" in node:
        return _compare(">=", value, _literal(node["low"])) and _compare(
            "<=", value, _literal(node["high"])
        )
    return _compare(node["cmp"], value, _literal(node["value"]))
