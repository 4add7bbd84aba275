from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from advisor_crm.accounts.models import User
from clients.models import Client
from kms import calculators, detectors, validation
from kms.facts import Facts
from kms.models import (
    CaseStatus,
    Finding,
    FindingStatus,
    KmsCase,
    ProposalBeneficiary,
    ProposalItem,
    Step,
)
from kyc.selectors import kyc_load

STEPS = [Step.KNOW, Step.MAP, Step.SUGGEST, Step.REVIEW]


def case_get_for_user(*, user: User, case_id: int) -> KmsCase:
    """A case of a client the user may see, or 404."""
    cases = KmsCase.objects.filter(client__in=Client.objects.visible_to(user)).select_related(
        "client", "client__owner"
    )
    return get_object_or_404(cases, pk=case_id)


def cases_of(*, client: Client) -> QuerySet[KmsCase]:
    return KmsCase.objects.filter(client=client).order_by("-version")


def findings_of(*, case: KmsCase) -> list[Finding]:
    return list(case.findings.select_related("solution").prefetch_related("answered_by"))


def items_of(*, case: KmsCase) -> list[ProposalItem]:
    return list(
        case.items.select_related(
            "policyholder", "insured", "second_policyholder"
        ).prefetch_related(
            Prefetch(
                "beneficiaries", queryset=ProposalBeneficiary.objects.select_related("person")
            ),
            "answers",
        )
    )


@dataclass
class ItemCheck:
    item: ProposalItem
    messages: list[validation.Message]

    @property
    def blocked(self) -> bool:
        return validation.is_blocked(self.messages)

    @property
    def unaccepted_warnings(self) -> list[validation.Message]:
        return [
            m
            for m in self.messages
            if m.level == validation.WARNING and m.key not in self.item.accepted_warnings
        ]


@dataclass
class CaseState:
    """Everything the wizard shows about a case, computed once per request."""

    case: KmsCase
    facts: Facts
    findings: list[Finding]
    items: list[ProposalItem]
    calculations: list[calculators.Calculation]
    checks: list[ItemCheck] = field(default_factory=list)

    @property
    def confirmed(self) -> list[Finding]:
        return [f for f in self.findings if f.status == FindingStatus.CONFIRMED]

    @property
    def life_cover(self) -> calculators.Calculation:
        return self.calculations[0]

    @cached_property
    def findings_outdated(self) -> bool:
        """Whether the detectors would now say something else than the stored findings:
        the KYC or an administrator's parameter changed since they were detected.

        The needs figures are computed on every page, the findings' facts are stored
        (the advisor decides about them), so the two could disagree unseen.
        """
        if self.case.is_read_only:
            return False
        detected = detectors.detect(self.facts)
        stored = {f.detector: f for f in self.findings if f.detector}
        for key, detection in detected.items():
            finding = stored.get(key)
            if finding is None or (finding.facts, finding.severity) != (
                detection.facts,
                detection.severity,
            ):
                return True
        return any(
            key not in detected and finding.status == FindingStatus.OPEN
            for key, finding in stored.items()
        )

    def blockers(self, step: str) -> list[Promise | str]:
        """What keeps the case from leaving the given step."""
        reasons: list[Promise | str] = []
        if step == Step.KNOW:
            if any(f.status == FindingStatus.OPEN for f in self.findings):
                reasons.append(_("Confirm or dismiss every finding."))
            if not self.confirmed:
                reasons.append(_("Confirm at least one risk, or add one."))
            if not self.case.motives:
                reasons.append(_("Rank the client's motives."))
        elif step == Step.MAP:
            missing = [f for f in self.confirmed if not hasattr(f, "solution")]
            if missing:
                reasons.append(
                    _("Record the current solution for: %(risks)s")
                    % {"risks": "、".join(f.label for f in missing)}
                )
        elif step == Step.SUGGEST:
            if not self.items:
                reasons.append(_("Propose at least one item."))
            for check in self.checks:
                if check.blocked:
                    reasons.append(
                        _("Proposal item %(item)s breaks a rule.") % {"item": check.item}
                    )
                elif check.unaccepted_warnings:
                    reasons.append(
                        _("Read and accept the warnings of %(item)s.") % {"item": check.item}
                    )
            answered = {f.pk for item in self.items for f in item.answers.all()}
            open_risks = [
                f for f in self.confirmed if f.pk not in answered and not f.left_open_reason
            ]
            if open_risks:
                reasons.append(
                    _("Answer or consciously leave open: %(risks)s")
                    % {"risks": "、".join(f.label for f in open_risks)}
                )
        return reasons

    def reachable(self, step: str) -> bool:
        """A step is reachable when every earlier step is complete."""
        index = STEPS.index(Step(step))
        return all(not self.blockers(earlier) for earlier in STEPS[:index])

    @property
    def resume_step(self) -> str:
        """Where to go on with the case: the furthest step reachable, the review of a
        closed case. Worked out, not stored on each visit: opening a page writes nothing."""
        if self.case.is_read_only:
            return Step.REVIEW
        return next(s for s in reversed(STEPS) if self.reachable(s))

    @property
    def progress(self) -> list[dict[str, object]]:
        return [
            {
                "step": s,
                "label": s.label,
                "done": not self.blockers(s) and s != Step.REVIEW,
                "reachable": self.reachable(s),
            }
            for s in STEPS
        ]


def case_state(*, case: KmsCase) -> CaseState:
    facts = Facts(kyc_load(client=case.client))
    findings = findings_of(case=case)
    items = items_of(case=case)
    calcs = calculators.calculations(facts, case.needs_overrides)
    state = CaseState(case=case, facts=facts, findings=findings, items=items, calculations=calcs)
    state.checks = [
        ItemCheck(
            item,
            validation.validate_item(
                item=item,
                beneficiaries=item.beneficiaries.all(),
                facts=facts,
                other_items=items,
                life_cover=calcs[0],
            ),
        )
        for item in items
    ]
    return state


def is_closed(*, case: KmsCase) -> bool:
    return case.status != CaseStatus.DRAFT
