"""An htmx request after the session ended takes the whole page to the login, and
user pages are never kept by the browser (advisor_crm/middleware.py)."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests.conftest import Cast, logged_in

pytestmark = pytest.mark.django_db


def _htmx(current: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{current}"}


def test_it_sends_an_htmx_request_without_a_session_to_the_login_with_the_page(
    cast: Cast,
) -> None:
    client = cast.advisor_client
    page = reverse("kyc:page", args=[client.pk])
    fragment = reverse("kyc:item_new", args=[client.pk, "people"])

    response = HttpClient().get(fragment, headers=_htmx(page))

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next=%2Fclients%2F{client.pk}%2Fkyc%2F"
    assert b"password" not in response.content


def test_it_does_the_same_for_a_post_after_logging_out_elsewhere(cast: Cast) -> None:
    client = cast.advisor_client
    http = logged_in(cast.advisor)
    page = reverse("kyc:page", args=[client.pk])
    logged_in_elsewhere = HttpClient()
    logged_in_elsewhere.cookies = http.cookies
    logged_in_elsewhere.post(reverse("logout"))

    response = http.post(
        reverse("kyc:household", args=[client.pk]), {"annual_spending": "60万"}, headers=_htmx(page)
    )

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")


def test_it_leaves_ordinary_requests_to_the_login_redirect(cast: Cast) -> None:
    page = reverse("kyc:page", args=[cast.advisor_client.pk])
    response = HttpClient().get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "HX-Redirect" not in response


def test_it_returns_to_the_page_after_logging_in(cast: Cast) -> None:
    page = reverse("kyc:page", args=[cast.advisor_client.pk])
    cast.advisor.set_password("x-pass-2026")
    cast.advisor.save(update_fields=["password"])
    response = HttpClient().post(
        f"/accounts/login/?next={page}",
        {"username": cast.advisor.username, "password": "x-pass-2026", "next": page},
    )
    assert response.status_code == 302
    assert response["Location"] == page


def test_it_marks_user_pages_no_store(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("kyc:page", args=[cast.advisor_client.pk]))
    assert "no-store" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
