from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation entries the current user's role may use."""
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    items = [
        (reverse("clients:list"), _("Clients"), "clients"),
        (reverse("scoring:p100"), _("P100"), "p100"),
    ]
    if user.is_crm_admin:
        items.append((reverse("accounts:user_list"), _("Users"), "users"))
        items.append((reverse("accounts:team_list"), _("Teams"), "teams"))
        items.append((reverse("kms:parameters"), _("Risk thresholds"), "parameters"))
        items.append((reverse("scoring:rules"), _("Scoring rules"), "scoring"))
    return {
        "nav_items": [
            {"url": url, "label": label, "key": key, "active": request.path.startswith(url)}
            for url, label, key in items
        ]
    }
