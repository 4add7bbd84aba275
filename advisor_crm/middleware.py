"""Middleware of the whole site: what every page of a logged-in user shares."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from advisor_crm.versioning import StaleEdit


class SessionAwareMiddleware:
    """Keep pages of a session honest when the session ends or the user goes Back.

    1. An htmx request whose session has ended (logged out in another tab, expired)
       gets, instead of the login page pasted into a fragment of the page, an
       HX-Redirect that takes the whole window to the login; `next` is the page the
       user was on (HX-Current-URL), not the fragment's URL, so that logging in
       brings them back to it.
    2. The pages of a logged-in user are never stored by the browser (no-store):
       they hold personal data, and a page with autosaving forms that came back
       from the back/forward cache would save the stale values it shows. (Forms
       also carry their row's version, which refuses what slips through.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if htmx and response.status_code in (301, 302) and _to_login(response):
            next_page = htmx.current_url_abs_path or "/"
            login = resolve_url(settings.LOGIN_URL)
            return HttpResponseClientRedirect(f"{login}?{urlencode({'next': next_page})}")
        if request.user.is_authenticated and "Cache-Control" not in response:
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A save that lost the race to another past validation (rare: the form
        already refuses a stale save it can see) answers 409 with the reason."""
        if isinstance(exception, StaleEdit):
            return HttpResponse(
                str(exception), status=409, content_type="text/plain; charset=utf-8"
            )
        return None


def _to_login(response: HttpResponse) -> bool:
    location = response.get("Location", "")
    return urlsplit(location).path == resolve_url(settings.LOGIN_URL)
