"""Scoring rules that could take the site down: limits, a trial run, an undo, a safe save.

Each case below once validated and saved, then gave 500s, ran for most of a minute or
grew past gigabytes (issue 13, point 1): the limits refuse it with a message at the
field; publishing tries the version on the database first; a failed rescoring takes
its publication back; and scoring a client on save never fails the save.
"""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import translation

from advisor_crm.accounts.models import User
from clients.models import Client
from clients.services import client_update
from scoring import services
from scoring.conditions import (
    MAX_CLAUSES,
    MAX_DEPTH,
    MAX_LENGTH,
    ConditionError,
    parse,
    validate_tree,
)
from scoring.fields import FIELDS
from scoring.forms import RuleForm
from scoring.models import ClientScore, JobStatus, RescoreJob, RuleSetVersion, VersionStatus
from scoring.services import PublishError
from tests.conftest import Cast, logged_in
from tests.factories import make_client, make_version

HTMX = {"HX-Request": "true"}


def _publish_and_run(version: RuleSetVersion, user: User, on_commit: Any) -> RescoreJob:
    with on_commit(execute=False):
        job = services.version_publish(version=version, user=user)
    return services.rescore_run(job_id=job.pk)


DEPTH = "nested at most 10 levels deep"
DIGITS = "Numbers can have at most 14 digits before the decimal point and 4 after."
CLAUSES = "at most 50 comparisons"
LENGTH = "at most 2000 characters"

# The cases of the issue, and each limit just past its edge.
TOO_BIG = {
    "150 nested parentheses": ("(" * 150 + "age > 1" + ")" * 150, DEPTH),
    "a 50-digit number": ("age between 1 and " + "9" * 50, DIGITS),
    "5,000 clauses": (" and ".join(["age > 1"] * 5000), LENGTH),
    "a 1 MB condition": ("age > 1 or " * 100_000 + "age > 1", LENGTH),
    "( ×10,000": ("(" * 10_000, LENGTH),
    "not ×5,000": ("not " * 5000 + "age > 1", LENGTH),
    "11 nested parentheses": ("(" * 11 + "age > 1" + ")" * 11, DEPTH),
    "11 nested nots": ("not " * 11 + "age > 1", DEPTH),
    "( ×500 within the length": ("(" * 500, DEPTH),
    "51 clauses": (" or ".join(["age > 1"] * 51), CLAUSES),
    "a list of 51 values": ("age in [" + ", ".join(["1"] * 51) + "]", CLAUSES),
    "15 digits": ("annual_income >= 999999999999999", DIGITS),
    "15 digits once in yuan": ("annual_income >= 99999999999万", DIGITS),
    "5 decimals": ("annual_income >= 1.00001", DIGITS),
}


@pytest.mark.parametrize(("text", "message"), TOO_BIG.values(), ids=TOO_BIG.keys())
def test_it_refuses_a_condition_beyond_a_limit(text: str, message: str) -> None:
    with translation.override("en"), pytest.raises(ConditionError) as refused:
        parse(text)
    assert message in refused.value.message


AT_THE_LIMITS = {
    "10 nested parentheses": "(" * MAX_DEPTH + "age > 1" + ")" * MAX_DEPTH,
    "10 nested nots": "not " * MAX_DEPTH + "age > 1",
    "50 clauses": " or ".join(["age > 1"] * MAX_CLAUSES),
    "14 digits and 4 decimals": "annual_income >= 99999999999999.9999",
    "an amount in 亿": "annual_income >= 99999亿",
}


@pytest.mark.parametrize("text", AT_THE_LIMITS.values(), ids=AT_THE_LIMITS.keys())
def test_it_accepts_a_condition_at_the_limits(text: str) -> None:
    assert len(text) <= MAX_LENGTH
    validate_tree(parse(text))


def test_it_stores_an_amount_at_the_limit_in_yuan() -> None:
    # 99999亿 is 9,999,900,000,000 yuan: 13 digits, within the 14 allowed.
    assert parse("annual_income >= 99999亿")["value"] == {"number": "9999900000000"}


def _nots(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"cmp": ">", "field": "age", "value": {"number": "1"}}
    for _level in range(depth):
        node = {"not": node}
    return node


