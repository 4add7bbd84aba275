"""settings.py reads the environment and fails loudly when production lacks a secret.

Each case imports the settings in a fresh interpreter, since they are read once.
"""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]

# Every variable settings.py reads that the surrounding test run may have set.
SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
}

PRODUCTION_SECRETS = {
    "SECRET_KEY": "a-production-secret-key-that-is-long-enough-0123456789",
    "ALLOWED_HOSTS": "crm.example.cn",
    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(b"k" * 32).decode(),
    "BLIND_INDEX_KEY": "a-production-blind-index-key",
}

PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "DB_HOST": settings.DATABASES["default"].get("HOST", ""),
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
}))
"""


def _load_settings(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="advisor_crm.settings", VAR_DIR=str(tmp_path), **variables)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _loaded(tmp_path: Path, **variables: str) -> dict[str, object]:
    result = _load_settings(tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_refuses_to_start_without_secret_key_when_debug_is_off(tmp_path: Path) -> None:
    result = _load_settings(tmp_path, DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"]
)
def test_it_names_each_missing_secret_when_debug_is_off(tmp_path: Path, missing: str) -> None:
    secrets = {key: value for key, value in PRODUCTION_SECRETS.items() if key != missing}

    result = _load_settings(tmp_path, DEBUG="0", **secrets)

    assert result.returncode != 0
    assert f"Set the environment variable {missing}." in result.stderr


def test_it_loads_with_debug_off_and_all_secrets_set(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, DEBUG="0", **PRODUCTION_SECRETS)

    assert loaded["DEBUG"] is False
    assert loaded["SECRET_KEY"] == PRODUCTION_SECRETS["SECRET_KEY"]
    assert loaded["ALLOWED_HOSTS"] == ["crm.example.cn"]
    assert loaded["SESSION_COOKIE_SECURE"] is True


def test_it_defaults_to_debug_off(tmp_path: Path) -> None:
    result = _load_settings(tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_a_debug_value_it_does_not_understand(tmp_path: Path) -> None:
    result = _load_settings(tmp_path, DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_it_uses_development_defaults_with_debug_on(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, DEBUG="1")

    assert loaded["DEBUG"] is True
    assert loaded["SECRET_KEY"]
    assert loaded["LANGUAGE_CODE"] == "zh-hans"


def test_it_selects_postgresql_from_database_url(tmp_path: Path) -> None:
    loaded = _loaded(
        tmp_path,
        DEBUG="0",
        DATABASE_URL="postgres://crm:secret@db.internal:5432/advisor_crm",
        **PRODUCTION_SECRETS,
    )

    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["DB_NAME"] == "advisor_crm"
    assert loaded["DB_HOST"] == "db.internal"


def test_it_defaults_to_sqlite_under_var(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, DEBUG="1")

    assert loaded["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["DB_NAME"] == str(tmp_path / "db.sqlite3")


def test_it_runs_tasks_in_process_without_a_broker(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, DEBUG="1")

    assert loaded["CELERY_BROKER_URL"] == ""
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is True


def test_it_sends_tasks_to_the_broker_when_one_is_set(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, DEBUG="1", CELERY_BROKER_URL="redis://127.0.0.1:6379/0")

    assert loaded["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is False


@pytest.mark.django_db
def test_it_runs_this_test_suite_on_the_configured_database() -> None:
    expected = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"

    assert connection.vendor == expected
    assert settings.DATABASES["default"]["ENGINE"] == f"django.db.backends.{expected}"
