"""The whitelist of client fields a scoring rule may test.

Each field has a type, a label, a SQL expression (for set-based rescoring) and a
Python getter (for explaining one client). The two must agree; a property-based test
checks that they do. Nothing outside this list can be named in a rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, NullIf
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clients.models import Client, CreditStatus, CvmStage, Education, WealthStratum, age_on
from clients.reference import INDUSTRY_CHOICES
from kyc.models import ExistingPolicy

NUMBER, CHOICE, BOOLEAN = "number", "choice", "boolean"


@dataclass
class ClientFacts:
    """Per-client aggregates the Python evaluator needs, loaded in a few queries."""

    referrals: int = 0
    policies: int = 0
    premium: Decimal = Decimal(0)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Promise
    type: str
    sql: Callable[[dt.date], Expression | F]
    python: Callable[[Client, ClientFacts, dt.date], Any]
    choices: tuple[tuple[str, Any], ...] = ()
    # For aggregates: the copy in ClientScore that rescoring refreshes just before
    # scoring a batch, so that the scoring query reads a column, not a subquery.
    cached: str = ""

    def expression(self, as_of: dt.date, *, cached: bool = False) -> Expression | F:
        if cached and self.cached:
            return Coalesce(F(f"value__{self.cached}"), Value(0), output_field=self.output_field())
        return self.sql(as_of)

    def output_field(self) -> Any:
        if self.name == "annual_premium":
            return DecimalField(max_digits=16, decimal_places=2)
        return IntegerField()

    def choice_values(self) -> set[str]:
        return {str(value) for value, _label in self.choices}


def _age_sql(as_of: dt.date) -> Expression:
    birthday_passed = Q(birth_date__month__lt=as_of.month) | Q(
        birth_date__month=as_of.month, birth_date__day__lte=as_of.day
    )
    years = Value(as_of.year) - ExtractYear("birth_date")
    return Case(
        When(birth_date__isnull=True, then=Value(None)),
        When(birthday_passed, then=years),
        default=years - Value(1),
        output_field=IntegerField(),
    )


def _age_python(client: Client, facts: ClientFacts, as_of: dt.date) -> int | None:
    return None if client.birth_date is None else age_on(client.birth_date, as_of)


def _in_force() -> Any:
    return ExistingPolicy.objects.in_force().filter(client=OuterRef("pk"))


def _referrals_sql(as_of: dt.date) -> Expression:
    counted = (
        Client.objects.filter(referred_by=OuterRef("pk"))
        .values("referred_by")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _policies_sql(as_of: dt.date) -> Expression:
    counted = _in_force().values("client").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _premium_sql(as_of: dt.date) -> Expression:
    money: DecimalField = DecimalField(max_digits=16, decimal_places=2)
    summed = _in_force().values("client").annotate(total=Sum("annual_premium")).values("total")
    return Coalesce(Subquery(summed, output_field=money), Value(Decimal(0)), output_field=money)


def _column(name: str) -> Callable[[dt.date], F]:
    return lambda as_of: F(name)


def _attr(name: str) -> Callable[[Client, ClientFacts, dt.date], Any]:
    return lambda client, facts, as_of: getattr(client, name)


def _choice_column(name: str) -> Callable[[dt.date], Expression]:
    # A blank choice means "not recorded": NULL, so that comparisons with it are unknown.
    return lambda as_of: NullIf(F(name), Value(""))


def _choice_attr(name: str) -> Callable[[Client, ClientFacts, dt.date], Any]:
    return lambda client, facts, as_of: getattr(client, name) or None


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("age", _("age"), NUMBER, _age_sql, _age_python),
        FieldSpec("annual_income", _("annual income (yuan)"), NUMBER, _column("annual_income"), _attr("annual_income")),
        FieldSpec("industry", _("industry"), CHOICE, _choice_column("industry"), _choice_attr("industry"), tuple(INDUSTRY_CHOICES)),
        FieldSpec("education", _("education"), CHOICE, _choice_column("education"), _choice_attr("education"), tuple(Education.choices)),
        FieldSpec("occupation_class", _("occupation class"), NUMBER, _column("occupation_class"), _attr("occupation_class")),
        FieldSpec("wealth_stratum", _("wealth stratum"), CHOICE, _choice_column("wealth_stratum"), _choice_attr("wealth_stratum"), tuple(WealthStratum.choices)),
        FieldSpec("cvm_stage", _("CVM stage"), CHOICE, _choice_column("cvm_stage"), _choice_attr("cvm_stage"), tuple(CvmStage.choices)),
        FieldSpec("credit_status", _("credit status"), CHOICE, _choice_column("credit_status"), _choice_attr("credit_status"), tuple(CreditStatus.choices)),
        FieldSpec("referrals", _("clients referred"), NUMBER, _referrals_sql, lambda c, f, d: f.referrals, cached="referrals"),
        FieldSpec("policies", _("policies in force"), NUMBER, _policies_sql, lambda c, f, d: f.policies, cached="policies"),
        FieldSpec("annual_premium", _("total annual premium (yuan)"), NUMBER, _premium_sql, lambda c, f, d: f.premium, cached="premium"),
        FieldSpec("late_payments", _("late premium payments"), NUMBER, _column("late_payments"), _attr("late_payments")),
        FieldSpec("health_flag", _("health concern"), BOOLEAN, _column("health_flag"), _attr("health_flag")),
        FieldSpec("moral_hazard_flag", _("moral-hazard concern"), BOOLEAN, _column("moral_hazard_flag"), _attr("moral_hazard_flag")),
        FieldSpec("kyc_completeness", _("KYC completeness (%)"), NUMBER, _column("kyc_completeness"), _attr("kyc_completeness")),
    )
}  # fmt: skip


def field_value(name: str, client: Client, facts: ClientFacts, as_of: dt.date) -> Any:
    return FIELDS[name].python(client, facts, as_of)


def client_facts(clients: list[Client]) -> dict[int, ClientFacts]:
    """Referral counts and policy aggregates for some clients, in two queries."""
    ids = [c.pk for c in clients]
    result = {pk: ClientFacts() for pk in ids}
    for row in (
        Client.objects.filter(referred_by__in=ids).values("referred_by").annotate(n=Count("pk"))
    ):
        result[row["referred_by"]].referrals = row["n"]
    policies = (
        ExistingPolicy.objects.in_force()
        .filter(client__in=ids)
        .values("client")
        .annotate(n=Count("pk"), total=Sum("annual_premium"))
    )
    for row in policies:
        result[row["client"]].policies = row["n"]
        result[row["client"]].premium = row["total"] or Decimal(0)
    return result
