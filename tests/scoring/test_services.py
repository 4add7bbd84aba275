"""Publishing, set-based rescoring in batches, resuming, rolling back, editing drafts."""

from __future__ import annotations

import io
import math
import re
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from advisor_crm.accounts.models import User
from clients.models import Client
from scoring import services
from scoring.conditions import parse
from scoring.explain import explain, mask_for
from scoring.models import (
    MAX_RULES,
    ClientScore,
    JobStatus,
    RescoreJob,
    Rule,
    RuleSetVersion,
    ScoreHistory,
    VersionStatus,
)
from scoring.services import PublishError, VersionLocked
from tests.conftest import Cast
from tests.factories import make_client, make_policy, make_version

RULES = (
    ("高收入", "annual_income >= 1000000", 30),
    ("互联网", 'industry = "internet"', 10),
    ("健康风险", "health_flag = true", -15),
)
TIERS = (("金", 30), ("银", 10), ("铜", -1000))


@pytest.fixture
def clients(cast: Cast) -> dict[str, tuple[Client, tuple[int, str, int]]]:
    """Clients with the (score, tier, matched-rules mask) that RULES and TIERS give them."""
    made = {
        "rich": make_client(
            owner=cast.advisor, annual_income=Decimal(2_000_000), industry="finance"
        ),
        "rich_sick": make_client(
            owner=cast.teammate,
            annual_income=Decimal(1_500_000),
            industry="internet",
            health_flag=True,
        ),
        "nothing": make_client(owner=cast.advisor, annual_income=None, industry=""),
        "sick": make_client(
            owner=cast.outsider,
            annual_income=Decimal(100_000),
            industry="finance",
            health_flag=True,
        ),
    }
    expected = {
        "rich": (30, "金", 0b001),
        "rich_sick": (25, "银", 0b111),
        "nothing": (0, "铜", 0b000),
        "sick": (-15, "铜", 0b100),
    }
    result = {key: (client, expected[key]) for key, client in made.items()}
    # The cast's clients earn 300,000 yuan in the internet industry.
    for key in ("advisor_client", "teammate_client", "outsider_client"):
        result[key] = (getattr(cast, key), (10, "银", 0b010))
    return result


def _scores() -> dict[int, tuple[int, str, int, int | None]]:
    """Every stored client value: (score, tier, matched-rules mask, version id)."""
    return {
        client_id: (score, tier, mask, version)
        for client_id, score, tier, mask, version in ClientScore.objects.values_list(
            "client_id", "score", "tier", "matched_rules", "version"
        )
    }


def _value(client: Client) -> tuple[int, str, int]:
    stored = ClientScore.objects.get(client=client)
    return (stored.score, stored.tier, stored.matched_rules)


def _scored_ids(version: RuleSetVersion) -> set[int]:
    return set(ClientScore.objects.filter(version=version).values_list("client_id", flat=True))


def _publish_and_run(version: RuleSetVersion, user: User, batch_size: int = 2) -> RescoreJob:
    job = services.version_publish(version=version, user=user)
    return services.rescore_run(job_id=job.pk, batch_size=batch_size)


def _en_problems(version: RuleSetVersion) -> list[str]:
    with translation.override("en"):
        return services.version_problems(version)


# Problems keep a version from being published ------------------------------------------


def test_it_finds_no_problem_in_a_good_version(cast: Cast) -> None:
    assert services.version_problems(make_version(created_by=cast.admin)) == []


