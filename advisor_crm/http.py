from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

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


View = Callable[..., HttpResponse]


def admin_required(view: View) -> View:
    """Pages for CRM administrators only: others get 403, anonymous users the login."""

    @wraps(view)
    @login_required
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_crm_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
