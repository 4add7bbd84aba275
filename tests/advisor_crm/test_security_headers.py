"""Headers and settings of a hardened deployment (issue 13, point 7, and the request
guards of point 9): check --deploy, CSP, Permissions-Policy, no-store, session limits,
undecodable form posts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from pytest_django import Settings

from advisor_crm.middleware import SessionTimeoutMiddleware
from tests.advisor_crm.test_settings import PRODUCTION_SECRETS, SETTINGS_VARIABLES
from tests.conftest import Cast, logged_in

BASE_DIR = Path(__file__).resolve().parents[2]

# Every variable the deployment documents (README, docker-compose.yml), as production
# sets them; SECURE_* are left to their production defaults.
PRODUCTION = {
    **PRODUCTION_SECRETS,
    "DEBUG": "0",
    "CSRF_TRUSTED_ORIGINS": "https://crm.example.cn",
    "DATABASE_URL": "postgres://advisor_crm:secret@db.internal:5432/advisor_crm",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
}
DEPLOY_VARIABLES = SETTINGS_VARIABLES | {
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
}


def _check_deploy(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    # pytest-playwright allows async-unsafe calls in the test process; production does not.
    hidden = DEPLOY_VARIABLES | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    env.update(DJANGO_SETTINGS_MODULE="advisor_crm.settings", VAR_DIR=str(tmp_path))
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_check_deploy_with_the_production_variables(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_warns_when_production_turns_the_https_redirect_off(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, **PRODUCTION, SECURE_SSL_REDIRECT="0")

    assert result.returncode != 0
    assert "security.W008" in result.stderr


# Content-Security-Policy and Permissions-Policy --------------------------------------


def _policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in header.split(";"))
    return {d[0]: (d[1] if len(d) > 1 else "") for d in directives}


@pytest.mark.django_db
def test_it_sends_a_content_security_policy_of_self_only() -> None:
    response = HttpClient().get(reverse("login"))

    policy = _policy(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"  # the SVG pictures are data: URLs
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_it_sends_a_permissions_policy(cast: Cast) -> None:
    response = logged_in(cast.advisor).get(reverse("clients:list"))

    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "Content-Security-Policy" in response


def _templates() -> list[Path]:
    folders = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
    return [path for folder in folders for path in folder.rglob("*.html")]


# Handlers in attributes and inline <script> run only with 'unsafe-inline'. The plan
# document is rendered to PDF by WeasyPrint, never served to a browser: its <style>
# is not under the policy.
INLINE_SCRIPT = re.compile(r"\son[a-z]+\s*=|<script(?![^>]*\ssrc=)|javascript:|\shx-on", re.I)
STYLE_ELEMENT = re.compile(r"<style", re.I)
NOT_SERVED = {"kms/plan/document.html"}


def test_it_keeps_every_served_template_free_of_inline_script_and_style_elements() -> None:
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text):
            offenders.append(str(path.relative_to(BASE_DIR)))
        if STYLE_ELEMENT.search(text) and not any(str(path).endswith(n) for n in NOT_SERVED):
            offenders.append(str(path.relative_to(BASE_DIR)))

    assert _templates()
    assert offenders == []


# Cache-Control: no-store --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "client_page",
        "kyc_fragment",
        "kyc_export_json",
        "kyc_export_page",
        "p100_csv",
        "p100_xlsx",
    ],
)
def test_it_never_lets_the_browser_store_client_pages_exports_and_fragments(
    cast: Cast, url: str
) -> None:
    client = cast.advisor_client
    urls = {
        "client_page": reverse("clients:detail", args=[client.pk]),
        "kyc_fragment": reverse("kyc:item_new", args=[client.pk, "people"]),
        "kyc_export_json": reverse("kyc:export", args=[client.pk]) + "?format=json",
        "kyc_export_page": reverse("kyc:export", args=[client.pk]),
        "p100_csv": reverse("scoring:p100_export", args=[cast.advisor.pk, "csv"]),
        "p100_xlsx": reverse("scoring:p100_export", args=[cast.advisor.pk, "xlsx"]),
    }

    response = logged_in(cast.advisor).get(urls[url], headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# Session limits ------------------------------------------------------------------------


def _age_session(http: HttpClient, **seconds_ago: int) -> None:
    session = http.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


@pytest.mark.django_db
def test_it_keeps_a_session_in_use(cast: Cast) -> None:
    http = logged_in(cast.advisor)
    http.get(reverse("clients:list"))
    _age_session(http, _session_last_seen=settings.SESSION_IDLE_TIMEOUT - 60)

    assert http.get(reverse("clients:list")).status_code == 200


@pytest.mark.django_db
def test_it_ends_a_session_idle_too_long(cast: Cast) -> None:
    http = logged_in(cast.advisor)
    http.get(reverse("clients:list"))
    _age_session(http, _session_last_seen=settings.SESSION_IDLE_TIMEOUT + 1)

    response = http.get(reverse("clients:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    # Logged out for good, not only for this request.
    assert http.get(reverse("clients:list")).status_code == 302


@pytest.mark.django_db
def test_it_ends_a_session_past_its_absolute_limit_even_in_use(
    cast: Cast, settings: Settings
) -> None:
    settings.SESSION_COOKIE_AGE = 3600
    http = logged_in(cast.advisor)
    http.get(reverse("clients:list"))
    _age_session(http, _session_started=3601, _session_last_seen=10)

    assert http.get(reverse("clients:list")).status_code == 302


@pytest.mark.django_db
def test_it_writes_the_last_use_at_most_once_a_minute(cast: Cast) -> None:
    http = logged_in(cast.advisor)
    http.get(reverse("clients:list"))
    first = http.session[SessionTimeoutMiddleware.LAST_SEEN]
    _age_session(http, _session_last_seen=30)
    seen = http.session[SessionTimeoutMiddleware.LAST_SEEN]

    http.get(reverse("clients:list"))

    assert http.session[SessionTimeoutMiddleware.LAST_SEEN] == seen
    assert first - seen >= 29


# Form posts Django cannot decode --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["gbk", "gb18030", "latin-1"])
def test_it_answers_400_to_a_form_post_in_another_charset_than_utf8(charset: str) -> None:
    body = "username=王&password=x".encode(charset, errors="replace")
    content_type = f"application/x-www-form-urlencoded; charset={charset}"

    response = HttpClient().generic("POST", reverse("login"), body, content_type=content_type)

    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"username=a&password=x", "application/x-www-form-urlencoded; charset=no-such-charset"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"--\r\n", "multipart/form-data; boundary="),
    ],
)
def test_it_answers_other_odd_bodies_without_a_server_error(body: bytes, content_type: str) -> None:
    # The test client re-raises what would be a 500.
    response = HttpClient().generic("POST", reverse("login"), body, content_type=content_type)

    assert response.status_code in (200, 400)
