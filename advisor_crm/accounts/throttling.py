"""Failed-login throttling per account and per IP address (django-axes)."""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class AxesHandler(AxesDatabaseHandler):
    """Axes' database handler that also counts failures per IP across usernames.

    Axes compares one number of failures with one limit, but an IP address needs a
    higher limit than an account (an office shares one address). So the failures of
    the address are scaled to the account's limit: with account limit a and address
    limit b, floor(n * a / b) reaches a exactly when the address's n failures reach b.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        per_account = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return per_account
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        per_address = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        account_limit = get_failure_limit(request, credentials)
        scaled = per_address * account_limit // max(settings.AXES_IP_FAILURE_LIMIT, 1)
        return max(per_account, scaled)
