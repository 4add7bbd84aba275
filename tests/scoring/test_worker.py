"""Publishing rescoring everyone through a real Celery worker on the test Redis."""

from __future__ import annotations

import time

import pytest

from advisor_crm.accounts.models import Role
from scoring.conditions import parse
from scoring.models import (
    ClientScore,
    JobStatus,
    RescoreJob,
    Rule,
    RuleSet,
    RuleSetVersion,
    ScoreHistory,
    Tier,
)
from scoring.services import version_publish
from tests.factories import make_client, make_user


def _wait_for(job: RescoreJob, seconds: float = 60) -> RescoreJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in {JobStatus.DONE, JobStatus.FAILED}:
            return job
        time.sleep(0.2)
    pytest.fail(f"the rescoring job is still {job.status} after {seconds} s")


@pytest.mark.usefixtures("celery_worker")
def test_it_rescores_every_client_in_the_worker_after_publishing() -> None:
    admin = make_user(username="worker-admin", role=Role.ADMIN)
    advisor = make_user(username="worker-advisor")
    rich = make_client(owner=advisor, name="富", annual_income=2_000_000)
    modest = make_client(owner=advisor, name="常", annual_income=100_000)
    version = RuleSetVersion.objects.create(
        rule_set=RuleSet.objects.create(name="worker"), number=1, created_by=admin
    )
    Rule.objects.create(
        version=version,
        position=1,
        label="高收入",
        condition=parse("annual_income >= 1000000"),
        points=30,
    )
    Tier.objects.create(version=version, label="金", min_score=20)
    Tier.objects.create(version=version, label="银", min_score=-100)

    job = _wait_for(version_publish(version=version, user=admin))

    assert job.status == JobStatus.DONE and job.done == 2
    scores = {s.client_id: (s.score, s.tier, s.version_id) for s in ClientScore.objects.all()}
    assert scores == {rich.pk: (30, "金", version.pk), modest.pk: (0, "银", version.pk)}
    assert ScoreHistory.objects.filter(version=version).count() == 2
