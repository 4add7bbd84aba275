"""Writes of scoring: editing versions, publishing, set-based rescoring, P100 reviews."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Expression, F, IntegerField, Max, Min, Value, When
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from advisor_crm import locks
from advisor_crm.accounts.models import User
from advisor_crm.locks import advisory_lock
from advisor_crm.saving import row_save
from clients.models import Client
from kyc.models import IN_FORCE_STATUSES, ExistingPolicy
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

# Large enough that the fixed cost of each batch stays small next to its rows, small
# enough that progress moves and a crash loses little work.
BATCH_SIZE = 200_000
# Batches running at once on PostgreSQL, each on a connection of its own (and so a core
# of the database server): the machine this was measured on had two.
LANES = 2
# Publishing first runs the version's scoring query over this many clients, each
# statement stopped after TRIAL_TIMEOUT_MS on PostgreSQL: a rule that fails or crawls
# there would fail or crawl in the rescoring, and on every client save after it.
TRIAL_ROWS = 50
TRIAL_TIMEOUT_MS = 5000

logger = logging.getLogger(__name__)


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
    # One 0/1 expression per enabled rule: (bit position, points, expression).
    flags: tuple[tuple[int, int, Expression], ...] = ()
    # Tiers as (minimum, label), highest first; the last one catches every score.
    tiers: tuple[tuple[int, str], ...] = ()


def compile_version(version: RuleSetVersion, as_of: dt.date, *, cached: bool = False) -> Compiled:
    """The version as three SQL expressions over a client row.

    Score is the sum of the points of the rules whose condition is true; the mask has
    bit i set when the rule at position i fired; the tier is the first tier (highest
    minimum first) whose minimum the score reaches, else the lowest tier.
    """
    rules = [r for r in version.rules.all() if r.enabled]
    score: Expression = Value(0)
    mask: Expression = Value(0)
    flags = []
    for index, rule in enumerate(version.rules.all()):
        if not rule.enabled:
            continue
        condition = compile_sql(rule.condition, as_of, cached=cached)
        flag = Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
        flags.append((index, rule.points, flag))
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
    return Compiled(
        score=score,
        mask=mask,
        tier=tier,
        flags=tuple(flags),
        tiers=tuple((t.min_score, t.label) for t in tiers),
    )


def _today() -> dt.date:
    return timezone.localdate()


class _TrialOver(Exception):
    """Ends a trial run, so that its savepoint always rolls back."""


def version_trial(*, version: RuleSetVersion) -> list[str]:
    """Compile the version and run its scoring on a few clients; change nothing.

    1. In a savepoint, stop each statement after TRIAL_TIMEOUT_MS (PostgreSQL).
    2. Compile the version as rescoring does and run the rescoring's scoring SELECT
       over the first TRIAL_ROWS clients; compile it as the preview does and run that.
    3. Roll the savepoint back in any case (the timeout goes with it), and return the
       failure as a problem for the admin, or none.
    """
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('statement_timeout', %s, true)",
                        [f"{TRIAL_TIMEOUT_MS}ms"],
                    )
            ids = list(Client.objects.order_by("pk").values_list("pk", flat=True)[:TRIAL_ROWS])
            low, high = (ids[0] - 1, ids[-1]) if ids else (0, 0)
            select_sql, params = _scores_select(
                compile_version(version, _today(), cached=True), low, high
            )
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM ({select_sql}) AS trial", params)
                cursor.fetchone()
            uncached = compile_version(version, _today())
            list(
                Client.objects.filter(pk__in=ids)
                .annotate(trial_score=uncached.score, trial_tier=uncached.tier)
                .values_list("trial_score", "trial_tier")
            )
            raise _TrialOver
    except _TrialOver:
        return []
    except Exception as error:
        logger.warning("Trial run of rule-set version %s failed", version.pk, exc_info=True)
        return [
            _(
                "The rules could not be run on the clients' data, so nothing was published: "
                "%(error)s"
            )
            % {"error": str(error).strip()[:300] or type(error).__name__}
        ]


@transaction.atomic
def version_publish(*, version: RuleSetVersion, user: User) -> RescoreJob:
    """Publish a version (a draft, or an older one to roll back) and queue the rescoring.

    1. Refuse when the version has problems, or fails a trial run on the clients'
       data (version_trial); nothing changes then.
    2. Retire the published version of the rule set; mark this one published.
    3. Create the rescoring job, with what it replaced so that a failed rescoring can
       undo the publication (_publication_undo), and start it once the transaction
       commits.
    """
    # An edit of this draft's rules or tiers in progress finishes first (scoring.views
    # locks the version row too); the problems are then judged on what it saved.
    locked = RuleSetVersion.objects.select_for_update().filter(pk=version.pk).first()
    status_before = locked.status if locked is not None else version.status
    problems = version_problems(version) or version_trial(version=version)
    if problems:
        raise PublishError(problems)
    replaced = (
        RuleSetVersion.objects.filter(rule_set=version.rule_set, status=VersionStatus.PUBLISHED)
        .exclude(pk=version.pk)
        .order_by("-published_at")
        .first()
    )
    RuleSetVersion.objects.filter(
        rule_set=version.rule_set, status=VersionStatus.PUBLISHED
    ).exclude(pk=version.pk).update(status=VersionStatus.RETIRED)
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    job = _job_create(
        version=version,
        user=user,
        status_before="" if status_before == VersionStatus.PUBLISHED else status_before,
        replaced=replaced,
    )
    from scoring.tasks import rescore

    transaction.on_commit(lambda: rescore.delay(job.pk))
    return job


def _job_create(
    *,
    version: RuleSetVersion,
    user: User,
    status_before: str = "",
    replaced: RuleSetVersion | None = None,
) -> RescoreJob:
    """A rescoring job over every client of now."""
    bounds = Client.objects.aggregate(low=Min("pk"), high=Max("pk"))
    return RescoreJob.objects.create(
        version=version,
        requested_by=user,
        total=Client.objects.count(),
        last_pk=(bounds["low"] or 1) - 1,
        max_pk=bounds["high"] or 0,
        status_before=status_before,
        replaced=replaced,
    )


def _publication_undo(job_id: int) -> RescoreJob | None:
    """Undo the publication of a job whose rescoring failed; return the restoring job.

    1. Only a job that published its version, still the published one, is undone: a
       version published again since keeps its own job.
    2. The version goes back to what it was (a draft to mend, or retired); the version
       it replaced is published again.
    3. A job rescores every client with that version, so that the clients the failed
       job already scored are scored as before. It publishes nothing, so a failure of
       it undoes nothing further.
    """
    with transaction.atomic():
        job = (
            RescoreJob.objects.select_for_update(of=("self",))
            .select_related("replaced")
            .get(pk=job_id)
        )
        version = RuleSetVersion.objects.select_for_update().get(pk=job.version_id)
        if job.status_before == "" or version.status != VersionStatus.PUBLISHED:
            return None
        version.status = job.status_before
        fields = ["status"]
        if job.status_before == VersionStatus.DRAFT:
            version.published_at = None
            fields.append("published_at")
        version.save(update_fields=fields)
        notice = _("v%(number)s was withdrawn.") % {"number": version.number}
        restore = None
        if job.replaced is not None:
            RuleSetVersion.objects.filter(pk=job.replaced.pk).update(status=VersionStatus.PUBLISHED)
            restore = _job_create(version=job.replaced, user=job.requested_by)
            notice = _("v%(number)s was withdrawn; v%(previous)s is published again.") % {
                "number": version.number,
                "previous": job.replaced.number,
            }
            from scoring.tasks import rescore

            restore_id = restore.pk
            transaction.on_commit(lambda: rescore.delay(restore_id))
        RescoreJob.objects.filter(pk=job.pk).update(
            error=f"{notice}\n{job.error}"[:2000], status_before=""
        )
        return restore


def rescore_run(*, job_id: int, batch_size: int = BATCH_SIZE) -> RescoreJob:
    """Rescore every client in id ranges, each with a few set-based statements.

    Each range is a batch (see _batch_rescore) that commits together with the job's
    progress (last_pk), so a run that dies resumes after the last finished batch: no
    client is scored twice by the same job. On PostgreSQL, outside a transaction (a
    worker, the rescore command), two batches run at once (see _batches_in_lanes);
    otherwise (SQLite, or inside a transaction as in tests) one after the other.
    """
    lanes = connection.vendor == "postgresql" and not connection.in_atomic_block
    # A redelivered task waits for the run in progress, then finds the job done,
    # instead of scoring the same batches beside it.
    with advisory_lock(locks.RESCORE_JOB, job_id) if lanes else nullcontext():
        job = RescoreJob.objects.select_related("version").get(pk=job_id)
        if job.status == JobStatus.DONE:
            return job
        version = job.version
        if version.status != VersionStatus.PUBLISHED:
            # A late or redelivered job of a version that was rolled back or replaced
            # must not overwrite the scores of the version now published.
            RescoreJob.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED,
                error=_("v%(number)s is no longer published.") % {"number": version.number},
                finished_at=timezone.now(),
            )
            return RescoreJob.objects.get(pk=job.pk)
        compiled = compile_version(version, _today(), cached=True)
        RescoreJob.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, started_at=job.started_at or timezone.now(), error=""
        )
        try:
            if lanes:
                _batches_in_lanes(job, compiled, batch_size)
            else:
                _batches_in_turn(job, compiled, batch_size)
        except Exception as error:
            RescoreJob.objects.filter(pk=job_id).update(
                status=JobStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
            )
            # Never a version left published with only some clients scored by it.
            try:
                _publication_undo(job_id)
            except Exception:
                logger.exception("Could not undo the publication of rescore job %s", job_id)
            raise
        RescoreJob.objects.filter(pk=job_id).update(
            status=JobStatus.DONE, finished_at=timezone.now()
        )
        return RescoreJob.objects.get(pk=job_id)


def _batches_in_turn(job: RescoreJob, compiled: Compiled, batch_size: int) -> None:
    """Run the job's remaining batches one after the other on this connection."""
    while True:
        with transaction.atomic():
            job = RescoreJob.objects.select_for_update().get(pk=job.pk)
            if job.last_pk >= job.max_pk:
                return
            low, high = job.last_pk, min(job.last_pk + batch_size, job.max_pk)
            count = _batch_rescore(compiled, job.version_id, low, high)
            job.last_pk, job.done = high, job.done + count
            job.save(update_fields=["last_pk", "done"])


