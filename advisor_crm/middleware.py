"""Middleware of the whole site: what every page of a logged-in user shares."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
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


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy (settings.py) on every answer.

    A view that needs another policy sets its own header, which is kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class UndecodableRequestMiddleware:
    """Answer 400 to a form post whose body cannot be decoded.

    Django decodes the body lazily, the first time something reads request.POST. A
    form post in another charset (Django accepts only UTF-8 for urlencoded forms, so
    `charset=gbk` is refused) or a broken multipart body then raises inside the CSRF
    check, which re-raises it as a server error. Reading the body here first answers
    400 instead. (The limits on size and field count are SuspiciousOperations, which
    Django already answers with 400.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 (read for its side effect: the decoding)
            except (BadRequest, MultiPartParserError, UnicodeError, LookupError):
                return HttpResponseBadRequest(
                    _("The form could not be read: send it again from the page, in UTF-8."),
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """End a session idle longer than SESSION_IDLE_TIMEOUT, or older than
    SESSION_COOKIE_AGE since it first served a logged-in user.

    Django's own expiry is a single limit that each save of the session moves
    forward, so it is neither an idle nor an absolute limit. Here the session holds
    when it began and when it was last used; the last use is written at most once a
    minute, so that reading pages does not write the session on every request.
    A request past either limit is served as anonymous: pages redirect to the login
    (htmx requests by HX-Redirect, SessionAwareMiddleware) and come back after it.
    """

    STARTED = "_session_started"
    LAST_SEEN = "_session_last_seen"
    WRITE_EVERY = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(self.STARTED, now)
            last_seen = session.get(self.LAST_SEEN, now)
            if (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - started > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
            else:
                if self.STARTED not in session:
                    session[self.STARTED] = now
                if self.LAST_SEEN not in session or now - last_seen >= self.WRITE_EVERY:
                    session[self.LAST_SEEN] = now
        return self.get_response(request)
