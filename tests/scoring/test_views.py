"""Scoring pages: who may reach them, the editor, publishing, P100 reviews, exports, the
client page's explanation."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from advisor_crm.accounts.models import User
from clients.models import Client
from scoring import services
from scoring.forms import RuleForm, TiersForm
from scoring.models import (
    P100Review,
    RescoreJob,
    Rule,
    RuleSetVersion,
    VersionStatus,
)
from tests.conftest import Cast, logged_in
from tests.factories import make_client, make_version, version_field

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

ENGLISH = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", **ENGLISH}
SECRET_LABEL = "机密规则标签"
RULES = (
    ("高收入", "annual_income >= 1000000", 30),
    (SECRET_LABEL, 'industry = "internet"', 10),
    ("健康风险", "health_flag = true", -15),
)
TIERS = (("金", 30), ("银", 10), ("铜", -1000))


def _html(response: Response) -> str:
    return response.content.decode()


@dataclass
class Versions:
    published: RuleSetVersion
    draft: RuleSetVersion
    published_rule: Rule
    draft_rule: Rule
    job: RescoreJob


@pytest.fixture
def versions(cast: Cast) -> Versions:
    published = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    job = services.version_publish(version=published, user=cast.admin)
    services.rescore_run(job_id=job.pk)
    draft = services.version_new_draft(source=published, user=cast.admin)
    return Versions(
        published=published,
        draft=draft,
        published_rule=published.rules.get(label="高收入"),
        draft_rule=draft.rules.get(label="高收入"),
        job=job,
    )


def _scoring_urls(v: Versions) -> list[tuple[str, str]]:
    """(method, url) of every scoring page and action."""
    d, r = v.draft.pk, v.draft_rule.pk
    return [
        ("get", reverse("scoring:rules")),
        ("post", reverse("scoring:condition_check")),
        ("get", reverse("scoring:editor", args=[v.published.pk])),
        ("get", reverse("scoring:editor", args=[d])),
        ("post", reverse("scoring:draft_new", args=[v.published.pk])),
        ("get", reverse("scoring:rule_new", args=[d])),
        ("post", reverse("scoring:rule_new", args=[d])),
        ("get", reverse("scoring:rule_edit", args=[d, r])),
        ("post", reverse("scoring:rule_edit", args=[d, r])),
        ("post", reverse("scoring:rule_move", args=[d, r])),
        ("post", reverse("scoring:rule_toggle", args=[d, r])),
        ("post", reverse("scoring:rule_delete", args=[d, r])),
        ("post", reverse("scoring:tiers", args=[d])),
        ("get", reverse("scoring:preview", args=[d])),
        ("post", reverse("scoring:publish", args=[d])),
        ("get", reverse("scoring:job", args=[v.job.pk])),
    ]


def _state() -> tuple[object, ...]:
    return (
        list(RuleSetVersion.objects.order_by("pk").values_list("pk", "status")),
        list(Rule.objects.order_by("pk").values_list("pk", "position", "enabled", "points")),
        RescoreJob.objects.count(),
    )


@pytest.mark.parametrize("role", ["advisor", "teammate", "lead", "other_lead"])
def test_it_forbids_every_scoring_page_to_non_admins(
    cast: Cast, versions: Versions, role: str
) -> None:
    http = logged_in(getattr(cast, role))
    before = _state()
    for method, url in _scoring_urls(versions):
        data = {"condition": "age >= 30", "direction": "up"} if method == "post" else None
        response = getattr(http, method)(url, data, headers=ENGLISH)
        assert response.status_code == 403, (method, url)
        assert SECRET_LABEL not in _html(response), (method, url)
    assert _state() == before


def test_it_sends_anonymous_visitors_to_the_login_page(versions: Versions) -> None:
    http = HttpClient()
    for method, url in _scoring_urls(versions):
        response = getattr(http, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"] == f"{reverse('login')}?next={url}", (method, url)


def test_it_opens_every_scoring_page_to_admins(cast: Cast, versions: Versions) -> None:
    http = logged_in(cast.admin)
    expected = {
        reverse("scoring:draft_new", args=[versions.published.pk]): 302,
        reverse("scoring:publish", args=[versions.draft.pk]): 302,
    }
    for method, url in _scoring_urls(versions):
        response = getattr(http, method)(url, headers=ENGLISH)
        assert response.status_code == expected.get(url, 200), (method, url)


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("post", "rules"),
        ("get", "condition_check"),
        ("post", "editor"),
        ("get", "draft_new"),
        ("get", "rule_move"),
        ("get", "rule_toggle"),
        ("get", "rule_delete"),
        ("get", "tiers"),
        ("post", "preview"),
        ("get", "publish"),
        ("post", "job"),
        ("delete", "rule_edit"),
    ],
)
def test_it_refuses_the_wrong_method(
    cast: Cast, versions: Versions, method: str, name: str
) -> None:
    args = {
        "rules": [],
        "condition_check": [],
        "job": [versions.job.pk],
        "rule_move": [versions.draft.pk, versions.draft_rule.pk],
        "rule_toggle": [versions.draft.pk, versions.draft_rule.pk],
        "rule_delete": [versions.draft.pk, versions.draft_rule.pk],
        "rule_edit": [versions.draft.pk, versions.draft_rule.pk],
    }.get(name, [versions.draft.pk])
    response = getattr(logged_in(cast.admin), method)(reverse(f"scoring:{name}", args=args))
    assert response.status_code == 405


# The editor ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("rule_edit", "get"),
        ("rule_edit", "post"),
        ("rule_move", "post"),
        ("rule_toggle", "post"),
        ("rule_delete", "post"),
    ],
)
def test_it_refuses_to_edit_a_rule_of_a_published_version(
    cast: Cast, versions: Versions, name: str, method: str
) -> None:
    before = _state()
    url = reverse(f"scoring:{name}", args=[versions.published.pk, versions.published_rule.pk])
    data = {"label": "改", "condition": "age >= 1", "points": "1", "enabled": "on"}
    response = getattr(logged_in(cast.admin), method)(url, data)
    assert response.status_code == 404
    assert _state() == before


def test_it_refuses_to_add_rules_or_tiers_to_a_published_version(
    cast: Cast, versions: Versions
) -> None:
    http = logged_in(cast.admin)
    before = _state()
    published = versions.published.pk
    assert http.get(reverse("scoring:rule_new", args=[published])).status_code == 404
    response = http.post(
        reverse("scoring:rule_new", args=[published]),
        {"label": "新", "condition": "age >= 1", "points": "1"},
    )
    assert response.status_code == 404
    response = http.post(
        reverse("scoring:tiers", args=[published]), {"label_0": "唯一", "min_0": "0"}
    )
    assert response.status_code == 404
    assert _state() == before
    assert list(versions.published.tiers.values_list("label", "min_score")) == list(TIERS)


def test_it_refuses_a_rule_of_another_version(cast: Cast, versions: Versions) -> None:
    url = reverse("scoring:rule_edit", args=[versions.draft.pk, versions.published_rule.pk])
    assert logged_in(cast.admin).get(url).status_code == 404


def test_it_shows_published_versions_read_only(cast: Cast, versions: Versions) -> None:
    html = _html(
        logged_in(cast.admin).get(
            reverse("scoring:editor", args=[versions.published.pk]), headers=ENGLISH
        )
    )
    assert "Published and retired versions never change." in html
    assert (
        reverse("scoring:rule_edit", args=[versions.published.pk, versions.published_rule.pk])
        not in html
    )
    assert reverse("scoring:rule_new", args=[versions.published.pk]) not in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("salary > 5", "Unknown field “salary”. (at character 1)"),
        (
            'annual_income >= "high"',
            "“annual_income” is a number; compare it with a number. (at character 1)",
        ),
        (
            "industry = 5",
            '“industry” is text; put the value in quotes, e.g. "internet". (at character 1)',
        ),
        ("age >= 30 and", "The condition ends too early. (at character 14)"),
        (
            "age between 55 and 30",
            "The lower bound of between is above the upper bound. (at character 1)",
        ),
        ("", "Enter a condition. (at character 1)"),
    ],
)
def test_it_checks_the_condition_as_the_admin_types(cast: Cast, text: str, message: str) -> None:
    response = logged_in(cast.admin).post(
        reverse("scoring:condition_check"), {"condition": text}, headers=HTMX
    )
    assert response.status_code == 200
    html = _html(response)
    assert html.startswith('<p class="condition-check help">')
    assert f'<span class="error">{escape(message)}</span>' in html


def test_it_confirms_a_valid_condition_as_the_admin_types(cast: Cast) -> None:
    response = logged_in(cast.admin).post(
        reverse("scoring:condition_check"),
        {"condition": 'annual_income >= 1000000 and industry in ["internet", "tmt"]'},
        headers=HTMX,
    )
    html = _html(response)
    assert "✓ Valid condition" in html
    assert "error" not in html


def test_it_adds_a_rule_from_the_form(cast: Cast, versions: Versions) -> None:
    url = reverse("scoring:rule_new", args=[versions.draft.pk])
    response = logged_in(cast.admin).post(
        url,
        {"label": "中年", "condition": "age between 30 and 55", "points": "5", "enabled": "on"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("scoring:editor", args=[versions.draft.pk])
    rule = versions.draft.rules.get(label="中年")
    assert (rule.condition, rule.points, rule.enabled) == (
        {"between": "age", "low": {"number": "30"}, "high": {"number": "55"}},
        5,
        True,
    )
    assert list(versions.draft.rules.values_list("label", flat=True))[-1] == "中年"


def test_it_keeps_the_form_with_a_clear_error_for_a_bad_condition(
    cast: Cast, versions: Versions
) -> None:
    url = reverse("scoring:rule_edit", args=[versions.draft.pk, versions.draft_rule.pk])
    response = logged_in(cast.admin).post(
        url,
        {
            "label": "高收入",
            "condition": 'industry < "tmt"',
            "points": "30",
            "enabled": "on",
            **version_field(RuleForm(rule=versions.draft_rule)),
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    html = _html(response)
    assert escape("“industry” can only be compared with = , != or in. (at character 1)") in html
    assert escape('industry < "tmt"') in html  # the admin's text is kept
    versions.draft_rule.refresh_from_db()
    assert versions.draft_rule.condition == {
        "cmp": ">=",
        "field": "annual_income",
        "value": {"number": "1000000"},
    }


def test_it_fills_the_edit_form_with_the_rule(cast: Cast, versions: Versions) -> None:
    url = reverse("scoring:rule_edit", args=[versions.draft.pk, versions.draft_rule.pk])
    html = _html(logged_in(cast.admin).get(url, headers=HTMX))
    assert "annual_income &gt;= 1000000</textarea>" in html
    assert 'value="高收入"' in html


def test_it_moves_toggles_and_deletes_rules(cast: Cast, versions: Versions) -> None:
    http = logged_in(cast.admin)
    draft, labels = (
        versions.draft,
        lambda: list(versions.draft.rules.values_list("label", flat=True)),
    )
    health = draft.rules.get(label="健康风险")

    http.post(reverse("scoring:rule_move", args=[draft.pk, health.pk]), {"direction": "up"})
    assert labels() == ["高收入", "健康风险", SECRET_LABEL]
    http.post(reverse("scoring:rule_move", args=[draft.pk, health.pk]), {"direction": "down"})
    assert labels() == ["高收入", SECRET_LABEL, "健康风险"]

    response = http.post(
        reverse("scoring:rule_toggle", args=[draft.pk, health.pk]), headers=ENGLISH
    )
    health.refresh_from_db()
    assert not health.enabled
    assert '<span class="badge muted">disabled</span>' in _html(response)

    http.post(reverse("scoring:rule_delete", args=[draft.pk, health.pk]))
    assert labels() == ["高收入", SECRET_LABEL]


def _tiers_version(versions: Versions) -> dict[str, str]:
    tiers = list(versions.draft.tiers.values_list("label", "min_score"))
    return version_field(TiersForm(tiers=tiers))


def test_it_saves_tiers_and_refuses_overlapping_ones(cast: Cast, versions: Versions) -> None:
    http = logged_in(cast.admin)
    url = reverse("scoring:tiers", args=[versions.draft.pk])

    response = http.post(
        url, {"label_0": "甲", "min_0": "50", "label_1": "乙", "min_1": "50"}, headers=ENGLISH
    )
    assert "Two tiers have the same minimum score; thresholds must not overlap." in _html(response)
    assert list(versions.draft.tiers.values_list("label", "min_score")) == list(TIERS)

    response = http.post(
        url,
        {"label_0": "乙", "min_0": "0", "label_1": "甲", "min_1": "50", **_tiers_version(versions)},
        headers=ENGLISH,
    )
    assert "✓ Saved" in _html(response)
    assert list(versions.draft.tiers.values_list("label", "min_score")) == [("甲", 50), ("乙", 0)]


def test_it_previews_a_draft(cast: Cast, versions: Versions) -> None:
    html = _html(
        logged_in(cast.admin).get(
            reverse("scoring:preview", args=[versions.draft.pk]), headers=ENGLISH
        )
    )
    assert "Computed on all 3 clients against their current scores" in html
    assert "Tier migration" in html and "Sample explanations" in html


# Publishing ----------------------------------------------------------------------------


def test_it_shows_the_problems_and_publishes_nothing(cast: Cast, versions: Versions) -> None:
    versions.draft.rules.all().delete()
    services.tiers_set(version=versions.draft, tiers=[("甲", 10), ("乙", 10)])
    before = _state()

    response = logged_in(cast.admin).post(
        reverse("scoring:publish", args=[versions.draft.pk]), headers=ENGLISH
    )

    assert response.status_code == 200
    html = _html(response)
    assert "Nothing was published:" in html
    assert "<li>The rule set has no enabled rule.</li>" in html
    assert "<li>Two tiers have the same minimum score; thresholds must not overlap.</li>" in html
    assert _state() == before
    versions.draft.refresh_from_db()
    assert versions.draft.status == VersionStatus.DRAFT


def test_it_publishes_a_draft_and_shows_the_job(cast: Cast, versions: Versions) -> None:
    http = logged_in(cast.admin)
    response = http.post(reverse("scoring:publish", args=[versions.draft.pk]))

    job = RescoreJob.objects.get(version=versions.draft)
    assert response["Location"] == reverse("scoring:job", args=[job.pk])
    versions.draft.refresh_from_db()
    versions.published.refresh_from_db()
    assert versions.draft.status == VersionStatus.PUBLISHED
    assert versions.published.status == VersionStatus.RETIRED

    services.rescore_run(job_id=job.pk)
    html = _html(http.get(reverse("scoring:job", args=[job.pk]), headers=HTMX))
    assert html.strip().startswith('<section class="card" id="job-progress"')
    assert "Done" in html and "3 / 3" in html
    assert "hx-trigger" not in html  # stops polling when done


def test_it_rolls_back_from_the_version_list(cast: Cast, versions: Versions) -> None:
    http = logged_in(cast.admin)
    http.post(reverse("scoring:publish", args=[versions.draft.pk]))
    html = _html(http.get(reverse("scoring:rules"), headers=ENGLISH))
    assert reverse("scoring:publish", args=[versions.published.pk]) in html
    assert "Roll back to this" in html

    http.post(reverse("scoring:publish", args=[versions.published.pk]))

    versions.published.refresh_from_db()
    assert versions.published.status == VersionStatus.PUBLISHED


# P100 review pages ---------------------------------------------------------------------


def _review_url(advisor: User) -> str:
    return reverse("scoring:p100_review", args=[advisor.pk])


@pytest.mark.parametrize(
    ("role", "advisor"),
    [
        ("other_lead", "advisor"),
        ("lead", "outsider"),
        ("advisor", "advisor"),
        ("advisor", "teammate"),
        ("outsider", "advisor"),
        ("lead", "lead"),
        ("lead", "other_lead"),
        ("admin", "lead"),
    ],
)
def test_it_hides_review_pages_from_who_may_not_review(cast: Cast, role: str, advisor: str) -> None:
    http = logged_in(getattr(cast, role))
    url = _review_url(getattr(cast, advisor))
    response = http.get(url, headers=ENGLISH)
    assert response.status_code == 404
    assert "赵建国" not in _html(response) and "周杰" not in _html(response)
    assert http.post(url, {"comment": "越权"}).status_code == 404
    assert not P100Review.objects.exists()


def test_it_answers_404_for_an_unknown_advisor(cast: Cast) -> None:
    url = reverse("scoring:p100_review", args=[cast.outsider.pk + 1000])
    assert logged_in(cast.admin).get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "advisor"),
    [("lead", "advisor"), ("lead", "teammate"), ("admin", "outsider"), ("admin", "advisor")],
)
def test_it_lets_leads_review_their_team_and_admins_anyone(
    cast: Cast, role: str, advisor: str
) -> None:
    http = logged_in(getattr(cast, role))
    reviewed = getattr(cast, advisor)
    response = http.get(_review_url(reviewed), headers=ENGLISH)
    assert response.status_code == 200
    assert str(reviewed) in _html(response)

    assert http.post(_review_url(reviewed), {"comment": "已审"}).status_code == 302
    review = P100Review.objects.get()
    assert (review.advisor, review.reviewer) == (reviewed, getattr(cast, role))


def test_it_refuses_the_wrong_method_on_a_review_page(cast: Cast) -> None:
    assert logged_in(cast.lead).delete(_review_url(cast.advisor)).status_code == 405


def test_it_sends_anonymous_visitors_from_p100_to_login(cast: Cast) -> None:
    for url in (
        reverse("scoring:p100"),
        _review_url(cast.advisor),
        reverse("scoring:p100_export", args=[cast.advisor.pk, "csv"]),
    ):
        response = HttpClient().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_shows_an_admin_every_advisor_to_review(cast: Cast) -> None:
    """The p100 view's contract: "admins see every team's lead page"."""
    html = _html(logged_in(cast.admin).get(reverse("scoring:p100"), headers=ENGLISH))
    for advisor in (cast.advisor, cast.teammate, cast.outsider):
        assert _review_url(advisor) in html