def _batches_in_lanes(job: RescoreJob, compiled: Compiled, batch_size: int) -> None:
    """Run the job's remaining batches LANES at a time, each on a connection of its own.

    1. Cut the ids after last_pk into the same batches as _batches_in_turn.
    2. A pool of LANES threads takes them in order, so that one batch scores while
       another writes; a batch is one PostgreSQL backend busy on one core.
    3. Each batch commits only after the one before it has, and never if that one
       failed, recording its end as last_pk: the committed batches are always the
       first ones, and a rerun after a crash continues after them, as in turn.
    """
    ranges = [
        (low, min(low + batch_size, job.max_pk))
        for low in range(job.last_pk, job.max_pk, batch_size)
    ]
    pool = ThreadPoolExecutor(max_workers=LANES)
    try:
        previous: Future[None] | None = None
        batches = []
        for low, high in ranges:
            previous = pool.submit(
                _batch_in_lane, job.pk, compiled, job.version_id, low, high, previous
            )
            batches.append(previous)
        for batch in batches:
            batch.result()
    finally:
        # After a failure the batches not started yet never start; those running roll
        # back when they find the failed one before them.
        pool.shutdown(cancel_futures=True)


def _batch_in_lane(
    job_id: int,
    compiled: Compiled,
    version_id: int,
    low: int,
    high: int,
    previous: Future[None] | None,
) -> None:
    try:
        with transaction.atomic():
            count = _batch_rescore(compiled, version_id, low, high)
            if previous is not None:
                previous.result()
            RescoreJob.objects.filter(pk=job_id).update(last_pk=high, done=F("done") + count)
    finally:
        # The thread's own connection; the next batch of this thread opens a new one.
        connection.close()


