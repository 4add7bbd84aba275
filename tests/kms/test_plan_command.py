"""`manage.py render_plan`: a sample plan PDF without the browser."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kms.models import KmsCase, PlanDocument, PlanStatus
from tests.conftest import Cast
from tests.factories import make_case


def test_it_renders_the_clients_plan_and_copies_it_out(
    zhao_case: KmsCase, plan_root: Path, tmp_path: Path
) -> None:
    out = StringIO()
    target = tmp_path / "zhao.pdf"

    call_command("render_plan", "赵立新", output=target, stdout=out)

    document = PlanDocument.objects.get(case=zhao_case)
    assert document.status == PlanStatus.READY and document.number == 1
    assert target.read_bytes() == (plan_root / document.file.name).read_bytes()
    assert target.read_bytes().startswith(b"%PDF")
    assert f"{document.page_count} pages" in out.getvalue()


def test_it_names_what_is_missing(cast: Cast, plan_root: Path) -> None:
    with pytest.raises(CommandError, match="No KMS case"):
        call_command("render_plan", "无此人", stdout=StringIO())
    make_case(client=cast.advisor_client)
    with pytest.raises(CommandError, match="not complete"):
        call_command("render_plan", str(cast.advisor_client.pk), stdout=StringIO())
    assert not PlanDocument.objects.exists()


def test_the_worker_is_configured_for_long_jobs_that_must_not_be_lost() -> None:
    from advisor_crm.celery import app
    from kms.tasks import render_plan

    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert render_plan.acks_late and render_plan.reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_max_tasks_per_child and conf.worker_max_memory_per_child
    # Longer than the longest render (seconds), so a slow render is not delivered twice.
    assert conf.broker_transport_options["visibility_timeout"] >= 600