@pytest.mark.parametrize(
    ("rules", "tiers", "problem"),
    [
        ((), TIERS, "The rule set has no enabled rule."),
        (RULES, (), "Define at least one tier."),
        (
            RULES,
            (("金", 30), ("银", 30), ("铜", -1000)),
            "Two tiers have the same minimum score; thresholds must not overlap.",
        ),
        (RULES, (("金", 30), (" ", -1000)), "Every tier needs a label."),
        (
            tuple((f"r{i}", "late_payments >= 0", 1) for i in range(MAX_RULES + 1)),
            TIERS,
            f"At most {MAX_RULES} rules per version.",
        ),
    ],
    ids=["empty rule set", "no tier", "overlapping tiers", "blank tier", "too many rules"],
)
def test_it_refuses_to_publish_a_version_with_a_problem(
    cast: Cast,
    clients: dict[str, Any],
    rules: tuple[tuple[str, str, int], ...],
    tiers: tuple[tuple[str, int], ...],
    problem: str,
) -> None:
    published = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    _publish_and_run(published, cast.admin)
    before, jobs = _scores(), RescoreJob.objects.count()
    draft = make_version(created_by=cast.admin, rules=rules, tiers=tiers)

    assert problem in _en_problems(draft)
    with translation.override("en"), pytest.raises(PublishError) as raised:
        services.version_publish(version=draft, user=cast.admin)

    assert problem in raised.value.problems
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, draft.published_at) == (VersionStatus.DRAFT, None)
    assert published.status == VersionStatus.PUBLISHED
    assert RescoreJob.objects.count() == jobs
    assert _scores() == before


def test_it_counts_only_enabled_rules(cast: Cast) -> None:
    version = make_version(created_by=cast.admin, rules=RULES)
    version.rules.update(enabled=False)
    assert "The rule set has no enabled rule." in _en_problems(version)


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        (
            {"cmp": ">=", "field": "salary", "value": {"number": "1"}},
            "Rule “互联网”: Unknown field “salary”.",
        ),
        (
            {"cmp": "=", "field": "annual_income", "value": {"text": "high"}},
            "Rule “互联网”: “annual_income” is a number; compare it with a number.",
        ),
        ({"and": []}, "Rule “互联网”: Malformed condition."),
        ("industry = 'internet'", "Rule “互联网”: Malformed condition."),
        ({"cmp": "=", "field": "age"}, "Rule “互联网”: Malformed condition."),
    ],
    ids=["unknown field", "wrong type", "empty and", "text instead of tree", "missing value"],
)
def test_it_refuses_to_publish_a_malformed_stored_condition(
    cast: Cast, clients: dict[str, Any], condition: Any, problem: str
) -> None:
    draft = make_version(created_by=cast.admin, rules=RULES)
    Rule.objects.filter(version=draft, label="互联网").update(condition=condition)
    before = _scores()

    assert _en_problems(draft) == [problem]
    with pytest.raises(PublishError):
        services.version_publish(version=draft, user=cast.admin)

    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert not RescoreJob.objects.exists()
    assert _scores() == before


# Publishing ----------------------------------------------------------------------------