def _batch_rescore(compiled: Compiled, version_id: int, low: int, high: int) -> int:
    """Rescore the clients with ids in (low, high]; return how many there are.

    1. Refresh the cached referral and policy aggregates that changed
       (_aggregates_refresh), so that the rules read current ones.
    2. Score every client of the range that has a score row (_scores_write).
    3. If that was fewer than the range's clients, some are new (or were imported in
       bulk): create their rows, aggregates included, and score just those.
    """
    count = Client.objects.filter(pk__gt=low, pk__lte=high).count()
    _aggregates_refresh(low, high)
    if _scores_write(compiled, version_id, low, high) < count:
        _rows_create(low, high)
        _scores_write(compiled, version_id, low, high, unscored_only=True)
    return count


# Plain SQL for the fixed plumbing of a batch; the rules themselves are compiled by
# Django (see _scores_write). Both PostgreSQL and SQLite accept these statements.
# PostgreSQL does not carry a range condition across a join, so the score rows are
# bounded to the batch's id range explicitly; otherwise each batch scans them all.
_REFERRALS_SQL = """
SELECT referred_by_id AS id, COUNT(*) AS n FROM clients_client
WHERE referred_by_id > %s AND referred_by_id <= %s GROUP BY referred_by_id
"""

# "In force" as kyc.models defines it (IN_FORCE_STATUSES), written out once for the
# set-based statements. The statuses are fixed choice values, never user input.
_POLICY_TABLE = ExistingPolicy._meta.db_table
_IN_FORCE_SQL = "status IN ({})".format(
    ", ".join(f"'{s.value}'" for s in sorted(IN_FORCE_STATUSES))
)