# Exports -------------------------------------------------------------------------------


def _exported_names(response: Response, fmt: str) -> list[str]:
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        return [row[1] for row in rows[1:]]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return [str(row[1]) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("role", "advisor", "status"),
    [
        ("advisor", "advisor", 200),
        ("advisor", "teammate", 404),
        ("advisor", "outsider", 404),
        ("teammate", "advisor", 404),
        ("lead", "teammate", 200),
        ("lead", "outsider", 404),
        ("other_lead", "advisor", 404),
        ("admin", "outsider", 200),
    ],
)
def test_it_exports_a_p100_only_to_who_may_see_it(
    cast: Cast, versions: Versions, role: str, advisor: str, status: int, fmt: str
) -> None:
    url = reverse("scoring:p100_export", args=[getattr(cast, advisor).pk, fmt])
    response = logged_in(getattr(cast, role)).get(url)
    assert response.status_code == status
    if status == 200:
        own = {"advisor": "赵建国", "teammate": "孙丽", "outsider": "周杰"}[advisor]
        assert _exported_names(response, fmt) == [own]


def test_it_answers_404_for_an_unknown_export_format(cast: Cast) -> None:
    url = reverse("scoring:p100_export", args=[cast.advisor.pk, "pdf"])
    assert logged_in(cast.advisor).get(url).status_code == 404