STORED = {
    "3,000 nested nots": (_nots(3000), DEPTH),
    "5,000 clauses": (
        {"and": [{"cmp": ">", "field": "age", "value": {"number": "1"}}] * 5000},
        CLAUSES,
    ),
    "a list of 5,000 values": (
        {"in": "age", "values": [{"number": str(n)} for n in range(5000)]},
        CLAUSES,
    ),
    "a 50-digit number": ({"cmp": ">", "field": "age", "value": {"number": "9" * 50}}, DIGITS),
}


@pytest.mark.parametrize(("tree", "message"), STORED.values(), ids=STORED.keys())
def test_it_refuses_a_stored_tree_beyond_a_limit(tree: dict[str, Any], message: str) -> None:
    """Stored trees meet the same limits, so publishing refuses one that bypassed parse."""
    with translation.override("en"), pytest.raises(ConditionError) as refused:
        validate_tree(tree)
    assert message in refused.value.message


def test_it_shows_the_limit_at_the_field_in_chinese() -> None:
    form = RuleForm(
        data={"label": "深", "condition": "(" * 150 + "age > 1" + ")" * 150, "points": 1}
    )
    assert not form.is_valid()
    (error,) = form.errors["condition"]
    assert "最多嵌套 10 层" in error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(" * 10_000, "条件最多 2000 个字符，当前为 10000 个。"),
        ("not " * 5000, "条件最多 2000 个字符，当前为 20000 个。"),
        ("(" * 150 + "age > 1" + ")" * 150, "条件最多嵌套 10 层"),
        ("age between 1 and " + "9" * 50, "数字的整数部分最多 14 位，小数部分最多 4 位。"),
        (" or ".join(["age > 1"] * 51), "条件最多包含 50 个比较"),
    ],
    ids=["( ×10,000", "not ×5,000", "150 nested parentheses", "50 digits", "51 clauses"],
)
def test_it_checks_the_limits_as_the_admin_types(cast: Cast, text: str, message: str) -> None:
    response = logged_in(cast.admin).post(
        reverse("scoring:condition_check"), {"condition": text}, headers=HTMX
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_it_keeps_the_rule_form_with_the_error_and_saves_nothing(cast: Cast) -> None:
    version = make_version(created_by=cast.admin)
    response = logged_in(cast.admin).post(
        reverse("scoring:rule_new", args=[version.pk]),
        {"label": "深", "condition": "not " * 5000 + "age > 1", "points": 1, "enabled": "on"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "条件最多 2000 个字符" in response.content.decode()
    assert list(version.rules.values_list("label", flat=True)) == ["高收入"]


# Publishing tries the version on the database first -------------------------------------


@pytest.fixture
def broken_field(monkeypatch: pytest.MonkeyPatch) -> str:
    """A rule field whose SQL fails in the database (division by zero), standing for
    any rule that validates but cannot run there."""
    spec = FIELDS["late_payments"]
    broken = dataclasses.replace(
        spec, sql=lambda as_of: RawSQL("1 / (late_payments * 0)", [], IntegerField())
    )
    monkeypatch.setitem(FIELDS, "late_payments", broken)
    return "late_payments"


def test_it_refuses_to_publish_a_version_that_fails_on_the_database(
    cast: Cast, broken_field: str, django_capture_on_commit_callbacks: Any
) -> None:
    published = make_version(created_by=cast.admin)
    first = _publish_and_run(published, cast.admin, django_capture_on_commit_callbacks)
    assert first.status == JobStatus.DONE
    draft = make_version(created_by=cast.admin, rules=(("迟缴", f"{broken_field} >= 1", 5),))
    with (
        translation.override("en"),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(PublishError) as refused,
    ):
        services.version_publish(version=draft, user=cast.admin)
    (problem,) = refused.value.problems
    assert problem.startswith("The rules could not be run on the clients' data")
    assert "division by zero" in problem
    assert callbacks == []
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, draft.published_at) == (VersionStatus.DRAFT, None)
    assert published.status == VersionStatus.PUBLISHED
    assert not RescoreJob.objects.filter(version=draft).exists()
    # The database is still usable in the same transaction (the trial's savepoint).
    assert Client.objects.count() == 3


def test_it_leaves_the_statement_timeout_as_it_was_after_a_trial(cast: Cast) -> None:
    def timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return str(cursor.fetchone()[0])

    before = timeout()
    assert services.version_trial(version=make_version(created_by=cast.admin)) == []
    assert timeout() == before


# A failed rescoring takes its publication back ------------------------------------------


def _fail_on_second_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    original = services._batch_rescore
    calls = []

    def flaky(*args: Any) -> int:
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return original(*args)

    monkeypatch.setattr(services, "_batch_rescore", flaky)


def test_it_withdraws_a_version_whose_rescoring_fails(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    before = make_version(created_by=cast.admin)
    _publish_and_run(before, cast.admin, django_capture_on_commit_callbacks)
    after = make_version(created_by=cast.admin, rules=(("都算", "late_payments >= 0", 7),))
    with django_capture_on_commit_callbacks(execute=False):
        job = services.version_publish(version=after, user=cast.admin)
    _fail_on_second_batch(monkeypatch)
    with (
        translation.override("en"),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
    ):
        services.rescore_run(job_id=job.pk, batch_size=1)
    monkeypatch.undo()
    job.refresh_from_db()
    after.refresh_from_db()
    before.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith(f"v{after.number} was withdrawn; v{before.number} is published")
    assert (after.status, after.published_at) == (VersionStatus.DRAFT, None)
    assert before.status == VersionStatus.PUBLISHED
    # The first batch scored one client with the withdrawn version; the restoring job
    # scores everyone with the version published again.
    assert ClientScore.objects.filter(version=after).count() == 1
    (restore,) = RescoreJob.objects.filter(version=before, status=JobStatus.QUEUED)
    assert len(callbacks) == 1
    services.rescore_run(job_id=restore.pk)
    assert set(ClientScore.objects.values_list("version", flat=True)) == {before.pk}


def test_it_withdraws_a_first_version_to_a_draft_with_none_published(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    draft = make_version(created_by=cast.admin)
    with django_capture_on_commit_callbacks(execute=False):
        job = services.version_publish(version=draft, user=cast.admin)
    _fail_on_second_batch(monkeypatch)
    with translation.override("en"), pytest.raises(RuntimeError):
        services.rescore_run(job_id=job.pk, batch_size=1)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert RescoreJob.objects.get(pk=job.pk).error.startswith(f"v{draft.number} was withdrawn.")
    assert RescoreJob.objects.count() == 1


# Scoring a client on save never fails the save ------------------------------------------


def test_it_saves_the_client_when_scoring_it_fails(
    cast: Cast,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _publish_and_run(
        make_version(created_by=cast.admin), cast.admin, django_capture_on_commit_callbacks
    )
    client = make_client(owner=cast.advisor, annual_income=Decimal(1000))
    services.clients_score_refresh(client_ids=[client.pk])
    assert ClientScore.objects.get(client=client).score == 0

    def broken(*args: Any, **kwargs: Any) -> int:
        # A real database error, which aborts the transaction unless in a savepoint.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
        return 0

    monkeypatch.setattr(services, "_batch_rescore", broken)
    with caplog.at_level(logging.ERROR, logger="scoring.receivers"):
        client_update(client=client, data={"annual_income": Decimal(2_000_000)})
    assert Client.objects.get(pk=client.pk).annual_income == Decimal(2_000_000)
    # The score waits for the next rescoring.
    assert ClientScore.objects.get(client=client).score == 0
    assert "the next rescore scores them" in caplog.text
    monkeypatch.undo()
    services.clients_score_refresh(client_ids=[client.pk])
    assert ClientScore.objects.get(client=client).score == 30


def test_it_refuses_at_the_form_a_tree_that_a_save_would_refuse() -> None:
    """Each group of "a or b and (…)" adds two levels to the tree, one to the typing:
    the form must judge the tree as the save does, not say "valid" and then fail."""
    text = "age > 1"
    for _level in range(MAX_DEPTH):
        text = f"(age > 1 or age > 2 and ({text}))"
    form = RuleForm({"label": "深", "condition": text, "points": "1", "enabled": "on"})

    assert not form.is_valid()
    assert form.errors["condition"]