_POLICIES_SQL = f"""
SELECT client_id AS id, COUNT(*) AS n, SUM(annual_premium) AS total FROM {_POLICY_TABLE}
WHERE {_IN_FORCE_SQL} AND client_id > %s AND client_id <= %s GROUP BY client_id
"""

# Only clients with a referral or a policy in force, and score rows that still count
# some (found through the clientscore_aggregates partial index), can have a stale
# aggregate: the statement reads those few, not every client of the range.
_AGGREGATES_SQL = f"""
UPDATE scoring_clientscore SET referrals = a.referrals, policies = a.policies, premium = a.premium
FROM (
    SELECT k.id, COALESCE(r.n, 0) AS referrals, COALESCE(p.n, 0) AS policies,
           COALESCE(p.total, 0) AS premium
    FROM (
        SELECT referred_by_id AS id FROM clients_client
        WHERE referred_by_id > %s AND referred_by_id <= %s
        UNION
        SELECT client_id FROM {_POLICY_TABLE}
        WHERE {_IN_FORCE_SQL} AND client_id > %s AND client_id <= %s
        UNION
        SELECT client_id FROM scoring_clientscore
        WHERE client_id > %s AND client_id <= %s
          AND (referrals <> 0 OR policies <> 0 OR premium <> 0)
    ) k
    LEFT JOIN ({_REFERRALS_SQL}) r ON r.id = k.id
    LEFT JOIN ({_POLICIES_SQL}) p ON p.id = k.id
) a
WHERE scoring_clientscore.client_id = a.id
  AND scoring_clientscore.client_id > %s AND scoring_clientscore.client_id <= %s AND (
       scoring_clientscore.referrals IS DISTINCT FROM a.referrals
    OR scoring_clientscore.policies IS DISTINCT FROM a.policies
    OR scoring_clientscore.premium IS DISTINCT FROM a.premium)
"""

_NEW_ROWS_SQL = f"""
INSERT INTO scoring_clientscore
    (client_id, owner_id, score, tier, matched_rules, referrals, policies, premium, updated_at)
SELECT c.id, c.owner_id, 0, '', 0, COALESCE(r.n, 0), COALESCE(p.n, 0), COALESCE(p.total, 0), %s
FROM clients_client c
LEFT JOIN ({_REFERRALS_SQL}) r ON r.id = c.id
LEFT JOIN ({_POLICIES_SQL}) p ON p.id = c.id
WHERE c.id > %s AND c.id <= %s
  AND NOT EXISTS (SELECT 1 FROM scoring_clientscore s
                  WHERE s.client_id = c.id AND s.client_id > %s AND s.client_id <= %s)
"""


