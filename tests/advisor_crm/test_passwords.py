"""Password rules (ASVS V2) and failed-login throttling per account and per address."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from pytest_django import Settings

from advisor_crm.accounts.models import Role, User
from tests.conftest import Cast, logged_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def _codes(password: str, user: User | None = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list if e.code}
    return set()


def test_it_requires_twelve_characters() -> None:
    assert "password_too_short" in _codes("kq7#vbn2!xz")  # 11
    assert _codes("kq7#vbn2!xzm") == set()  # 12


def test_it_refuses_a_password_like_the_username() -> None:
    user = User(username="wanglihong")

    assert "password_too_similar" in _codes("wanglihong2026", user)


def test_it_refuses_the_current_password_as_the_new_one(cast: Cast) -> None:
    assert "password_is_current" in _codes(PASSWORD, cast.advisor)
    assert "password_is_current" not in _codes("an-other-pass-2026", cast.advisor)


def test_it_refuses_the_current_password_on_the_change_page(cast: Cast) -> None:
    http = logged_in(cast.advisor)

    response = http.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 200
    assert "The new password must differ from the current one." in response.content.decode()
    cast.advisor.refresh_from_db()
    assert cast.advisor.check_password(PASSWORD)


def test_it_refuses_a_new_users_password_like_the_username_typed(cast: Cast) -> None:
    response = logged_in(cast.admin).post(
        reverse("accounts:user_create"),
        {
            "username": "chenxiaoming",
            "role": Role.ADVISOR,
            "is_active": "on",
            "password": "chenxiaoming88",
        },
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="chenxiaoming").exists()


def _fail_login(http: HttpClient, username: str) -> None:
    http.post(LOGIN_URL, {"username": username, "password": "wrong-password-1"})


def test_it_locks_an_address_that_sprays_one_password_over_many_usernames(
    cast: Cast, settings: Settings
) -> None:
    settings.AXES_IP_FAILURE_LIMIT = 8
    users = [make_user(username=f"spray{n}") for n in range(8)]
    http = HttpClient()
    for user in users:  # one failure each: no account reaches its own limit
        _fail_login(http, user.username)

    response = http.post(LOGIN_URL, {"username": "advisor", "password": PASSWORD})

    assert response.status_code == 429


def test_it_lets_an_address_below_its_limit_log_in(cast: Cast, settings: Settings) -> None:
    settings.AXES_IP_FAILURE_LIMIT = 8
    http = HttpClient()
    for n in range(7):
        _fail_login(http, f"spray{n}")

    response = http.post(LOGIN_URL, {"username": "advisor", "password": PASSWORD})

    assert response.status_code == 302


def test_it_does_not_lock_another_address(cast: Cast, settings: Settings) -> None:
    settings.AXES_IP_FAILURE_LIMIT = 8
    for n in range(8):
        _fail_login(HttpClient(REMOTE_ADDR="10.0.0.1"), f"spray{n}")

    response = HttpClient(REMOTE_ADDR="10.0.0.2").post(
        LOGIN_URL, {"username": "advisor", "password": PASSWORD}
    )

    assert response.status_code == 302


def test_it_keeps_the_per_account_limit(cast: Cast) -> None:
    http = HttpClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(http, "advisor")

    response = http.post(LOGIN_URL, {"username": "advisor", "password": PASSWORD})

    assert response.status_code == 429


@pytest.mark.parametrize("length", [256, 5000])
def test_it_answers_a_login_with_a_huge_username_without_a_server_error(
    cast: Cast, length: int
) -> None:
    response = HttpClient().post(
        LOGIN_URL,
        {"username": "a" * length, "password": "wrong-password-1"},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()
