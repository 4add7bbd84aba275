"""Reading plan documents, and gathering what a plan PDF shows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from advisor_crm.accounts.models import User
from clients.models import Client
from clients.money import percent_of
from kms import selectors, structure, validation
from kms.models import (
    CaseStatus,
    Finding,
    KmsCase,
    PlanDocument,
    ProposalItem,
    RiskCategory,
    Step,
)
from kyc import pictures


def plan_get_for_user(*, user: User, document_id: int) -> PlanDocument:
    """A plan of a client the user may see, or 404 (the same scope as the client)."""
    plans = PlanDocument.objects.filter(client__in=Client.objects.visible_to(user)).select_related(
        "case", "client", "requested_by"
    )
    return get_object_or_404(plans, pk=document_id)


def plans_of_case(*, case: KmsCase) -> QuerySet[PlanDocument]:
    return PlanDocument.objects.filter(case=case).select_related("case", "requested_by")


def plans_of_client(*, client: Client) -> QuerySet[PlanDocument]:
    return PlanDocument.objects.filter(client=client).select_related("case", "requested_by")


def plan_blockers(*, state: selectors.CaseState) -> list[Any]:
    """Why a case cannot have a plan yet: the blockers of the steps before Review.

    A presented, accepted or declined case was complete when it was closed; it can
    always be printed again.
    """
    if state.case.is_read_only:
        return []
    return [
        reason for step in (Step.KNOW, Step.MAP, Step.SUGGEST) for reason in state.blockers(step)
    ]


@dataclass
class RiskCell:
    category: RiskCategory
    findings: list[Finding]


@dataclass
class ItemSection:
    number: int
    item: ProposalItem
    beneficiaries: list[Any]
    structure: structure.Structure
    total_premium: Decimal
    accepted: list[validation.Message]
    notices: list[validation.Message]
    answers: list[Finding]


def plan_content(*, document: PlanDocument) -> dict[str, Any]:
    """Everything the PDF template needs, in a fixed number of queries."""
    case = document.case
    state = selectors.case_state(case=case)
    kyc = state.facts.kyc
    answered_by: dict[int, list[int]] = {}
    sections = []
    for number, check in enumerate(state.checks, start=1):
        item = check.item
        beneficiaries = list(item.beneficiaries.all())
        answers = list(item.answers.all())
        for finding in answers:
            answered_by.setdefault(finding.pk, []).append(number)
        sections.append(
            ItemSection(
                number=number,
                item=item,
                beneficiaries=beneficiaries,
                structure=structure.policy_structure(item, beneficiaries),
                total_premium=structure.total_premium(item),
                accepted=[
                    m
                    for m in check.messages
                    if m.level == validation.WARNING and m.key in item.accepted_warnings
                ],
                notices=[m for m in check.messages if m.level == validation.NOTE],
                answers=answers,
            )
        )
    confirmed = state.confirmed
    matrix = [
        RiskCell(category, [f for f in confirmed if f.category == category])
        for category in RiskCategory
    ]
    annual_premium_sum = structure.annual_premium_sum(state.items)
    income = state.facts.household_income
    return {
        "document": document,
        "case": case,
        "client": case.client,
        "advisor": case.client.owner,
        "state": state,
        "kyc": kyc,
        "tree": pictures.family_tree(kyc),
        "assets_picture": pictures.asset_structure(kyc),
        "flow": pictures.money_flow(kyc),
        "matrix": matrix,
        "answered_by": answered_by,
        "sections": sections,
        "totals": {
            "annual_premium_sum": annual_premium_sum,
            "total_premium_sum": sum((s.total_premium for s in sections), Decimal(0)),
            "sum_assured": sum((s.item.sum_assured for s in sections), Decimal(0)),
            "income": income,
            # At the one precision of every percentage (the affordability check cites
            # the same share on the item's page).
            "premium_share": percent_of(annual_premium_sum, income),
        },
        "people": [(person, state.facts.age_of(person)) for person in kyc.people],
        "has_accepted": any(s.accepted for s in sections),
        "is_draft": case.status == CaseStatus.DRAFT,
        "generated_at": timezone.localtime(),
    }