def _aggregates_refresh(low: int, high: int) -> None:
    """Update the cached aggregates of the range's score rows where they changed.

    It writes only what is different, so a rescoring after a rule change reads the
    aggregates but rewrites (and locks) no row for them.
    """
    with connection.cursor() as cursor:
        cursor.execute(_AGGREGATES_SQL, [low, high] * 6)


def _rows_create(low: int, high: int) -> None:
    """Create the missing score rows of the range, with their aggregates."""
    with connection.cursor() as cursor:
        cursor.execute(_NEW_ROWS_SQL, [timezone.now()] + [low, high] * 4)


def _scores_write(
    compiled: Compiled, version_id: int, low: int, high: int, *, unscored_only: bool = False
) -> int:
    """Write the new scores of a range, record the changes in the history, and return
    how many clients were scored (those of the range with a score row).

    The same UPDATE brings the row's owner up to date. On PostgreSQL this is one
    statement: the scoring SELECT already joins each client's score row for the cached
    aggregates, so it also carries the old score, tier and version to the UPDATE's
    RETURNING, and the history gets exactly the clients whose score or tier changed
    (and those scored for the first time). SQLite has no data-modifying CTEs; there the
    history gets a row for every client scored.

    With unscored_only, only rows that no version has scored yet (just created) are.
    """
    select_sql, params = _scores_select(compiled, low, high, unscored_only=unscored_only)
    now = timezone.now()
    update = (
        "UPDATE scoring_clientscore SET score = x.new_score, matched_rules = x.new_mask, "
        "tier = x.new_tier, version_id = %s, updated_at = %s, owner_id = x.new_owner "
        f"FROM ({select_sql}) AS x WHERE scoring_clientscore.client_id = x.cid "
        "AND scoring_clientscore.client_id > %s AND scoring_clientscore.client_id <= %s"
    )
    update_params = [version_id, now, *params, low, high]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH changed AS ({update} RETURNING scoring_clientscore.client_id, "
                "scoring_clientscore.score, scoring_clientscore.tier, "
                "x.old_score, x.old_tier, x.old_version), "
                "history AS (INSERT INTO scoring_scorehistory "
                "(client_id, version_id, score, tier, created_at) "
                "SELECT client_id, %s, score, tier, %s FROM changed "
                "WHERE old_version IS NULL OR old_score <> score OR old_tier <> tier) "
                "SELECT COUNT(*) FROM changed",
                [*update_params, version_id, now],
            )
            (count,) = cursor.fetchone()
            return int(count)
        cursor.execute(update, update_params)
        count = cursor.rowcount
        cursor.execute(
            "INSERT INTO scoring_scorehistory (client_id, version_id, score, tier, created_at) "
            "SELECT client_id, %s, score, tier, %s FROM scoring_clientscore "
            "WHERE client_id > %s AND client_id <= %s AND updated_at = %s",
            [version_id, now, low, high, now],
        )
        return count


