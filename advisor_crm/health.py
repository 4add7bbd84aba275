"""/healthz: is every part of the service able to answer?

Load balancers and the container's probe ask anonymously and get the overall status
only; an administrator who is logged in also sees each part and why it failed (the
database vendor and broker mode say something about the deployment to a stranger).
Higher apps add checks of their own with `register_check` (e.g. clients: are the
stored encrypted values readable with the configured keys?).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

Check = Callable[[], dict[str, str]]

_registered_checks: dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    """Add a part to /healthz: `check()` returns a dict with "status" ("ok"/"error")."""
    _registered_checks[name] = check


def _database_status() -> dict[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the class name says why
        return {"status": "error", "error": exc.__class__.__name__, "vendor": connection.vendor}
    return {"status": "ok", "vendor": connection.vendor}


def _broker_status() -> dict[str, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "ok", "mode": "eager"}
    from advisor_crm.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure means "down"; the class name says why
        return {"status": "error", "mode": "redis", "error": exc.__class__.__name__}
    return {"status": "ok", "mode": "redis"}


def _run(check: Check) -> dict[str, str]:
    try:
        return check()
    except Exception as exc:  # a check that breaks reports its part down, not a 500
        return {"status": "error", "error": exc.__class__.__name__}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and the deployment: 200 when all parts answer."""
    checks = {"database": _database_status(), "broker": _broker_status()}
    if checks["database"]["status"] == "ok":
        checks.update({name: _run(check) for name, check in _registered_checks.items()})
    healthy = all(check["status"] == "ok" for check in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "error"}
    if getattr(request.user, "is_crm_admin", False):
        body.update(checks)
    return JsonResponse(body, status=200 if healthy else 503)
