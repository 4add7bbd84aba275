"""Writes of the KMS wizard: starting a case, findings, map, proposal, closing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from advisor_crm.accounts.models import User
from advisor_crm.saving import form_save
from clients.models import Client
from kms import calculators, detectors
from kms.facts import Facts
from kms.models import (
    CaseStatus,
    CurrentSolution,
    Finding,
    FindingStatus,
    KmsCase,
    Parameter,
    PlanDocument,
    ProposalItem,
    Step,
)
from kms.parameters import SPECS_BY_KEY
from kyc.selectors import kyc_load


class CaseClosed(Exception):
    """The case was presented, accepted or declined; start a new version to change it."""


def _ensure_open(case: KmsCase) -> None:
    if case.status != CaseStatus.DRAFT:
        raise CaseClosed(case.pk)


@transaction.atomic
def case_start(*, client: Client, user: User) -> KmsCase:
    version = (KmsCase.objects.filter(client=client).aggregate(v=Max("version"))["v"] or 0) + 1
    case = KmsCase.objects.create(client=client, version=version, created_by=user)
    findings_refresh(case=case)
    return case


@transaction.atomic
def findings_refresh(*, case: KmsCase) -> None:
    """Run the detectors again over the current KYC facts.

    1. A detector that fires for the first time adds an open finding.
    2. A finding of a detector that fires again gets the current facts; its status stays.
    3. An open finding whose detector no longer fires goes; a confirmed or dismissed one
       stays, because the advisor decided about it.
    """
    _ensure_open(case)
    detected = detectors.detect(Facts(kyc_load(client=case.client)))
    existing = {f.detector: f for f in case.findings.exclude(detector="")}
    for key, detection in detected.items():
        registered = detectors.REGISTRY[key]
        finding = existing.get(key)
        if finding is None:
            Finding.objects.create(
                case=case, detector=key, category=registered.category, severity=detection.severity,
                title=str(registered.label), facts=detection.facts,
            )  # fmt: skip
        else:
            finding.facts, finding.severity = detection.facts, detection.severity
            finding.save(update_fields=["facts", "severity"])
    for key, finding in existing.items():
        if key not in detected and finding.status == FindingStatus.OPEN:
            finding.delete()


def finding_decide(*, finding: Finding, status: str, reason: str = "") -> Finding:
    _ensure_open(finding.case)
    finding.status = status
    finding.dismiss_reason = reason if status == FindingStatus.DISMISSED else ""
    finding.save(update_fields=["status", "dismiss_reason"])
    return finding


def finding_add(*, case: KmsCase, category: str, severity: int, title: str, fact: str) -> Finding:
    _ensure_open(case)
    return Finding.objects.create(
        case=case, category=category, severity=severity, title=title,
        facts=[{"msg": fact, "args": {}}] if fact else [], status=FindingStatus.CONFIRMED,
    )  # fmt: skip


def finding_leave_open(*, finding: Finding, reason: str) -> Finding:
    _ensure_open(finding.case)
    finding.left_open_reason = reason
    finding.save(update_fields=["left_open_reason"])
    return finding


def motives_set(*, case: KmsCase, motives: list[str]) -> None:
    _ensure_open(case)
    case.motives = motives
    case.save(update_fields=["motives", "updated_at"])


def needs_override(*, case: KmsCase, calculator: str, values: dict[str, Decimal | None]) -> None:
    """Store the advisor's inputs for a calculator; None restores the KYC default.

    A value outside the input's range raises ValueError (the form shows the range at
    the field first), and saving drops any stored value that no longer validates.
    """
    _ensure_open(case)
    for name, value in values.items():
        if value is not None and calculators.override_value(calculator, name, str(value)) is None:
            raise ValueError(f"{calculator}.{name}: {value} is outside the allowed range")
    stored = calculators.overrides_valid(case.needs_overrides)
    overrides = dict(stored.get(calculator, {}))
    for name, value in values.items():
        if value is None:
            overrides.pop(name, None)
        else:
            overrides[name] = str(value)
    case.needs_overrides = {**stored, calculator: overrides}
    case.save(update_fields=["needs_overrides", "updated_at"])


def solution_save(
    *, finding: Finding, kind: str, weaknesses: list[str], notes: str
) -> CurrentSolution:
    _ensure_open(finding.case)
    solution, _created = CurrentSolution.objects.update_or_create(
        finding=finding, defaults={"kind": kind, "weaknesses": weaknesses, "notes": notes}
    )
    return solution


@transaction.atomic
def item_save(*, form: Any, beneficiaries: Any) -> ProposalItem:
    _ensure_open(form.instance.case)
    item: ProposalItem = form_save(form)
    beneficiaries.instance = item
    beneficiaries.save()
    return item


def item_delete(*, item: ProposalItem) -> None:
    _ensure_open(item.case)
    item.delete()


def item_accept_warnings(*, item: ProposalItem, keys: list[str]) -> None:
    _ensure_open(item.case)
    item.accepted_warnings = sorted(set(item.accepted_warnings) | set(keys))
    item.save(update_fields=["accepted_warnings"])


def case_go(*, case: KmsCase, step: str) -> None:
    if case.step != step and case.status == CaseStatus.DRAFT:
        case.step = step
        case.save(update_fields=["step", "updated_at"])


def case_close(*, case: KmsCase, status: str) -> KmsCase:
    """Mark the case presented, accepted or declined; it is read-only from then on."""
    if case.status in {CaseStatus.ACCEPTED, CaseStatus.DECLINED}:
        raise CaseClosed(case.pk)
    case.status = status
    case.step = Step.REVIEW
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "step", "closed_at", "updated_at"])
    return case


@transaction.atomic
def case_new_version(*, case: KmsCase, user: User) -> KmsCase:
    """Copy a case into a new draft version: findings, map, proposal, motives, inputs."""
    version = (KmsCase.objects.filter(client=case.client).aggregate(v=Max("version"))["v"] or 0) + 1
    copy = KmsCase.objects.create(
        client=case.client, version=version, created_by=user, motives=case.motives,
        needs_overrides=calculators.overrides_valid(case.needs_overrides), title=case.title,
    )  # fmt: skip
    finding_map = {}
    for finding in case.findings.all():
        old_pk = finding.pk
        solution = getattr(finding, "solution", None)
        finding.pk = None
        finding.case = copy
        finding.save()
        finding_map[old_pk] = finding
        if solution is not None:
            CurrentSolution.objects.create(
                finding=finding,
                kind=solution.kind,
                weaknesses=solution.weaknesses,
                notes=solution.notes,
            )
    for item in case.items.prefetch_related("beneficiaries", "answers"):
        answers = [finding_map[f.pk] for f in item.answers.all()]
        beneficiaries = list(item.beneficiaries.all())
        item.pk = None
        item.case = copy
        item.save()
        item.answers.set(answers)
        for beneficiary in beneficiaries:
            beneficiary.pk = None
            beneficiary.item = item
            beneficiary.save()
    findings_refresh(case=copy)
    return copy


@transaction.atomic
def parameters_set(*, values: dict[str, Decimal | None], user: User) -> None:
    """Set several parameters at once: all of them or, on any error, none."""
    for key, value in values.items():
        parameter_set(key=key, value=value, user=user)


def parameter_set(*, key: str, value: Decimal | None, user: User) -> None:
    """Override a threshold or cap; None restores the default."""
    if key not in SPECS_BY_KEY:
        raise KeyError(key)
    if value is None or value == SPECS_BY_KEY[key].default:
        Parameter.objects.filter(key=key).delete()
    else:
        Parameter.objects.update_or_create(key=key, defaults={"value": value, "updated_by": user})


def on_client_merging(*, survivor: Client, merged: Client, **_kwargs: Any) -> dict[str, int]:
    """Move the merged client's cases and plans to the survivor (clients.events).

    Case versions and plan numbers count per client, so the merged client's follow
    the survivor's: its v1 becomes the survivor's next version, its 第1版 the next plan.
    The proposals' people moved with the map (kyc's receiver).
    """
    case_offset = KmsCase.objects.filter(client=survivor).aggregate(top=Max("version"))["top"] or 0
    cases = KmsCase.objects.filter(client=merged).update(
        client=survivor, version=F("version") + case_offset
    )
    plan_offset = (
        PlanDocument.objects.filter(client=survivor).aggregate(top=Max("number"))["top"] or 0
    )
    plans = PlanDocument.objects.filter(client=merged).update(
        client=survivor, number=F("number") + plan_offset
    )
    return {gettext_noop("KMS cases"): cases, gettext_noop("plans"): plans}


def on_client_merge_preview(
    *, survivor: Client, merged: Client, **_kwargs: Any
) -> dict[str, tuple[int, int]]:
    return {
        gettext_noop("KMS cases"): (
            KmsCase.objects.filter(client=merged).count(),
            KmsCase.objects.filter(client=survivor).count(),
        ),
        gettext_noop("plans"): (
            PlanDocument.objects.filter(client=merged).count(),
            PlanDocument.objects.filter(client=survivor).count(),
        ),
    }
