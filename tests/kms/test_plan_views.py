"""Plan PDFs over HTTP: generate, watch, retry, download, and who may reach them.

Only the download test renders with WeasyPrint; the others swap render_pdf for a
stand-in, since they are about the pipeline and the access rules around it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from clients.models import SensitiveAccess
from kms import plan_selectors, plan_services, selectors, services
from kms.models import PLAN_STALE_AFTER, CaseStatus, KmsCase, PlanDocument, PlanStatus
from tests.conftest import Cast, logged_in
from tests.factories import make_case

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


# Fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def plan_root(plan_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The conftest's private plan store, also behind PlanDocument.file.

    The FileField called its storage callable once at import; swapping
    settings.STORAGES alone would leave the field writing to var/private/plans.
    """
    monkeypatch.setattr(PlanDocument._meta.get_field("file"), "storage", storages["plans"])
    return plan_root


def _stand_in_pdf(document: PlanDocument) -> bytes:
    return f"%PDF-1.7\n% stand-in for plan {document.pk}\n%%EOF\n".encode()


@pytest.fixture
def quick_render(monkeypatch: pytest.MonkeyPatch, plan_root: Path) -> None:
    """Skip WeasyPrint where only what happens around it matters."""
    monkeypatch.setattr(plan_services, "render_pdf", lambda document: (_stand_in_pdf(document), 1))


def _queued(case: KmsCase) -> PlanDocument:
    return plan_services.plan_request(case=case, user=case.client.owner)


def _ready(case: KmsCase) -> PlanDocument:
    document = plan_services.plan_render(document_id=_queued(case).pk)
    assert document is not None and document.status == PlanStatus.READY
    return document


def _failed(case: KmsCase, error: str = "OSError: 磁盘已满") -> PlanDocument:
    document = _queued(case)
    PlanDocument.objects.filter(pk=document.pk).update(
        status=PlanStatus.FAILED, error=error, attempts=1, finished_at=timezone.now()
    )
    return PlanDocument.objects.get(pk=document.pk)


def _htmx(http: HttpClient) -> HttpClient:
    http.defaults["HTTP_HX_REQUEST"] = "true"
    return http


def _html(response: Response) -> str:
    return response.content.decode()


def _generate_url(case: KmsCase) -> str:
    return reverse("kms:plan_generate", args=[case.pk])


def _status_url(document: PlanDocument) -> str:
    return reverse("kms:plan_status", args=[document.pk])


def _retry_url(document: PlanDocument) -> str:
    return reverse("kms:plan_retry", args=[document.pk])


def _download_url(document: PlanDocument) -> str:
    return reverse("kms:plan_download", args=[document.pk])


def _row(document: PlanDocument) -> str:
    return f'id="plan-{document.pk}"'


def _polls(html: str, document: PlanDocument) -> bool:
    """Whether the row asks for its status again (htmx polling)."""
    return f'hx-get="{_status_url(document)}"' in html and 'hx-trigger="load delay:1s"' in html


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# Generating --------------------------------------------------------------------------


def test_it_refuses_a_plan_beyond_the_users_share_of_the_renderers(
    cast: Cast, zhao_case: KmsCase, django_capture_on_commit_callbacks: Any
) -> None:
    """Ten clicks must not queue ten renders: three of one user's plans at a time."""
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(plan_services.PLANS_IN_PROGRESS_PER_USER):
            _queued(zhao_case)
        before = PlanDocument.objects.count()

        response = _htmx(logged_in(cast.advisor)).post(_generate_url(zhao_case))

    assert response.status_code == 422
    assert "你有 3 份方案仍在生成，请待其中一份完成后再申请。" in _html(response)
    assert PlanDocument.objects.count() == before


def test_it_refuses_more_plans_than_an_hour_allows(cast: Cast, zhao_case: KmsCase) -> None:
    for number in range(1, plan_services.PLANS_PER_USER_PER_HOUR + 1):
        PlanDocument.objects.create(
            case=zhao_case, client=zhao_case.client, number=number, requested_by=cast.advisor,
            status=PlanStatus.FAILED, error="x", finished_at=timezone.now(),
        )  # fmt: skip

    with pytest.raises(plan_services.PlanNotReady):
        plan_services.plan_quota_check(user=cast.advisor)
    # Another user keeps their own share.
    plan_services.plan_quota_check(user=cast.teammate)


