"""The KMS cases and plan documents on the client page (see clients.panels)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from clients.models import Client
from clients.panels import Panel, panel_register
from kms.plan_selectors import plans_of_client
from kms.selectors import cases_of


def _context(request: HttpRequest, client: Client) -> dict[str, Any]:
    return {
        "kms_cases": list(cases_of(client=client)),
        "plans": list(plans_of_client(client=client)),
    }


def register() -> None:
    panel_register(Panel(key="kms", order=20, template="kms/client_panel.html", context=_context))