def test_it_publishes_and_queues_the_rescoring_on_commit(
    cast: Cast, clients: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.version_publish(version=version, user=cast.admin)

    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_at is not None
    ids = sorted(Client.objects.values_list("pk", flat=True))
    assert (job.status, job.total, job.done) == (JobStatus.QUEUED, len(ids), 0)
    assert (job.last_pk, job.max_pk) == (ids[0] - 1, ids[-1])
    assert job.requested_by == cast.admin
    assert len(callbacks) == 1
    # Nothing is rescored before the transaction commits and the task runs.
    assert not ClientScore.objects.exists()


@pytest.fixture
def celery_eager() -> Iterator[None]:
    from advisor_crm.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def test_it_rescores_everyone_when_the_task_runs_after_commit(
    cast: Cast,
    clients: dict[str, Any],
    celery_eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.version_publish(version=version, user=cast.admin)

    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.DONE, len(clients))
    for client, expected in clients.values():
        assert _value(client) == expected


def test_it_retires_the_published_version_when_another_is_published(cast: Cast) -> None:
    first = make_version(created_by=cast.admin)
    second = make_version(created_by=cast.admin, rule_set=first.rule_set)
    services.version_publish(version=first, user=cast.admin)
    services.version_publish(version=second, user=cast.admin)

    statuses = dict(RuleSetVersion.objects.values_list("pk", "status"))
    assert statuses == {first.pk: VersionStatus.RETIRED, second.pk: VersionStatus.PUBLISHED}


# Rescoring -----------------------------------------------------------------------------


def test_it_writes_scores_tiers_masks_and_history_for_everyone_in_batches(
    cast: Cast, clients: dict[str, Any]
) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    job = services.version_publish(version=version, user=cast.admin)
    assert math.ceil((job.max_pk - job.last_pk) / 2) >= 3

    job = services.rescore_run(job_id=job.pk, batch_size=2)

    assert (job.status, job.done, job.total) == (JobStatus.DONE, 7, 7)
    assert job.last_pk == job.max_pk
    assert job.started_at is not None and job.finished_at is not None
    assert job.percent == 100
    for client, (score, tier, mask) in clients.values():
        assert _value(client) == (score, tier, mask)
        assert ClientScore.objects.get(client=client).version == version
        history = ScoreHistory.objects.get(client=client)
        assert (history.version, history.score, history.tier) == (version, score, tier)


def _rescore_statements(user: User, version: RuleSetVersion) -> int:
    job = services.version_publish(version=version, user=user)
    with CaptureQueriesContext(connection) as queries:
        services.rescore_run(job_id=job.pk, batch_size=100_000)
    return len(queries)


def test_it_rescores_set_based_whatever_the_number_of_clients(cast: Cast) -> None:
    """One batch costs the same statements for 3 clients as for 83: no loop over rows."""
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    few = _rescore_statements(cast.admin, version)
    Client.objects.bulk_create(
        Client(owner=cast.advisor, name=f"批量{i}", annual_income=Decimal(i * 100_000))
        for i in range(80)
    )

    many = _rescore_statements(cast.admin, version)

    assert many == few
    assert len(_scored_ids(version)) == 83
    assert _value(Client.objects.get(name="批量10")) == (30, "金", 0b001)  # 1,000,000 yuan
    assert _value(Client.objects.get(name="批量9")) == (0, "铜", 0b000)


def test_it_resumes_after_a_crash_without_scoring_anyone_twice(
    cast: Cast, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    job = services.version_publish(version=version, user=cast.admin)
    first_pk = job.last_pk + 1
    real_save = RescoreJob.save
    saves = Counter[str]()

    class WorkerLost(BaseException):
        """The worker process dies: no exception handler of the job runs (an error
        would fail the job and withdraw the version, see test_condition_limits)."""

    def crash_on_third_batch(self: RescoreJob, *args: Any, **kwargs: Any) -> None:
        # The worker dies after writing the third batch, before its progress is saved.
        saves["batch"] += 1
        if saves["batch"] == 3:
            raise WorkerLost
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(RescoreJob, "save", crash_on_third_batch)
    with pytest.raises(WorkerLost):
        services.rescore_run(job_id=job.pk, batch_size=2)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert (job.last_pk, job.done) == (first_pk + 3, 4)
    # The third batch was rolled back with its progress: its clients are unscored.
    assert _scored_ids(version) == set(range(first_pk, first_pk + 4))
    assert ScoreHistory.objects.count() == 4

    monkeypatch.setattr(RescoreJob, "save", real_save)
    job = services.rescore_run(job_id=job.pk, batch_size=2)

    assert (job.status, job.done, job.error) == (JobStatus.DONE, 7, "")
    assert _scored_ids(version) == {client.pk for client, _expected in clients.values()}
    _assert_scored_once_as_expected(clients, version)


def _assert_scored_once_as_expected(
    clients: dict[str, Any], version: RuleSetVersion | None = None
) -> None:
    """Each client has its expected value and one history row (of version, if given)."""
    history = (
        ScoreHistory.objects.all()
        if version is None
        else ScoreHistory.objects.filter(version=version)
    )
    per_client = Counter(history.values_list("client_id", flat=True))
    assert per_client == Counter({client.pk: 1 for client, _expected in clients.values()})
    for client, expected in clients.values():
        assert _value(client) == expected


def _job_of(version: RuleSetVersion, user: User) -> RescoreJob:
    """A queued job of a published version, without queueing a task (no worker here)."""
    version.status = VersionStatus.PUBLISHED
    version.save(update_fields=["status"])
    ids = list(Client.objects.order_by("pk").values_list("pk", flat=True))
    return RescoreJob.objects.create(
        version=version, requested_by=user, total=len(ids), last_pk=ids[0] - 1, max_pk=ids[-1]
    )


def test_it_rescores_in_lanes_with_committed_data(
    transactional_db: None,
    cast: Cast,
    clients: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outside a transaction (a worker, the command) batches run on two connections."""
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    job = _job_of(version, cast.admin)
    lanes = Counter[str]()
    real_lane = services._batch_in_lane

    def counted_lane(*args: Any) -> None:
        lanes[threading.current_thread().name] += 1
        real_lane(*args)

    monkeypatch.setattr(services, "_batch_in_lane", counted_lane)

    job = services.rescore_run(job_id=job.pk, batch_size=2)

    assert sum(lanes.values()) == 4 and threading.current_thread().name not in lanes
    assert (job.status, job.done, job.last_pk == job.max_pk) == (JobStatus.DONE, 7, True)
    _assert_scored_once_as_expected(clients)


def test_it_commits_lanes_in_order_and_resumes_after_a_failed_batch(
    transactional_db: None,
    cast: Cast,
    clients: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch fails while the next one runs beside it: neither commits, the two before
    do, and the rerun scores only the clients after them."""
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    job = _job_of(version, cast.admin)
    first_pk = job.last_pk + 1
    real_batch = services._batch_rescore

    def fail_third_batch(compiled: Any, version_id: int, low: int, high: int) -> int:
        if low == first_pk + 3:
            raise RuntimeError("database went away")
        return real_batch(compiled, version_id, low, high)

    monkeypatch.setattr(services, "_batch_rescore", fail_third_batch)
    with pytest.raises(RuntimeError):
        services.rescore_run(job_id=job.pk, batch_size=2)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "database went away" in job.error
    assert (job.last_pk, job.done) == (first_pk + 3, 4)
    assert _scored_ids(version) == set(range(first_pk, first_pk + 4))
    assert ScoreHistory.objects.count() == 4

    monkeypatch.setattr(services, "_batch_rescore", real_batch)
    job = services.rescore_run(job_id=job.pk, batch_size=2)

    assert (job.status, job.done, job.error) == (JobStatus.DONE, 7, "")
    _assert_scored_once_as_expected(clients)


def test_it_counts_referrals_and_policies_across_batches(cast: Cast) -> None:
    """The aggregates are refreshed at each rescoring, whichever batch the referred
    clients and the policies fall in."""
    rules = (
        ("枢纽客户", "referrals >= 2", 20),
        ("已有保单", "policies >= 1", 10),
        ("保费十万", "annual_premium >= 100000", 5),
    )
    version = make_version(created_by=cast.admin, rules=rules, tiers=TIERS)
    hub = make_client(owner=cast.advisor, name="枢纽")
    insured = make_client(owner=cast.advisor, name="投保")
    referred = [
        make_client(owner=cast.teammate, name=f"转介绍{i}", referred_by=hub) for i in range(3)
    ]
    hub_policy = make_policy(client=hub, annual_premium=Decimal(12_000))
    make_policy(client=hub, annual_premium=Decimal(500_000), status="lapsed")
    make_policy(client=insured, annual_premium=Decimal(60_000))
    make_policy(client=insured, annual_premium=Decimal(40_000))

    _publish_and_run(version, cast.admin)

    assert _value(hub) == (30, "金", 0b011)
    assert _value(insured) == (15, "银", 0b110)
    assert explain(hub, version).score == 30

    hub_policy.status = "lapsed"
    hub_policy.save()
    for client in referred[:2]:
        client.delete()
    _publish_and_run(version, cast.admin)

    assert _value(hub) == (0, "铜", 0)
    assert explain(hub, version).score == 0


def test_it_continues_a_job_from_its_saved_progress(cast: Cast, clients: dict[str, Any]) -> None:
    """A job that stopped half way scores only the clients after its last_pk."""
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    job = services.version_publish(version=version, user=cast.admin)
    middle = job.last_pk + 4
    RescoreJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, last_pk=middle, done=4)

    job = services.rescore_run(job_id=job.pk, batch_size=2)

    assert (job.status, job.done) == (JobStatus.DONE, 7)
    assert _scored_ids(version) == set(
        Client.objects.filter(pk__gt=middle).values_list("pk", flat=True)
    )
    assert ScoreHistory.objects.filter(version=version).count() == 3


def test_it_does_nothing_when_a_finished_job_runs_again(
    cast: Cast, clients: dict[str, Any]
) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    job = _publish_and_run(version, cast.admin)
    finished_at = job.finished_at
    client = clients["nothing"][0]
    Client.objects.filter(pk=client.pk).update(annual_income=Decimal(5_000_000))

    with CaptureQueriesContext(connection) as queries:
        again = services.rescore_run(job_id=job.pk, batch_size=2)

    assert again.status == JobStatus.DONE
    assert again.finished_at == finished_at
    assert not [q for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert _value(client) == (0, "铜", 0)
    assert ScoreHistory.objects.count() == 7


def test_it_rolls_back_by_publishing_a_retired_version_again(
    cast: Cast, clients: dict[str, Any]
) -> None:
    first = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    _publish_and_run(first, cast.admin)
    scores_first = _scores()
    second = services.version_new_draft(source=first, user=cast.admin)
    rich_rule = second.rules.get(label="高收入")
    services.rule_save(
        version=second,
        rule=rich_rule,
        label=rich_rule.label,
        condition=rich_rule.condition,
        points=5,
        enabled=True,
    )
    _publish_and_run(second, cast.admin)
    rich = clients["rich"][0]
    assert _value(rich) == (5, "铜", 0b001)
    assert ClientScore.objects.get(client=rich).version == second

    _publish_and_run(first, cast.admin)

    statuses = dict(RuleSetVersion.objects.values_list("pk", "status"))
    assert statuses == {first.pk: VersionStatus.PUBLISHED, second.pk: VersionStatus.RETIRED}
    assert _scores() == scores_first
    assert list(
        ScoreHistory.objects.filter(client=rich).order_by("id").values_list("version", "score")
    ) == [(first.pk, 30), (second.pk, 5), (first.pk, 30)]


def test_it_does_not_let_a_late_job_of_a_retired_version_overwrite_the_scores(
    cast: Cast, clients: dict[str, Any]
) -> None:
    """A job redelivered after a newer publish must not bring back the old scores.

    The task is acks_late, so a job of v2 can run after v1 was published again (a
    rollback) and its job finished; the clients must then keep v1's scores.
    """
    first = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    _publish_and_run(first, cast.admin)
    second = make_version(
        created_by=cast.admin, rule_set=first.rule_set, rules=(("所有人", "age is empty", 99),)
    )
    stale = services.version_publish(version=second, user=cast.admin)
    _publish_and_run(first, cast.admin)
    scores_first = _scores()

    services.rescore_run(job_id=stale.pk, batch_size=2)

    assert _scores() == scores_first


def test_it_stores_the_mask_of_as_many_rules_as_allowed(cast: Cast) -> None:
    rules = tuple((f"r{i}", "late_payments >= 0", 1) for i in range(MAX_RULES))
    version = make_version(created_by=cast.admin, rules=rules, tiers=TIERS)

    _publish_and_run(version, cast.admin, batch_size=100)

    assert _value(cast.advisor_client) == (MAX_RULES, "金", (1 << MAX_RULES) - 1)
    assert mask_for(cast.advisor_client, version) == (1 << MAX_RULES) - 1


def test_it_keeps_a_disabled_rule_out_of_score_and_mask(
    cast: Cast, clients: dict[str, Any]
) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    version.rules.filter(label="互联网").update(enabled=False)

    _publish_and_run(version, cast.admin)

    rich_sick = clients["rich_sick"][0]
    assert _value(rich_sick) == (15, "银", 0b101)


def test_it_explains_exactly_the_stored_score_and_tier(cast: Cast, clients: dict[str, Any]) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    _publish_and_run(version, cast.admin)

    for client, _expected in clients.values():
        score, tier, mask = _value(client)
        explanation = explain(client, version)
        assert (explanation.score, explanation.tier) == (score, tier)
        assert mask_for(client, version) == mask
        assert sum(r.points for r in explanation.fired) == score

    rich_sick = Client.objects.get(pk=clients["rich_sick"][0].pk)
    fired = [(r.rule.label, r.points) for r in explain(rich_sick, version).fired]
    assert fired == [("高收入", 30), ("互联网", 10), ("健康风险", -15)]


def test_it_rescores_from_the_command_and_reports_rows_and_seconds(
    cast: Cast, clients: dict[str, Any]
) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    services.version_publish(version=version, user=cast.admin)
    out = io.StringIO()

    call_command("rescore", "--batch-size", "3", stdout=out)

    assert re.fullmatch(
        r"Rescored 7 rows with v1 in \d+\.\d\d s \([\d,]+ rows/s\)\.\n", out.getvalue()
    )
    assert len(_scored_ids(version)) == 7
    job = RescoreJob.objects.order_by("-pk").first()
    assert job is not None and (job.status, job.done) == (JobStatus.DONE, 7)


def test_it_refuses_to_rescore_from_the_command_without_a_published_version(cast: Cast) -> None:
    make_version(created_by=cast.admin)
    with pytest.raises(CommandError, match="No published rule set"):
        call_command("rescore", stdout=io.StringIO())


# Editing -------------------------------------------------------------------------------


def test_it_copies_a_version_into_a_new_draft(cast: Cast) -> None:
    source = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    source.rules.filter(label="互联网").update(enabled=False)
    services.version_publish(version=source, user=cast.admin)

    draft = services.version_new_draft(source=source, user=cast.lead)

    assert (draft.number, draft.status, draft.created_by) == (2, VersionStatus.DRAFT, cast.lead)
    assert list(draft.rules.values_list("label", "condition", "points", "enabled")) == list(
        source.rules.values_list("label", "condition", "points", "enabled")
    )
    assert list(draft.tiers.values_list("label", "min_score")) == list(TIERS)
    assert source.rules.count() == 3


@pytest.mark.parametrize("status", [VersionStatus.PUBLISHED, VersionStatus.RETIRED])
def test_it_locks_published_and_retired_versions(cast: Cast, status: str) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS, status=status)
    rule = version.rules.get(label="高收入")
    before = list(version.rules.values_list("pk", "position", "label", "condition", "points"))

    with pytest.raises(VersionLocked):
        services.rule_save(
            version=version, rule=rule, label="改", condition=rule.condition, points=1, enabled=True
        )
    with pytest.raises(VersionLocked):
        services.rule_save(
            version=version,
            rule=None,
            label="新",
            condition=parse("age >= 30"),
            points=1,
            enabled=True,
        )
    with pytest.raises(VersionLocked):
        services.rule_move(rule=rule, offset=1)
    with pytest.raises(VersionLocked):
        services.rule_delete(rule=rule)
    with pytest.raises(VersionLocked):
        services.tiers_set(version=version, tiers=[("唯一", 0)])

    assert list(version.rules.values_list("pk", "position", "label", "condition", "points")) == (
        before
    )
    assert list(version.tiers.values_list("label", "min_score")) == list(TIERS)


def test_it_appends_edits_and_deletes_rules_of_a_draft(cast: Cast) -> None:
    draft = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    added = services.rule_save(
        version=draft, rule=None, label="新", condition=parse("age >= 30"), points=3, enabled=True
    )
    assert list(draft.rules.values_list("label", flat=True)) == [
        "高收入",
        "互联网",
        "健康风险",
        "新",
    ]

    services.rule_save(
        version=draft,
        rule=added,
        label="新2",
        condition=parse("age >= 40"),
        points=4,
        enabled=False,
    )
    added.refresh_from_db()
    assert (added.label, added.condition, added.points, added.enabled) == (
        "新2",
        parse("age >= 40"),
        4,
        False,
    )

    services.rule_delete(rule=added)
    assert list(draft.rules.values_list("label", flat=True)) == ["高收入", "互联网", "健康风险"]


def test_it_refuses_to_save_a_rule_with_a_malformed_condition(cast: Cast) -> None:
    draft = make_version(created_by=cast.admin, rules=RULES)
    with pytest.raises(ValueError):
        services.rule_save(
            version=draft,
            rule=None,
            label="坏",
            condition={"cmp": "=", "field": "salary", "value": {"number": "1"}},
            points=1,
            enabled=True,
        )
    assert draft.rules.count() == 3


def _labels(version: RuleSetVersion) -> list[str]:
    return list(version.rules.values_list("label", flat=True))


def test_it_moves_rules_up_and_down(cast: Cast, clients: dict[str, Any]) -> None:
    draft = make_version(
        created_by=cast.admin, rules=(*RULES, ("中年", "age between 30 and 55", 5)), tiers=TIERS
    )

    services.rule_move(rule=draft.rules.get(label="健康风险"), offset=-1)
    assert _labels(draft) == ["高收入", "健康风险", "互联网", "中年"]
    services.rule_move(rule=draft.rules.get(label="健康风险"), offset=-1)
    assert _labels(draft) == ["健康风险", "高收入", "互联网", "中年"]
    services.rule_move(rule=draft.rules.get(label="健康风险"), offset=-1)  # already first
    assert _labels(draft) == ["健康风险", "高收入", "互联网", "中年"]
    services.rule_move(rule=draft.rules.get(label="中年"), offset=1)  # already last
    assert _labels(draft) == ["健康风险", "高收入", "互联网", "中年"]
    services.rule_move(rule=draft.rules.get(label="高收入"), offset=1)
    assert _labels(draft) == ["健康风险", "互联网", "高收入", "中年"]
    assert list(draft.rules.values_list("position", flat=True)) == [1, 2, 3, 4]

    # The mask follows the new order: bit 0 is now the health rule.
    _publish_and_run(draft, cast.admin)
    assert _value(clients["sick"][0])[2] == 0b0001
    assert _value(clients["rich"][0])[2] == 0b0100


def test_it_replaces_the_tiers_of_a_draft(cast: Cast) -> None:
    draft = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    services.tiers_set(version=draft, tiers=[("钻石", 80), ("其他", 0)])
    assert list(draft.tiers.values_list("label", "min_score")) == [("钻石", 80), ("其他", 0)]


def test_it_puts_everyone_below_every_threshold_in_the_lowest_tier(
    cast: Cast, clients: dict[str, Any]
) -> None:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=(("金", 30), ("银", 10)))
    _publish_and_run(version, cast.admin)
    sick = clients["sick"][0]
    assert _value(sick)[:2] == (-15, "银")
    assert explain(sick, version).tier == "银"
