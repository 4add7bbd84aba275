"""Plan PDFs: generate (queue a job), watch its status, retry, download.

Every view reaches the case or the document through the user's scope (404 otherwise).
The file is streamed from private storage after that check; no URL exposes it.
"""

from __future__ import annotations

import io
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from advisor_crm.accounts.models import User
from advisor_crm.http import AuthenticatedRequest, client_ip
from kms import plan_selectors, plan_services, selectors
from kms.models import KmsCase, PlanDocument

PANEL = "kms/plan/panel.html#panel"
ROW = "kms/plan/panel.html#row"


def panel_context(case: KmsCase, *, client_wide: bool = False, **extra: Any) -> dict[str, Any]:
    """The plans panel of a case (Review step) or of its client (client page)."""
    plans = (
        plan_selectors.plans_of_client(client=case.client)
        if client_wide
        else plan_selectors.plans_of_case(case=case)
    )
    return {"case": case, "plans": list(plans), "client_wide": client_wide, **extra}


@login_required
@require_POST
def plan_generate(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    client_wide = request.POST.get("panel") == "client"
    errors: list[Any] = []
    try:
        plan_services.plan_quota_check(user=request.user)
        plan_services.plan_request(case=case, user=request.user)
    except plan_services.PlanNotReady as refusal:
        errors = refusal.reasons
    if not request.htmx:
        for reason in errors:
            messages.error(request, reason)
        back = (
            reverse("clients:detail", args=[case.client_id])
            if client_wide
            else reverse("kms:step", args=[case.pk, "review"])
        )
        return HttpResponseRedirect(f"{back}#plans")
    context = panel_context(case, client_wide=client_wide, plan_errors=errors)
    return render(request, PANEL, context, status=422 if errors else 200)


def _row(request: AuthenticatedRequest, document: PlanDocument, **extra: Any) -> HttpResponse:
    context = {"doc": document, **extra}
    return render(request, ROW, context)


@login_required
@require_GET
def plan_status(request: AuthenticatedRequest, document_id: int) -> HttpResponse:
    """The document's row; while queued or rendering it polls itself again."""
    document = plan_selectors.plan_get_for_user(user=request.user, document_id=document_id)
    return _row(request, document)


@login_required
@require_POST
def plan_retry(request: AuthenticatedRequest, document_id: int) -> HttpResponse:
    document = plan_selectors.plan_get_for_user(user=request.user, document_id=document_id)
    try:
        document = plan_services.plan_retry(document=document)
    except plan_services.PlanNotRetryable as refusal:
        return _row(request, document, row_error=str(refusal))
    return _row(request, document)


@require_POST
def plan_download(request: HttpRequest, document_id: int) -> HttpResponseBase:
    # A POST: each download is recorded, and reads never write (issue 13).
    # Not a login redirect: to anyone who may not read it, a plan does not exist.
    if not request.user.is_authenticated:
        raise Http404
    user = cast(User, request.user)
    document = plan_selectors.plan_get_for_user(user=user, document_id=document_id)
    data = plan_services.plan_file_read(document)
    if data is None:
        # Not ready, or the file is missing or not the one recorded: never serve it.
        raise Http404
    plan_services.plan_download_record(document=document, user=user, ip_address=client_ip(request))
    with translation.override(plan_services.PDF_LANGUAGE):
        # The file is the client's Chinese copy; so is its name.
        filename = _("plan-%(client)s-v%(number)s.pdf") % {
            "client": document.client.name,
            "number": document.number,
        }
    response = FileResponse(
        io.BytesIO(data), content_type="application/pdf", as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response