def test_it_refuses_to_post_to_an_export(cast: Cast) -> None:
    url = reverse("scoring:p100_export", args=[cast.advisor.pk, "csv"])
    assert logged_in(cast.advisor).post(url).status_code == 405


# The client page -----------------------------------------------------------------------


def test_it_explains_the_score_on_the_client_page(cast: Cast, versions: Versions) -> None:
    client = make_client(
        owner=cast.advisor, name="钱多多", annual_income=Decimal(2_000_000), industry="internet"
    )
    second = versions.draft
    services.rescore_run(job_id=services.version_publish(version=second, user=cast.admin).pk)

    html = _html(
        logged_in(cast.advisor).get(reverse("clients:detail", args=[client.pk]), headers=ENGLISH)
    )

    assert '<span class="badge">金</span> <strong>40</strong> points · rule set v2' in html
    assert '<span class="badge">+30</span> 高收入' in html
    assert f'<span class="badge">+10</span> {SECRET_LABEL}' in html
    assert "健康风险" not in html
    assert "v2 · 40 · 金" in html
    # The client was created after v1's rescoring, so v2 is their whole history.
    assert "v1 · " not in html


def test_it_shows_the_score_history_across_versions(cast: Cast, versions: Versions) -> None:
    internet = versions.draft.rules.get(label=SECRET_LABEL)
    internet.points = 20
    internet.save()
    services.rescore_run(
        job_id=services.version_publish(version=versions.draft, user=cast.admin).pk
    )
    html = _html(
        logged_in(cast.advisor).get(
            reverse("clients:detail", args=[cast.advisor_client.pk]), headers=ENGLISH
        )
    )
    assert "Score history" in html
    assert html.index("v2 · 20 · 银") < html.index("v1 · 10 · 银")
    assert "rule set v2" in html


def test_it_says_when_a_client_is_not_scored_yet(cast: Cast) -> None:
    html = _html(
        logged_in(cast.advisor).get(
            reverse("clients:detail", args=[cast.advisor_client.pk]), headers=ENGLISH
        )
    )
    assert "Not scored yet." in html


def test_it_explains_the_stored_score_even_after_the_facts_changed(
    cast: Cast, versions: Versions
) -> None:
    """The rules listed must add up to the score shown (the matched rules are stored).

    The client's income changed after the last rescoring: the page still says 40
    points, so the "why" must still list the rules that gave those 40.
    """
    client = make_client(
        owner=cast.advisor, name="钱多多", annual_income=Decimal(2_000_000), industry="internet"
    )
    services.rescore_run(
        job_id=services.version_publish(version=versions.draft, user=cast.admin).pk
    )
    Client.objects.filter(pk=client.pk).update(annual_income=Decimal(100_000))

    html = _html(
        logged_in(cast.advisor).get(reverse("clients:detail", args=[client.pk]), headers=ENGLISH)
    )

    assert "<strong>40</strong> points" in html
    assert '<span class="badge">+30</span> 高收入' in html
