"""docker-compose.yml cannot be started here (no Docker engine), so check it as data:
its services, commands and environment must agree with the settings and the code."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _resolved_env(service: dict[str, Any]) -> dict[str, str]:
    """The service's environment with ${VAR...} replaced by a stand-in value."""
    return {
        key: VARIABLE.sub(lambda m: f"x-{m.group(1).lower()}", str(value))
        for key, value in service["environment"].items()
    }


def test_it_has_the_five_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"web", "worker", "beat", "db", "redis"}


def test_it_starts_gunicorn_on_the_projects_wsgi_app(compose: dict[str, Any]) -> None:
    command = compose["services"]["web"]["command"]
    match = re.search(r"gunicorn ([\w.]+):(\w+)", command)
    assert match, command
    module = importlib.import_module(match.group(1))
    assert callable(getattr(module, match.group(2)))
    assert "migrate" in command


@pytest.mark.parametrize(("service", "kind"), [("worker", "worker"), ("beat", "beat")])
def test_it_runs_celery_with_the_projects_app(
    compose: dict[str, Any], service: str, kind: str
) -> None:
    command = compose["services"][service]["command"]
    assert command.startswith(f"celery -A advisor_crm {kind}")
    from advisor_crm.celery import app

    assert app.main == "advisor_crm"


def test_it_points_the_app_at_its_own_database_and_broker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        env = _resolved_env(services[name])
        database = re.match(r"postgres://(\w+):[^@]+@(\w+):5432/(\w+)$", env["DATABASE_URL"])
        assert database, env["DATABASE_URL"]
        user, host, db_name = database.groups()
        assert host in services
        assert services[host]["environment"]["POSTGRES_USER"] == user
        assert services[host]["environment"]["POSTGRES_DB"] == db_name
        broker = re.match(r"redis://(\w+):6379/\d+$", env["CELERY_BROKER_URL"])
        assert broker and broker.group(1) in services
        assert env["DEBUG"] == "0"


def test_it_gives_production_settings_everything_they_require(compose: dict[str, Any]) -> None:
    """Load settings.py with the web service's environment and DEBUG off."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(_resolved_env(compose["services"]["web"]))
    env["FIELD_ENCRYPTION_KEYS"] = "DPW1EIcxAJ6LU3_GCtPPf-9iT8XSG0nlFIgS1Q7JlQs="
    probe = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'debug': settings.DEBUG, 'engine': settings.DATABASES['default']['ENGINE'],"
        "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'host': settings.DATABASES['default']['HOST']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "debug": False,
        "engine": "django.db.backends.postgresql",
        "eager": False,
        "host": "db",
    }


def test_it_names_every_secret_settings_demand(compose: dict[str, Any]) -> None:
    """Each variable settings.py requires with DEBUG off is given to the app services."""
    source = (ROOT / "advisor_crm" / "settings.py").read_text()
    required = set(
        re.findall(r'env_(?:str|list)\(\s*"(\w+)",(?:(?!env_).)*?if DEBUG else None', source, re.S)
    )
    assert required >= {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "ALLOWED_HOSTS"}
    for name in ("web", "worker", "beat"):
        assert required <= set(compose["services"][name]["environment"]), name
