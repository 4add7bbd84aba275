"""The client list sorted and filtered by what the apps above add (clients/listing.py).

Scoring registers its score and tier (scoring/listing.py); these tests go through the
list page as users do, so they also check that the registrations are in place.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings

from advisor_crm.accounts.models import User
from clients.models import Client
from scoring import services as scoring_services
from tests.conftest import Cast, logged_in
from tests.factories import make_client, make_score, make_version

ENGLISH = {"Accept-Language": "en"}
HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "client-results", **ENGLISH}


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<td><a href="/clients/(\d+)/">', html)]


def _next_link(html: str) -> str | None:
    found = re.search(r'<a href="\?([^"]*)"[^>]*>Next', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _prev_link(html: str) -> str | None:
    found = re.search(r'<a href="\?([^"]*)"[^>]*>← Previous', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(http: HttpClient, query: str) -> list[tuple[str, list[int]]]:
    """Every page of the list as (its query, its client ids), following the Next links."""
    pages = []
    url: str | None = query
    while url is not None:
        html = http.get(f"{reverse('clients:list')}?{url}", headers=ENGLISH).content.decode()
        pages.append((url, _ids(html)))
        url = _next_link(html)
    return pages


def _scored(owner: User, name: str, score: int, tier: str = "") -> Client:
    client = make_client(owner=owner, name=name)
    make_score(client=client, score=score, tier=tier)
    return client


@pytest.fixture
def scored(cast: Cast) -> list[Client]:
    """The advisor's clients best first (ties by id), with the teammate's and outsider's.

    The published version's tiers are 金 and 银 (the factory's), so the filter offers them.
    """
    scoring_services.version_publish(version=make_version(created_by=cast.admin), user=cast.admin)
    make_score(client=cast.advisor_client, score=10, tier="银")
    make_score(client=cast.teammate_client, score=95, tier="金")
    make_score(client=cast.outsider_client, score=99, tier="金")
    top = _scored(cast.advisor, "甲", 80, "金")
    tied = [_scored(cast.advisor, f"并列{i}", 40, "银") for i in range(3)]
    low = _scored(cast.advisor, "负分", -5, "银")
    return [top, *tied, Client.objects.get(pk=cast.advisor_client.pk), low]


def test_it_sorts_by_score_across_keyset_pages_both_ways(
    cast: Cast, scored: list[Client], settings: Settings
) -> None:
    settings.CLIENT_LIST_PAGE_SIZE = 2
    http = logged_in(cast.advisor)

    pages = _walk(http, "sort=score")

    assert [ids for _query, ids in pages] == [[c.pk for c in scored[i : i + 2]] for i in (0, 2, 4)]
    # Back from the last page: the middle page again, the tie in the same order.
    last_query = pages[-1][0]
    last = http.get(f"{reverse('clients:list')}?{last_query}", headers=ENGLISH).content.decode()
    previous = _prev_link(last)
    assert previous is not None
    html = http.get(f"{reverse('clients:list')}?{previous}", headers=ENGLISH).content.decode()
    assert _ids(html) == [scored[2].pk, scored[3].pk]


def test_it_shows_score_and_tier_columns(cast: Cast, scored: list[Client]) -> None:
    html = logged_in(cast.advisor).get(reverse("clients:list"), headers=ENGLISH).content.decode()

    assert "<th>Score</th>" in html and "<th>Tier</th>" in html
    row = re.search(rf'/clients/{scored[0].pk}/">甲</a>.*?</tr>', html, re.S)
    assert row is not None
    assert "<td>80</td>" in row.group(0) and "<td>金</td>" in row.group(0)


def test_it_shows_a_dash_for_an_unscored_client(cast: Cast) -> None:
    html = logged_in(cast.advisor).get(reverse("clients:list"), headers=ENGLISH).content.decode()
    row = re.search(r">赵建国</a>.*?</tr>", html, re.S)
    assert row is not None
    assert row.group(0).count("<td>—</td>") >= 2


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("advisor", ["甲", "并列0", "并列1", "并列2", "赵建国", "负分"]),
        ("lead", ["孙丽", "甲", "并列0", "并列1", "并列2", "赵建国", "负分"]),
        ("outsider", ["周杰"]),
        ("admin", ["周杰", "孙丽", "甲", "并列0", "并列1", "并列2", "赵建国", "负分"]),
    ],
)
def test_it_sorts_only_the_clients_each_role_may_see(
    cast: Cast, scored: list[Client], role: str, expected: list[str]
) -> None:
    html = (
        logged_in(getattr(cast, role))
        .get(reverse("clients:list"), {"sort": "score"}, headers=ENGLISH)
        .content.decode()
    )
    assert re.findall(r'<td><a href="/clients/\d+/">(.*?)</a>', html) == expected


def test_it_filters_by_tier_and_minimum_score(cast: Cast, scored: list[Client]) -> None:
    http = logged_in(cast.advisor)
    url = reverse("clients:list")

    gold = http.get(url, {"tier": "金", "sort": "score"}, headers=ENGLISH).content.decode()
    from_ten = http.get(url, {"min_score": "10", "sort": "name"}, headers=ENGLISH)

    assert _ids(gold) == [scored[0].pk]
    # 10 is included; the names sort 并列… before 甲 before 赵 by code point.
    assert sorted(_ids(from_ten.content.decode())) == sorted(c.pk for c in scored[:5])
    assert scored[5].pk not in _ids(from_ten.content.decode())


def test_it_offers_the_tiers_of_the_published_version(cast: Cast) -> None:
    version = make_version(created_by=cast.admin, tiers=(("钻石", 60), ("金", 30), ("银", -1000)))
    scoring_services.version_publish(version=version, user=cast.admin)
    make_version(created_by=cast.admin, tiers=(("草稿档", 0),))

    html = logged_in(cast.advisor).get(reverse("clients:list"), headers=ENGLISH).content.decode()

    select = re.search(r'<select name="tier".*?</select>', html, re.S)
    assert select is not None
    assert re.findall(r'<option value="([^"]*)"', select.group(0)) == ["", "钻石", "金", "银"]


def test_it_leaves_unscored_clients_out_of_the_score_order_and_says_so(
    cast: Cast, scored: list[Client]
) -> None:
    unscored = make_client(owner=cast.advisor, name="未评分")
    http = logged_in(cast.advisor)

    by_score = http.get(reverse("clients:list"), {"sort": "score"}, headers=ENGLISH)
    by_name = http.get(reverse("clients:list"), {"sort": "name"}, headers=ENGLISH)

    assert unscored.pk not in _ids(by_score.content.decode())
    assert "Clients not scored yet are not listed in this order." in by_score.content.decode()
    assert unscored.pk in _ids(by_name.content.decode())
    assert "not scored yet" not in by_name.content.decode()


def test_it_keeps_archived_clients_out_unless_asked(cast: Cast, scored: list[Client]) -> None:
    Client.objects.filter(pk=scored[0].pk).update(archived_at=timezone.now())
    http = logged_in(cast.advisor)

    plain = http.get(reverse("clients:list"), {"sort": "score"}, headers=ENGLISH)
    archived = http.get(reverse("clients:list"), {"sort": "score", "archived": "on"})

    assert scored[0].pk not in _ids(plain.content.decode())
    assert _ids(archived.content.decode())[0] == scored[0].pk


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "1.5"])
def test_it_answers_a_bad_minimum_score_with_an_error_next_to_the_field(
    cast: Cast, scored: list[Client], value: str
) -> None:
    http = logged_in(cast.advisor)

    page = http.get(reverse("clients:list"), {"min_score": value}, headers=ENGLISH)
    results = http.get(reverse("clients:list"), {"min_score": value}, headers=HTMX_RESULTS)

    assert page.status_code == 200 and results.status_code == 200
    field = re.search(r'<div class="field has-error">.*?</div>', page.content.decode(), re.S)
    assert field is not None and 'name="min_score"' in field.group(0)
    assert 'class="error" role="alert"' in field.group(0)
    assert "The filters were not applied:" in results.content.decode()


def test_it_answers_an_unknown_tier_with_an_error(cast: Cast, scored: list[Client]) -> None:
    response = logged_in(cast.advisor).get(
        reverse("clients:list"), {"tier": "不存在"}, headers=ENGLISH
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


def _score_cursor(score: str, client_id: int) -> str:
    payload = json.dumps({"d": "n", "v": [score, str(client_id)]}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def test_it_answers_400_for_a_tampered_score_cursor(cast: Cast, scored: list[Client]) -> None:
    cursor = _score_cursor("abc", scored[0].pk)
    response = logged_in(cast.advisor).get(
        reverse("clients:list"), {"sort": "score", "cursor": cursor}
    )
    assert response.status_code == 400


def test_it_pages_from_a_huge_score_key_without_error(cast: Cast, scored: list[Client]) -> None:
    # Beyond any score, and beyond the column's integer type: every row comes after it.
    cursor = _score_cursor("9" * 30, 0)
    response = logged_in(cast.advisor).get(
        reverse("clients:list"), {"sort": "score", "cursor": cursor}
    )
    assert response.status_code == 200
    assert _ids(response.content.decode()) == [c.pk for c in scored]


@pytest.mark.parametrize("headers", [{}, HTMX_RESULTS], ids=["page", "htmx"])
def test_it_sorts_by_score_in_a_constant_number_of_queries(
    cast: Cast, django_assert_num_queries: DjangoAssertNumQueries, headers: dict[str, str]
) -> None:
    http = logged_in(cast.advisor)
    query = {"sort": "score", "tier": "金", "min_score": "1"}
    version = make_version(created_by=cast.admin)
    scoring_services.version_publish(version=version, user=cast.admin)
    _scored(cast.advisor, "一", 50, "金")
    http.get(reverse("clients:list"), query)  # warm up: session, language, caches
    # Session, user, the tiers (to validate the filter), one page of clients with
    # their owners and scores, their tags.
    with django_assert_num_queries(5):
        few = http.get(reverse("clients:list"), query, headers=headers)
    for index in range(20):
        _scored(cast.advisor, f"批量{index:02d}", 30 + index, "金")
    with django_assert_num_queries(5):
        many = http.get(reverse("clients:list"), query, headers=headers)

    assert len(_ids(few.content.decode())) == 1
    assert len(_ids(many.content.decode())) == 21
