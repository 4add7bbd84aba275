import os
import socket

import pytest
from cryptography.fernet import Fernet
from django.core import checks
from django.test import Client as HttpClient
from pytest_django import Settings

from advisor_crm.accounts.models import Role
from advisor_crm.celery import app as celery_app
from tests.conftest import logged_in
from tests.factories import make_client, make_user

pytestmark = pytest.mark.django_db


def _admin() -> HttpClient:
    """Only a logged-in administrator sees the parts; others see the status alone."""
    return logged_in(make_user(username="ops", role=Role.ADMIN))


def _closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_broker(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the Celery app at a closed port, as when Redis is down.

    health.py connects through advisor_crm.celery.app, whose configuration was read
    from the settings once, and Celery prefers the CELERY_BROKER_URL environment
    variable over its configuration, so all three change (and are restored after).
    """
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    monkeypatch.setitem(celery_app.conf, "broker_url", url)
    assert celery_app.conf.broker_write_url == url
    return url


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs the Redis that `make test` starts"
)
def test_it_reports_database_and_broker_ok() -> None:
    response = _admin().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"status": "ok", "vendor": "postgresql"},
        "broker": {"status": "ok", "mode": "redis"},
        "encryption": {"status": "ok"},
    }


def test_it_answers_503_when_the_broker_is_unreachable(unreachable_broker: str) -> None:
    response = _admin().get("/healthz")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["broker"]["status"] == "error"
    assert body["broker"]["mode"] == "redis"
    assert body["broker"]["error"]  # the exception's class name says why
    assert body["database"]["status"] == "ok"


def test_it_is_healthy_again_once_the_broker_is_back(
    unreachable_broker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = _admin()
    admin.get("/healthz")
    monkeypatch.setenv("CELERY_BROKER_URL", "memory://")
    monkeypatch.setitem(celery_app.conf, "broker_url", "memory://")

    response = admin.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"]["status"] == "ok"


def test_it_reports_eager_mode_when_there_is_no_broker(settings: Settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = _admin().get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == {"status": "ok", "mode": "eager"}


def test_it_needs_no_login_and_is_never_cached() -> None:
    response = HttpClient().get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]


def test_it_answers_405_to_a_post() -> None:
    assert HttpClient().post("/healthz").status_code == 405


def test_it_tells_anonymous_callers_the_status_only(unreachable_broker: str) -> None:
    response = HttpClient().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error"}


def test_it_tells_an_advisor_the_status_only() -> None:
    response = logged_in(make_user(username="someone")).get("/healthz")

    assert response.json() == {"status": "ok"}


def test_it_answers_503_when_the_keys_cannot_read_the_stored_id_numbers(
    settings: Settings,
) -> None:
    make_client(owner=make_user(), name="钱多多", id_number="110101199003074578")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    response = _admin().get("/healthz")

    assert response.status_code == 503
    assert response.json()["encryption"]["status"] == "error"
    assert HttpClient().get("/healthz").json() == {"status": "error"}


def test_it_reads_the_stored_id_numbers_with_a_rotated_key_kept_second(
    settings: Settings,
) -> None:
    make_client(owner=make_user(), name="钱多多", id_number="110101199003074578")
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]

    response = _admin().get("/healthz")

    assert response.status_code == 200
    assert response.json()["encryption"] == {"status": "ok"}


def test_it_fails_the_start_up_check_when_the_keys_cannot_read_the_data(
    settings: Settings,
) -> None:
    make_client(owner=make_user(), name="钱多多", id_number="110101199003074578")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    errors = checks.run_checks(tags=[checks.Tags.database], databases=["default"])

    assert [e.id for e in errors] == ["clients.E001"]


def test_it_passes_the_start_up_check_with_the_right_keys() -> None:
    make_client(owner=make_user(), name="钱多多", id_number="110101199003074578")

    errors = checks.run_checks(tags=[checks.Tags.database], databases=["default"])

    assert [e.id for e in errors if e.id == "clients.E001"] == []