def _scores_select(
    compiled: Compiled, low: int, high: int, *, unscored_only: bool = False
) -> tuple[str, list[Any]]:
    """The SELECT of the new score, mask and tier of the range's scored clients, with
    their owner and old score, tier and version (see _scores_write)."""
    # Each rule's condition is evaluated once per client, as a 0/1 flag in the
    # Django-compiled SELECT; the score, the mask and the tier are then plain arithmetic
    # on those flags, generated here from integers only (labels go in as parameters).
    # "OFFSET 0" keeps each level a subquery of its own: flattened into one, the
    # planner would copy every flag's condition into the score, the mask, each tier
    # threshold and the RETURNING list, and evaluate each rule up to six times a row.
    names = [f"f{index}" for index, _points, _flag in compiled.flags]
    clients = (
        Client.objects.filter(pk__gt=low, pk__lte=high)
        # Only clients with a score row are scored (see _batch_rescore); bounding that
        # row's id too lets PostgreSQL read only the range's rows.
        .filter(value__client_id__gt=low, value__client_id__lte=high)
    )
    if unscored_only:
        clients = clients.filter(value__version__isnull=True)
    scored = clients.annotate(
        cid=F("pk"),
        new_owner=F("owner_id"),
        old_score=F("value__score"),
        old_tier=F("value__tier"),
        old_version=F("value__version_id"),
        **{name: flag for name, (_i, _p, flag) in zip(names, compiled.flags, strict=True)},
    ).values_list("cid", "new_owner", "old_score", "old_tier", "old_version", *names)
    flags_sql, flag_params = scored.query.sql_with_params()
    score_sum = (
        " + ".join(f"x.f{index} * {int(points)}" for index, points, _flag in compiled.flags) or "0"
    )
    mask_sum = (
        " + ".join(f"x.f{index} * {1 << index}" for index, _points, _flag in compiled.flags) or "0"
    )
    whens = " ".join("WHEN y.new_score >= %s THEN %s" for _tier in compiled.tiers[:-1])
    tier_params: list[object] = [
        value for minimum, label in compiled.tiers[:-1] for value in (minimum, label)
    ]
    lowest = compiled.tiers[-1][1] if compiled.tiers else ""
    tier_sql = f"CASE {whens} ELSE %s END" if compiled.tiers[:-1] else "%s"
    fence = " OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1 OFFSET 0"
    select_sql = (
        f"SELECT y.*, {tier_sql} AS new_tier FROM "
        "(SELECT x.cid, x.new_owner, x.old_score, x.old_tier, x.old_version, "
        f"({score_sum}) AS new_score, ({mask_sum}) AS new_mask "
        f"FROM ({flags_sql}{fence}) AS x{fence}) AS y"
    )
    return select_sql, [*tier_params, lowest, *flag_params]


def clients_score_refresh(*, client_ids: Iterable[int]) -> None:
    """Score some clients with the published version, each as a batch of one.

    Called, through the lower apps' events, whenever a fact a rule may read changes
    (scoring/receivers.py), so that P100 and the client page never wait for the next
    publish. The version is compiled once for all of them.
    """
    ids = sorted(set(client_ids))
    if not ids:
        return
    version = (
        RuleSetVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .order_by("-published_at")
        .first()
    )
    if version is None:
        return
    compiled = compile_version(version, _today(), cached=True)
    with transaction.atomic():
        for client_id in ids:
            _batch_rescore(compiled, version.pk, client_id - 1, client_id)


def rescore_now(
    *, version: RuleSetVersion, user: User, batch_size: int = BATCH_SIZE
) -> tuple[RescoreJob, float]:
    """Rescore synchronously with the published version (the `rescore` command)."""
    job = _job_create(version=version, user=user)
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
    return row_save(instance=rule, fields=["label", "condition", "points", "enabled"])


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
    """Sign off an advisor's P100 with a note per client (flag and comment).

    A note the lead leaves as it was in the previous review keeps the advisor's reply
    and acknowledgement: signing off again must not ask the advisor to answer the same
    note twice. A changed note starts unanswered.
    """
    previous = P100Review.objects.filter(advisor=advisor).order_by("-created_at", "-id").first()
    answered = {
        n.client_id: n
        for n in (
            previous.notes.exclude(acknowledged_at=None) if previous else P100Note.objects.none()
        )
    }
    review = P100Review.objects.create(
        advisor=advisor, reviewer=reviewer, comment=comment, snapshot=snapshot
    )
    new_notes = []
    for client_id, (flagged, text) in notes.items():
        if not (flagged or text):
            continue
        note = P100Note(review=review, client_id=client_id, flagged=flagged, comment=text)
        earlier = answered.get(client_id)
        if earlier and (earlier.flagged, earlier.comment) == (flagged, text):
            note.reply, note.acknowledged_at = earlier.reply, earlier.acknowledged_at
        new_notes.append(note)
    P100Note.objects.bulk_create(new_notes)
    return review


def p100_note_acknowledge(*, note: P100Note, reply: str) -> P100Note:
    """The advisor acknowledges a lead's note, with an optional reply (again to change it)."""
    note.reply = reply.strip()
    note.full_clean(exclude=["review", "client"])
    note.acknowledged_at = timezone.now()
    return row_save(instance=note, fields=["reply", "acknowledged_at"])
