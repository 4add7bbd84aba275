"""Writes of scoring: editing versions, publishing, set-based rescoring, P100 reviews."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Expression, IntegerField, Max, Min, Value, When
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from advisor_crm.accounts.models import User
from clients.models import Client
from scoring.conditions import ConditionError, compile_sql, validate_tree
from scoring.models import (
    MAX_RULES,
    JobStatus,
    P100Note,
    P100Review,
    RescoreJob,
    Rule,
    RuleSet,
    RuleSetVersion,
    Tier,
    VersionStatus,
)

BATCH_SIZE = 50_000


class PublishError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class VersionLocked(ValueError):
    """Published and retired versions never change; edit a new draft instead."""


def version_problems(version: RuleSetVersion) -> list[str]:
    """Everything that keeps a version from being published."""
    problems = []
    rules = [r for r in version.rules.all() if r.enabled]
    if not rules:
        problems.append(_("The rule set has no enabled rule."))
    if len(version.rules.all()) > MAX_RULES:
        problems.append(_("At most %(max)s rules per version.") % {"max": MAX_RULES})
    for rule in rules:
        try:
            validate_tree(rule.condition)
        except ConditionError as error:
            problems.append(
                _("Rule “%(rule)s”: %(error)s") % {"rule": rule.label, "error": error.message}
            )
    tiers = list(version.tiers.all())
    if not tiers:
        problems.append(_("Define at least one tier."))
    thresholds = [t.min_score for t in tiers]
    if len(thresholds) != len(set(thresholds)):
        problems.append(_("Two tiers have the same minimum score; thresholds must not overlap."))
    if any(not t.label.strip() for t in tiers):
        problems.append(_("Every tier needs a label."))
    return problems


@dataclass(frozen=True)
class Compiled:
    score: Expression
    mask: Expression
    tier: Expression


def compile_version(version: RuleSetVersion, as_of: dt.date) -> Compiled:
    """The version as three SQL expressions over a client row.

    Score is the sum of the points of the rules whose condition is true; the mask has
    bit i set when the rule at position i fired; the tier is the first tier (highest
    minimum first) whose minimum the score reaches, else the lowest tier.
    """
    rules = [r for r in version.rules.all() if r.enabled]
    score: Expression = Value(0)
    mask: Expression = Value(0)
    for index, rule in enumerate(version.rules.all()):
        if not rule.enabled:
            continue
        condition = compile_sql(rule.condition, as_of)
        score = score + Case(
            When(condition, then=Value(rule.points)), default=Value(0), output_field=IntegerField()
        )
        mask = mask + Case(
            When(condition, then=Value(1 << index)), default=Value(0), output_field=IntegerField()
        )
    if not rules:
        score = Value(0)
    tiers = sorted(version.tiers.all(), key=lambda t: -t.min_score)
    lowest = tiers[-1].label if tiers else ""
    tier = Case(
        *[
            When(GreaterThanOrEqual(score, Value(t.min_score)), then=Value(t.label))
            for t in tiers[:-1]
        ],
        default=Value(lowest),
    )
    return Compiled(score=score, mask=mask, tier=tier)


def _today() -> dt.date:
    return timezone.localdate()


@transaction.atomic
def version_publish(*, version: RuleSetVersion, user: User) -> RescoreJob:
    """Publish a version (a draft, or an older one to roll back) and queue the rescoring.

    1. Refuse when the version has problems; nothing changes then.
    2. Retire the published version of the rule set; mark this one published.
    3. Create the rescoring job and start it once the transaction commits.
    """
    problems = version_problems(version)
    if problems:
        raise PublishError(problems)
    RuleSetVersion.objects.filter(
        rule_set=version.rule_set, status=VersionStatus.PUBLISHED
    ).exclude(pk=version.pk).update(status=VersionStatus.RETIRED)
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    bounds = Client.objects.aggregate(low=Min("pk"), high=Max("pk"))
    job = RescoreJob.objects.create(
        version=version,
        requested_by=user,
        total=Client.objects.count(),
        last_pk=(bounds["low"] or 1) - 1,
        max_pk=bounds["high"] or 0,
    )
    from scoring.tasks import rescore

    transaction.on_commit(lambda: rescore.delay(job.pk))
    return job


def rescore_run(*, job_id: int, batch_size: int = BATCH_SIZE) -> RescoreJob:
    """Rescore every client in id ranges, each range one UPDATE and one INSERT.

    Each batch commits together with the job's progress (last_pk), so a run that dies
    resumes after the last finished batch: no client is scored twice by the same job.
    """
    job = RescoreJob.objects.select_related("version").get(pk=job_id)
    if job.status == JobStatus.DONE:
        return job
    version = job.version
    compiled = compile_version(version, _today())
    RescoreJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=job.started_at or timezone.now(), error=""
    )
    try:
        while True:
            with transaction.atomic():
                job = RescoreJob.objects.select_for_update().get(pk=job_id)
                if job.last_pk >= job.max_pk:
                    break
                low, high = job.last_pk, min(job.last_pk + batch_size, job.max_pk)
                batch = Client.objects.filter(pk__gt=low, pk__lte=high)
                updated = batch.update(
                    score=compiled.score,
                    tier=compiled.tier,
                    matched_rules=compiled.mask,
                    score_version=version,
                )
                _history_insert(version.pk, low, high)
                job.last_pk, job.done = high, job.done + updated
                job.save(update_fields=["last_pk", "done"])
    except Exception as error:
        RescoreJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=str(error)[:2000]
        )
        raise
    RescoreJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now())
    return RescoreJob.objects.get(pk=job_id)


def _history_insert(version_id: int, low: int, high: int) -> None:
    """Copy the new scores of an id range into the history, set-based."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO scoring_scorehistory (client_id, version_id, score, tier, created_at) "
            "SELECT id, %s, score, tier, %s FROM clients_client WHERE id > %s AND id <= %s",
            [version_id, timezone.now(), low, high],
        )