def test_it_queues_a_plan_and_answers_htmx_with_the_panel(
    cast: Cast, zhao_case: KmsCase, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _htmx(logged_in(cast.advisor)).post(_generate_url(zhao_case))

    assert response.status_code == 200
    document = PlanDocument.objects.get()
    assert (document.case, document.number, document.status, document.requested_by) == (
        zhao_case,
        1,
        PlanStatus.QUEUED,
        cast.advisor,
    )
    assert len(callbacks) == 1
    html = _html(response)
    assert '<section class="card plans" id="plans">' in html
    assert "<html" not in html
    assert _row(document) in html
    assert "status-queued" in html
    assert _polls(html, document)


def test_it_redirects_a_plain_post_to_the_review_step(cast: Cast, zhao_case: KmsCase) -> None:
    response = logged_in(cast.advisor).post(_generate_url(zhao_case))

    assert response.status_code == 302
    assert response["Location"] == reverse("kms:step", args=[zhao_case.pk, "review"]) + "#plans"
    assert PlanDocument.objects.get().status == PlanStatus.QUEUED


def test_it_redirects_a_plain_post_from_the_client_page_back_to_it(
    cast: Cast, zhao_case: KmsCase
) -> None:
    response = logged_in(cast.advisor).post(_generate_url(zhao_case), {"panel": "client"})

    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[zhao_case.client_id]) + "#plans"
    assert PlanDocument.objects.count() == 1


def test_it_lists_the_plans_of_the_case_or_of_the_whole_client(
    cast: Cast, zhao_case: KmsCase
) -> None:
    earlier = _queued(zhao_case)
    newer = services.case_new_version(case=zhao_case, user=cast.advisor)
    http = _htmx(logged_in(cast.advisor))

    case_panel = _html(http.post(_generate_url(newer)))
    client_panel = _html(http.post(_generate_url(newer), {"panel": "client"}))

    first, second = PlanDocument.objects.filter(case=newer).order_by("number")
    assert (earlier.number, first.number, second.number) == (1, 2, 3)
    assert _row(first) in case_panel and _row(earlier) not in case_panel
    assert all(_row(d) in client_panel for d in (earlier, first, second))
    assert 'name="panel" value="client"' in client_panel
    assert 'name="panel" value="client"' not in case_panel


