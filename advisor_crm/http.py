from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from advisor_crm.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request type of views behind @login_required, for the type checker."""

    user: User
    htmx: HtmxDetails


def client_ip(request: HttpRequest) -> str | None:
    # Behind a reverse proxy, REMOTE_ADDR is the proxy; the deployment sets
    # USE_X_FORWARDED_FOR only when a trusted proxy adds the header.
    return request.META.get("REMOTE_ADDR") or None