def rescore_now(
    *, version: RuleSetVersion, user: User, batch_size: int = BATCH_SIZE
) -> tuple[RescoreJob, float]:
    """Rescore synchronously with the published version (the `rescore` command)."""
    bounds = Client.objects.aggregate(low=Min("pk"), high=Max("pk"))
    job = RescoreJob.objects.create(
        version=version, requested_by=user, total=Client.objects.count(),
        last_pk=(bounds["low"] or 1) - 1, max_pk=bounds["high"] or 0,
    )  # fmt: skip
    started = time.perf_counter()
    job = rescore_run(job_id=job.pk, batch_size=batch_size)
    return job, time.perf_counter() - started


def version_new_draft(*, source: RuleSetVersion, user: User) -> RuleSetVersion:
    """A draft copy of a version, to edit (published versions never change)."""
    with transaction.atomic():
        number = (
            RuleSetVersion.objects.filter(rule_set=source.rule_set).aggregate(n=Max("number"))["n"]
            or 0
        ) + 1
        draft = RuleSetVersion.objects.create(
            rule_set=source.rule_set, number=number, created_by=user
        )
        Rule.objects.bulk_create(
            Rule(
                version=draft,
                position=r.position,
                label=r.label,
                condition=r.condition,
                points=r.points,
                enabled=r.enabled,
            )
            for r in source.rules.all()
        )
        Tier.objects.bulk_create(
            Tier(version=draft, label=t.label, min_score=t.min_score) for t in source.tiers.all()
        )
    return draft


def _editable(version: RuleSetVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise VersionLocked(version.pk)


def rule_save(
    *,
    version: RuleSetVersion,
    rule: Rule | None,
    label: str,
    condition: dict[str, Any],
    points: int,
    enabled: bool,
) -> Rule:
    _editable(version)
    validate_tree(condition)
    if rule is None:
        position = (version.rules.aggregate(p=Max("position"))["p"] or 0) + 1
        rule = Rule(version=version, position=position)
    rule.label, rule.condition, rule.points, rule.enabled = label, condition, points, enabled
    rule.save()
    return rule


def rule_delete(*, rule: Rule) -> None:
    _editable(rule.version)
    rule.delete()


@transaction.atomic
def rule_move(*, rule: Rule, offset: int) -> None:
    """Move a rule up (-1) or down (+1) in its version."""
    version = rule.version
    _editable(version)
    rules = list(version.rules.order_by("position", "id"))
    index = rules.index(rule)
    target = max(0, min(len(rules) - 1, index + offset))
    rules.insert(target, rules.pop(index))
    for position, item in enumerate(rules, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


@transaction.atomic
def tiers_set(*, version: RuleSetVersion, tiers: Iterable[tuple[str, int]]) -> None:
    _editable(version)
    version.tiers.all().delete()
    Tier.objects.bulk_create(
        Tier(version=version, label=label, min_score=score) for label, score in tiers
    )


def rule_set_default() -> RuleSet:
    rule_set, _created = RuleSet.objects.get_or_create(name="客户价值评分")
    return rule_set


@transaction.atomic
def p100_review_create(
    *,
    advisor: User,
    reviewer: User,
    comment: str,
    snapshot: list[int],
    notes: dict[int, tuple[bool, str]],
) -> P100Review:
    review = P100Review.objects.create(
        advisor=advisor, reviewer=reviewer, comment=comment, snapshot=snapshot
    )
    P100Note.objects.bulk_create(
        P100Note(review=review, client_id=client_id, flagged=flagged, comment=text)
        for client_id, (flagged, text) in notes.items()
        if flagged or text
    )
    return review