def test_it_answers_422_with_the_reasons_when_the_case_has_blockers(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    case = services.case_start(client=cast.advisor_client, user=cast.advisor)
    with translation.override("zh-hans"):
        reasons = [
            str(r) for r in plan_selectors.plan_blockers(state=selectors.case_state(case=case))
        ]
    assert reasons

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _htmx(logged_in(cast.advisor)).post(_generate_url(case))

    assert response.status_code == 422
    html = _html(response)
    assert 'id="plans"' in html and 'role="alert"' in html
    for reason in reasons:
        assert f"<li>{escape(reason)}</li>" in html, reason
    assert not PlanDocument.objects.exists()
    assert callbacks == []


def test_it_creates_nothing_for_a_plain_post_when_the_case_has_blockers(cast: Cast) -> None:
    case = services.case_start(client=cast.advisor_client, user=cast.advisor)

    response = logged_in(cast.advisor).post(_generate_url(case))

    assert response.status_code == 302
    assert not PlanDocument.objects.exists()


# Watching and retrying ---------------------------------------------------------------


def test_a_queued_plan_polls_its_status(cast: Cast, zhao_case: KmsCase) -> None:
    document = _queued(zhao_case)

    response = _htmx(logged_in(cast.advisor)).get(_status_url(document))

    assert response.status_code == 200
    html = _html(response)
    assert html.lstrip().startswith("<tr") and _row(document) in html
    assert "status-queued" in html
    assert _polls(html, document)
    assert _download_url(document) not in html
    assert _retry_url(document) not in html


def test_a_ready_plan_offers_its_download_and_stops_polling(
    cast: Cast, zhao_case: KmsCase, quick_render: None
) -> None:
    document = _ready(zhao_case)

    html = _html(_htmx(logged_in(cast.advisor)).get(_status_url(document)))

    assert "status-ready" in html
    assert f'action="{_download_url(document)}"' in html
    assert "hx-get" not in html and "hx-trigger" not in html
    assert _retry_url(document) not in html
    # The row never gives away where the file lives.
    assert document.file.name not in html


def test_a_failed_plan_shows_its_error_and_a_retry_button(cast: Cast, zhao_case: KmsCase) -> None:
    document = _failed(zhao_case, error="OSError: 磁盘已满 <disk>")

    html = _html(_htmx(logged_in(cast.advisor)).get(_status_url(document)))

    assert "status-failed" in html
    assert escape("OSError: 磁盘已满 <disk>") in html
    assert f'hx-post="{_retry_url(document)}"' in html
    assert "hx-get" not in html
    assert _download_url(document) not in html


def test_a_plan_whose_job_was_lost_polls_and_offers_a_retry(cast: Cast, zhao_case: KmsCase) -> None:
    document = _queued(zhao_case)
    PlanDocument.objects.filter(pk=document.pk).update(
        requested_at=timezone.now() - PLAN_STALE_AFTER - dt.timedelta(minutes=1)
    )

    html = _html(_htmx(logged_in(cast.advisor)).get(_status_url(document)))

    assert _polls(html, document)
    assert f'hx-post="{_retry_url(document)}"' in html


def test_retrying_a_failed_plan_answers_a_queued_row_that_polls(
    cast: Cast, zhao_case: KmsCase, django_capture_on_commit_callbacks: Any
) -> None:
    document = _failed(zhao_case)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _htmx(logged_in(cast.advisor)).post(_retry_url(document))

    assert response.status_code == 200
    html = _html(response)
    assert _row(document) in html and "status-queued" in html
    assert _polls(html, document)
    assert "磁盘已满" not in html
    assert len(callbacks) == 1
    document.refresh_from_db()
    assert (document.status, document.error, document.number) == (PlanStatus.QUEUED, "", 1)
    assert PlanDocument.objects.count() == 1


def test_retrying_a_ready_plan_is_refused_in_its_row(
    cast: Cast, zhao_case: KmsCase, quick_render: None, django_capture_on_commit_callbacks: Any
) -> None:
    document = _ready(zhao_case)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _htmx(logged_in(cast.advisor)).post(_retry_url(document))

    assert response.status_code == 200
    html = _html(response)
    assert 'class="error" role="alert"' in html
    assert "status-ready" in html and f'action="{_download_url(document)}"' in html
    assert callbacks == []
    document.refresh_from_db()
    assert document.status == PlanStatus.READY


# The pages that hold the panel -------------------------------------------------------


def test_the_review_step_shows_the_plans_of_the_case(cast: Cast, zhao_case: KmsCase) -> None:
    document = _queued(zhao_case)

    response = logged_in(cast.advisor).get(reverse("kms:step", args=[zhao_case.pk, "review"]))

    assert response.status_code == 200
    html = _html(response)
    assert 'id="plans"' in html
    assert f'action="{_generate_url(zhao_case)}"' in html
    assert _row(document) in html and _polls(html, document)


def test_the_client_page_shows_the_plans_of_every_case(cast: Cast, zhao_case: KmsCase) -> None:
    earlier = _queued(zhao_case)
    newer = services.case_new_version(case=zhao_case, user=cast.advisor)
    later = _queued(newer)

    response = logged_in(cast.advisor).get(reverse("clients:detail", args=[zhao_case.client_id]))

    assert response.status_code == 200
    html = _html(response)
    assert 'id="plans"' in html
    # The button generates from the newest case, and comes back to the client page.
    assert f'action="{_generate_url(newer)}"' in html
    assert f'action="{_generate_url(zhao_case)}"' not in html
    assert 'name="panel" value="client"' in html
    assert _row(earlier) in html and _row(later) in html


def test_the_client_page_has_no_plans_panel_before_a_case(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:detail", args=[cast.advisor_client.pk]))

    assert response.status_code == 200
    assert 'id="plans"' not in _html(response)


@pytest.mark.parametrize("page", ["review", "client"])
def test_the_panel_costs_the_same_queries_however_many_plans(
    cast: Cast, zhao_case: KmsCase, page: str
) -> None:
    url = (
        reverse("kms:step", args=[zhao_case.pk, "review"])
        if page == "review"
        else reverse("clients:detail", args=[zhao_case.client_id])
    )
    http = logged_in(cast.advisor)
    _queued(zhao_case)
    http.get(url)  # warm the session and the caches of the first request
    with CaptureQueriesContext(connection) as one:
        assert http.get(url).status_code == 200
    for _ in range(3):
        _queued(zhao_case)

    with CaptureQueriesContext(connection) as four:
        html = _html(http.get(url))

    assert html.count('class="plan-row') == 4
    assert len(four) == len(one)


# Downloading -------------------------------------------------------------------------


def test_it_downloads_the_rendered_plan_with_its_chinese_name(
    cast: Cast, zhao_case: KmsCase, plan_root: Path
) -> None:
    document = _ready(zhao_case)  # WeasyPrint, for real

    response = logged_in(cast.advisor).post(_download_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    filename = "方案建议书-赵立新-第1版.pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
    assert response["Cache-Control"] == "private, no-store"
    body = _body(response)
    assert body.startswith(b"%PDF")
    assert body == (plan_root / document.file.name).read_bytes()
    assert int(response["Content-Length"]) == document.byte_size
    access = SensitiveAccess.objects.get()
    assert (access.client_id, access.user, access.field, access.ip_address) == (
        zhao_case.client_id,
        cast.advisor,
        SensitiveAccess.Field.PLAN,
        "127.0.0.1",
    )


def test_earlier_versions_stay_downloadable_under_their_own_names(
    cast: Cast, zhao_case: KmsCase, quick_render: None
) -> None:
    first, second = _ready(zhao_case), _ready(zhao_case)
    # The file is the client's Chinese copy, whatever language the advisor reads.
    http = logged_in(cast.advisor)
    http.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    responses = [http.post(_download_url(d)) for d in (first, second)]

    assert [r.status_code for r in responses] == [200, 200]
    assert [r["Content-Disposition"] for r in responses] == [
        f"attachment; filename*=utf-8''{quote(f'方案建议书-赵立新-第{n}版.pdf')}" for n in (1, 2)
    ]
    assert [_body(r) for r in responses] == [_stand_in_pdf(first), _stand_in_pdf(second)]
    assert SensitiveAccess.objects.count() == 2


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_the_team_lead_and_the_admin_may_download(
    cast: Cast, zhao_case: KmsCase, quick_render: None, role: str
) -> None:
    document = _ready(zhao_case)
    user = getattr(cast, role)

    response = logged_in(user).post(_download_url(document))

    assert response.status_code == 200
    assert _body(response) == _stand_in_pdf(document)
    assert SensitiveAccess.objects.get().user == user


@pytest.mark.parametrize("damage", ["tampered", "missing", "queued", "failed"])
def test_it_answers_404_when_there_is_no_sound_file(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None, damage: str
) -> None:
    document = _ready(zhao_case)
    path = plan_root / document.file.name
    if damage == "tampered":
        path.write_bytes(path.read_bytes().replace(b"stand-in", b"forgery!"))
    elif damage == "missing":
        path.unlink()
    else:
        PlanDocument.objects.filter(pk=document.pk).update(status=damage)

    response = logged_in(cast.advisor).post(_download_url(document))

    assert response.status_code == 404
    assert not SensitiveAccess.objects.exists()


# Access ------------------------------------------------------------------------------


@dataclass
class World:
    """Mr Zhao's case with a ready and a failed plan: something for every endpoint."""

    case: KmsCase
    ready: PlanDocument
    failed: PlanDocument

    def request(self, http: HttpClient, endpoint: str) -> Response:
        if endpoint == "generate":
            return http.post(_generate_url(self.case))
        if endpoint == "status":
            return http.get(_status_url(self.ready))
        if endpoint == "retry":
            return http.post(_retry_url(self.failed))
        return http.post(_download_url(self.ready))

    def snapshot(self) -> dict[str, Any]:
        """Every plan row and download record, to prove that a request changed nothing."""
        return {
            "plans": list(PlanDocument.objects.order_by("pk").values()),
            "accesses": SensitiveAccess.objects.count(),
        }


@pytest.fixture
def world(zhao_case: KmsCase, quick_render: None) -> World:
    return World(case=zhao_case, ready=_ready(zhao_case), failed=_failed(zhao_case))


ENDPOINTS = ["generate", "status", "retry", "download"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("intruder", ["outsider", "teammate", "other_lead"])
def test_it_answers_404_to_anyone_who_may_not_see_the_client(
    cast: Cast, world: World, endpoint: str, intruder: str
) -> None:
    before = world.snapshot()

    response = world.request(_htmx(logged_in(getattr(cast, intruder))), endpoint)

    assert response.status_code == 404
    assert world.snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_team_lead_of_the_owner_reaches_every_endpoint(
    cast: Cast, world: World, endpoint: str
) -> None:
    response = world.request(_htmx(logged_in(cast.lead)), endpoint)

    assert response.status_code == 200


def test_it_answers_404_to_an_anonymous_download(world: World) -> None:
    before = world.snapshot()

    response = world.request(HttpClient(), "download")

    assert response.status_code == 404
    assert world.snapshot() == before


@pytest.mark.parametrize("endpoint", ["generate", "status", "retry"])
def test_it_sends_anonymous_visitors_to_the_login_page(world: World, endpoint: str) -> None:
    before = world.snapshot()

    response = world.request(HttpClient(), endpoint)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert world.snapshot() == before


WRONG_METHODS = [
    ("generate", "get"),
    ("generate", "put"),
    ("status", "post"),
    ("status", "delete"),
    ("retry", "get"),
    ("retry", "put"),
    ("download", "get"),
    ("download", "delete"),
]


@pytest.mark.parametrize(("endpoint", "method"), WRONG_METHODS)
def test_it_answers_405_to_the_wrong_method(
    cast: Cast, world: World, endpoint: str, method: str
) -> None:
    urls = {
        "generate": _generate_url(world.case),
        "status": _status_url(world.ready),
        "retry": _retry_url(world.failed),
        "download": _download_url(world.ready),
    }
    before = world.snapshot()

    response = getattr(logged_in(cast.advisor), method)(urls[endpoint])

    assert response.status_code == 405
    assert world.snapshot() == before


def test_it_answers_404_for_a_plan_or_case_that_does_not_exist(cast: Cast, db: None) -> None:
    http = logged_in(cast.advisor)
    missing = 987_654

    assert http.post(reverse("kms:plan_generate", args=[missing])).status_code == 404
    assert http.get(reverse("kms:plan_status", args=[missing])).status_code == 404
    assert http.post(reverse("kms:plan_retry", args=[missing])).status_code == 404
    assert http.post(reverse("kms:plan_download", args=[missing])).status_code == 404
    assert HttpClient().post(reverse("kms:plan_download", args=[missing])).status_code == 404


def test_it_answers_404_for_a_plan_of_an_erased_client(
    cast: Cast, quick_render: None, django_capture_on_commit_callbacks: Any
) -> None:
    from kyc.erasure import client_erase

    document = _ready(make_case(client=cast.advisor_client, status=CaseStatus.PRESENTED))
    with django_capture_on_commit_callbacks(execute=True):
        client_erase(client=cast.advisor_client, user=cast.admin, reason="request")

    http = logged_in(cast.advisor)
    assert http.get(_status_url(document)).status_code == 404
    assert http.post(_download_url(document)).status_code == 404


# No URL reaches a file ---------------------------------------------------------------


def test_no_url_serves_a_plan_file(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None
) -> None:
    document = _ready(zhao_case)
    name = document.file.name
    assert (plan_root / name).is_file()
    guesses = [
        f"/{name}",
        f"/media/{name}",
        f"/media/plans/{name}",
        f"/private/plans/{name}",
        f"/plans/{name}",
        f"/var/private/plans/{name}",
        f"/static/{name}",
    ]

    for http in (logged_in(cast.advisor), logged_in(cast.admin), HttpClient()):
        for url in guesses:
            response = http.get(url)
            assert response.status_code == 404, url


def test_it_does_not_count_a_lost_render_against_the_users_share(
    cast: Cast, zhao_case: KmsCase
) -> None:
    """A render whose job was lost (queued long ago) holds no renderer."""
    long_ago = timezone.now() - PLAN_STALE_AFTER - dt.timedelta(minutes=1)
    for number in range(1, plan_services.PLANS_IN_PROGRESS_PER_USER + 1):
        PlanDocument.objects.create(
            case=zhao_case, client=zhao_case.client, number=number, requested_by=cast.advisor,
            requested_at=long_ago,
        )  # fmt: skip

    plan_services.plan_quota_check(user=cast.advisor)
