"""Logging in, throttling, language, and the admin's user and team pages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from advisor_crm.accounts.models import Role, Team, User
from tests.conftest import Cast, logged_in
from tests.factories import PASSWORD, make_user

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

LOGIN_URL = "/accounts/login/"
ENGLISH = {"Accept-Language": "en"}


def _html(response: Response) -> str:
    return response.content.decode()


def _is_logged_in(http: HttpClient) -> bool:
    response = http.get(reverse("clients:list"))
    return response.status_code == 200


# Language --------------------------------------------------------------------------


def test_it_shows_the_login_page_in_chinese_by_default(db: None) -> None:
    response = HttpClient().get(LOGIN_URL)

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in _html(response)
    # Django's own translations of the form's labels.
    assert "用户名" in _html(response)
    assert "密码" in _html(response)
    assert "Username" not in _html(response)


def test_it_shows_the_login_page_in_english_to_an_english_browser(db: None) -> None:
    response = HttpClient().get(LOGIN_URL, headers=ENGLISH)

    assert '<html lang="en">' in _html(response)
    assert "Username" in _html(response)
    assert "Password" in _html(response)
    assert "用户名" not in _html(response)


def test_it_keeps_the_language_chosen_in_the_switcher(db: None) -> None:
    http = HttpClient()

    response = http.post(reverse("set_language"), {"language": "en", "next": LOGIN_URL})

    assert response.status_code == 302
    assert http.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in _html(http.get(LOGIN_URL))


def test_it_prefers_the_language_cookie_over_the_browser(db: None) -> None:
    http = HttpClient()
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = http.get(LOGIN_URL, headers=ENGLISH)

    assert '<html lang="zh-hans">' in _html(response)


def test_it_translates_the_application_into_chinese(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:list"))

    # zh translation: the page title and navigation of our own templates.
    assert "Clients" not in re.sub(r"<[^>]+>", " ", _html(response))
    assert "客户" in _html(response)


# Logging in ------------------------------------------------------------------------


def test_it_logs_in_with_the_login_form(cast: Cast) -> None:
    http = HttpClient()

    response = http.post(LOGIN_URL, {"username": "advisor", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("clients:list")
    assert _is_logged_in(http)


def test_it_returns_to_the_page_asked_for_after_login(cast: Cast) -> None:
    wanted = reverse("clients:detail", args=[cast.advisor_client.pk])

    response = HttpClient().post(
        LOGIN_URL, {"username": "advisor", "password": PASSWORD, "next": wanted}
    )

    assert response["Location"] == wanted


def test_it_refuses_a_wrong_password(cast: Cast) -> None:
    http = HttpClient()

    response = http.post(LOGIN_URL, {"username": "advisor", "password": "wrong-password"})

    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in _html(response)  # Django's own message
    assert not _is_logged_in(http)


def test_it_refuses_an_inactive_user(cast: Cast) -> None:
    User.objects.filter(pk=cast.advisor.pk).update(is_active=False)
    http = HttpClient()

    response = http.post(LOGIN_URL, {"username": "advisor", "password": PASSWORD})

    assert response.status_code == 200
    assert not _is_logged_in(http)


def test_it_refuses_a_login_without_csrf_token(cast: Cast) -> None:
    http = HttpClient(enforce_csrf_checks=True)

    response = http.post(LOGIN_URL, {"username": "advisor", "password": PASSWORD})

    assert response.status_code == 403
    assert not _is_logged_in(http)


def test_it_logs_out_with_a_post(cast: Cast) -> None:
    http = logged_in(cast.advisor)

    response = http.post(reverse("logout"))

    assert response.status_code == 302
    assert not _is_logged_in(http)


def test_it_allows_a_few_mistakes_before_locking(cast: Cast) -> None:
    http = HttpClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        http.post(LOGIN_URL, {"username": "advisor", "password": "wrong-password"})

    response = http.post(LOGIN_URL, {"username": "advisor", "password": PASSWORD})

    assert response.status_code == 302
    assert _is_logged_in(http)


def test_it_locks_out_after_too_many_failures(cast: Cast) -> None:
    http = HttpClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        http.post(LOGIN_URL, {"username": "advisor", "password": "wrong-password"}, headers=ENGLISH)

    # Even the right password is refused now.
    response = http.post(LOGIN_URL, {"username": "advisor", "password": PASSWORD}, headers=ENGLISH)

    assert response.status_code == 429
    assert "Too many failed logins" in _html(response)
    assert not _is_logged_in(http)


def test_it_locks_only_the_attacked_username(cast: Cast) -> None:
    http = HttpClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        http.post(LOGIN_URL, {"username": "advisor", "password": "wrong-password"})

    response = http.post(LOGIN_URL, {"username": "teammate", "password": PASSWORD})

    assert response.status_code == 302


# Navigation by role ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees_admin_pages"),
    [
        ("advisor", False),
        ("teammate", False),
        ("lead", False),
        ("other_lead", False),
        ("admin", True),
    ],
)
def test_it_shows_users_and_teams_in_the_navigation_only_to_admins(
    cast: Cast, role: str, sees_admin_pages: bool
) -> None:
    response = logged_in(getattr(cast, role)).get(reverse("clients:list"))

    nav = re.search(r'<nav class="nav".*?</nav>', _html(response), re.S)
    assert nav
    assert f'href="{reverse("clients:list")}"' in nav.group(0)
    assert (f'href="{reverse("accounts:user_list")}"' in nav.group(0)) == sees_admin_pages
    assert (f'href="{reverse("accounts:team_list")}"' in nav.group(0)) == sees_admin_pages


def test_it_shows_a_superuser_the_admin_pages_whatever_the_role(cast: Cast) -> None:
    root = make_user(username="root", role=Role.ADVISOR, is_superuser=True)

    response = logged_in(root).get(reverse("accounts:user_list"))

    assert response.status_code == 200


# User and team management ----------------------------------------------------------


def _admin_urls(cast: Cast) -> list[tuple[str, str]]:
    team = Team.objects.get(lead=cast.lead)
    return [
        ("get", reverse("accounts:user_list")),
        ("get", reverse("accounts:user_create")),
        ("post", reverse("accounts:user_create")),
        ("get", reverse("accounts:user_edit", args=[cast.advisor.pk])),
        ("post", reverse("accounts:user_edit", args=[cast.advisor.pk])),
        ("get", reverse("accounts:team_list")),
        ("get", reverse("accounts:team_create")),
        ("post", reverse("accounts:team_create")),
        ("get", reverse("accounts:team_edit", args=[team.pk])),
        ("post", reverse("accounts:team_edit", args=[team.pk])),
    ]


@pytest.mark.parametrize("role", ["advisor", "teammate", "outsider", "lead", "other_lead"])
def test_it_forbids_user_and_team_pages_to_non_admins(cast: Cast, role: str) -> None:
    http = logged_in(getattr(cast, role))
    team_names = set(Team.objects.values_list("name", flat=True))

    for method, url in _admin_urls(cast):
        data = {"username": "intruder", "name": "黑客组", "lead": cast.lead.pk, "role": "admin"}
        response = getattr(http, method)(url, data) if method == "post" else http.get(url)
        assert response.status_code == 403, url

    assert not User.objects.filter(username="intruder").exists()
    assert User.objects.get(pk=cast.advisor.pk).role == Role.ADVISOR
    assert set(Team.objects.values_list("name", flat=True)) == team_names


def test_it_sends_anonymous_users_from_admin_pages_to_login(cast: Cast) -> None:
    for method, url in _admin_urls(cast):
        response = getattr(HttpClient(), method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN_URL}?next=")


def test_it_lists_users_and_teams_to_the_admin(cast: Cast) -> None:
    http = logged_in(cast.admin)

    users = http.get(reverse("accounts:user_list"))
    teams = http.get(reverse("accounts:team_list"))

    assert users.status_code == 200
    for username in ["advisor", "teammate", "outsider", "lead", "other_lead", "admin"]:
        assert f">{username}</a>" in _html(users)
    assert teams.status_code == 200
    assert "杭州一组" in _html(teams) and "上海二组" in _html(teams)


def test_it_lets_the_admin_create_a_user_with_a_role_and_team(cast: Cast) -> None:
    team = Team.objects.get(lead=cast.lead)

    response = logged_in(cast.admin).post(
        reverse("accounts:user_create"),
        {
            "username": "newbie",
            "display_name": "新同事",
            "email": "newbie@example.cn",
            "phone": "13700000000",
            "role": Role.ADVISOR,
            "team": team.pk,
            "is_active": "on",
            "password": "a-Strong-pass-2026",
        },
    )

    assert response.status_code == 303
    assert response["Location"] == reverse("accounts:user_list")
    user = User.objects.get(username="newbie")
    assert (user.role, user.team, user.display_name) == (Role.ADVISOR, team, "新同事")
    assert user.check_password("a-Strong-pass-2026")
    login = HttpClient().post(LOGIN_URL, {"username": "newbie", "password": "a-Strong-pass-2026"})
    assert login.status_code == 302
    # The new advisor now shows among the lead's team.
    assert user in User.objects.filter(team__lead=cast.lead)


def test_it_requires_a_password_for_a_new_user(cast: Cast) -> None:
    response = logged_in(cast.admin).post(
        reverse("accounts:user_create"),
        {"username": "newbie", "role": Role.ADVISOR, "is_active": "on", "password": ""},
    )

    assert response.status_code == 200
    assert "这个字段是必填项。" in _html(response)  # Django's own message
    assert not User.objects.filter(username="newbie").exists()


def test_it_refuses_a_weak_password(cast: Cast) -> None:
    response = logged_in(cast.admin).post(
        reverse("accounts:user_create"),
        {"username": "newbie", "role": Role.ADVISOR, "is_active": "on", "password": "12345678"},
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()


def test_it_refuses_an_admin_in_a_team(cast: Cast) -> None:
    team = Team.objects.get(lead=cast.lead)

    response = logged_in(cast.admin).post(
        reverse("accounts:user_create"),
        {
            "username": "boss",
            "role": Role.ADMIN,
            "team": team.pk,
            "is_active": "on",
            "password": "a-Strong-pass-2026",
        },
        headers=ENGLISH,
    )

    assert response.status_code == 200
    assert "Administrators do not belong to a team." in _html(response)
    assert not User.objects.filter(username="boss").exists()


def test_it_keeps_the_password_when_the_admin_edits_a_user_without_one(cast: Cast) -> None:
    other_team = Team.objects.get(lead=cast.other_lead)

    response = logged_in(cast.admin).post(
        reverse("accounts:user_edit", args=[cast.advisor.pk]),
        {
            "username": "advisor",
            "display_name": "调岗顾问",
            "role": Role.ADVISOR,
            "team": other_team.pk,
            "is_active": "on",
            "password": "",
        },
    )

    assert response.status_code == 303
    advisor = User.objects.get(pk=cast.advisor.pk)
    assert (advisor.team, advisor.display_name) == (other_team, "调岗顾问")
    assert advisor.check_password(PASSWORD)


def test_it_lets_the_admin_rename_a_team(cast: Cast) -> None:
    team = Team.objects.get(lead=cast.lead)

    response = logged_in(cast.admin).post(
        reverse("accounts:team_edit", args=[team.pk]), {"name": "杭州精英组", "lead": cast.lead.pk}
    )

    assert response.status_code == 303
    assert response["Location"] == reverse("accounts:team_list")
    team.refresh_from_db()
    assert (team.name, team.lead) == ("杭州精英组", cast.lead)
    assert set(team.members.all()) == {cast.lead, cast.advisor, cast.teammate}


def test_it_lets_the_admin_create_a_team_with_a_new_lead(cast: Cast) -> None:
    new_lead = make_user(username="new_lead", role=Role.TEAM_LEAD)

    response = logged_in(cast.admin).post(
        reverse("accounts:team_create"), {"name": "宁波三组", "lead": new_lead.pk}
    )

    assert response.status_code == 303
    team = Team.objects.get(name="宁波三组")
    new_lead.refresh_from_db()
    assert team.lead == new_lead
    assert new_lead.team == team


def test_it_offers_only_team_leads_to_lead_a_team(cast: Cast) -> None:
    response = logged_in(cast.admin).post(
        reverse("accounts:team_create"), {"name": "宁波三组", "lead": cast.advisor.pk}
    )

    assert response.status_code == 200
    assert not Team.objects.filter(name="宁波三组").exists()


def test_it_redirects_htmx_saves_with_a_client_redirect(cast: Cast) -> None:
    team = Team.objects.get(lead=cast.lead)

    response = logged_in(cast.admin).post(
        reverse("accounts:team_edit", args=[team.pk]),
        {"name": "杭州精英组", "lead": cast.lead.pk},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("accounts:team_list")


def test_it_answers_404_for_an_unknown_user_or_team(cast: Cast) -> None:
    http = logged_in(cast.admin)

    assert http.get(reverse("accounts:user_edit", args=[999_999])).status_code == 404
    assert http.get(reverse("accounts:team_edit", args=[999_999])).status_code == 404


@pytest.mark.parametrize("url_name", ["user_list", "team_list"])
def test_it_answers_405_to_a_post_on_a_list(cast: Cast, url_name: str) -> None:
    assert logged_in(cast.admin).post(reverse(f"accounts:{url_name}")).status_code == 405
