"""The Know → Map → Suggest → Review wizard.

Every view takes the case id and fetches it through case_get_for_user (404 unless its
client is visible to the user). Each step saves as the advisor works; moving between
steps never discards anything, and the progress bar says what blocks the next step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

from advisor_crm import locks
from advisor_crm.http import AuthenticatedRequest, admin_required
from advisor_crm.versioning import StaleEdit, recheck
from clients.selectors import client_get_for_user
from kms import selectors, services, validation
from kms.forms import (
    CloseForm,
    DismissForm,
    LeaveOpenForm,
    ManualFindingForm,
    MotivesForm,
    NeedsForm,
    ParametersForm,
    ProposalBeneficiaryFormSet,
    ProposalItemForm,
    SolutionForm,
)
from kms.models import FindingStatus, KmsCase, ProposalItem, Step
from kms.parameters import SPECS
from kms.plan_views import panel_context

View = Callable[..., HttpResponse]


def _url(case: KmsCase, step: str) -> str:
    return reverse("kms:step", args=[case.pk, step])


def _page(
    request: AuthenticatedRequest, state: selectors.CaseState, step: str, **extra: Any
) -> HttpResponse:
    context = {"case": state.case, "state": state, "step": step, "steps": selectors.STEPS, **extra}
    return render(request, f"kms/{step}.html", context)


def _partial(
    request: AuthenticatedRequest, case: KmsCase, template: str, **extra: Any
) -> HttpResponse:
    state = selectors.case_state(case=case)
    response = render(request, template, {"case": case, "state": state, **extra})
    return trigger_client_event(response, "caseChanged")


def editable(view: View) -> View:
    """Refuse changes to a presented, accepted or declined case (start a new version)."""

    @wraps(view)
    def wrapper(
        request: AuthenticatedRequest, case_id: int, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        try:
            return view(request, case_id, *args, **kwargs)
        except services.CaseClosed:
            return HttpResponse(
                status=409, content=_("This case is closed; start a new version to change it.")
            )

    return wrapper


@login_required
@require_POST
def case_start(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    case = services.case_start(client=client, user=request.user)
    return HttpResponseRedirect(_url(case, Step.KNOW))


@login_required
@require_GET
def case_resume(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    return HttpResponseRedirect(_url(case, selectors.case_state(case=case).resume_step))


@login_required
@require_GET
def case_step(request: AuthenticatedRequest, case_id: int, step: str) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    if step not in Step.values:
        raise Http404
    state = selectors.case_state(case=case)
    if not state.reachable(step) and not case.is_read_only:
        # Going forward past a blocked step shows the step that blocks, with why.
        first_blocked = next(s for s in selectors.STEPS if state.blockers(s))
        return HttpResponseRedirect(_url(case, first_blocked))
    extra: dict[str, Any] = {}
    if step == Step.KNOW:
        extra = {
            "motives_form": MotivesForm(case=case),
            "manual_form": ManualFindingForm(),
            "needs_forms": [NeedsForm(calculation=c) for c in state.calculations],
        }
    elif step == Step.MAP:
        extra = {
            "solution_forms": [
                (f, SolutionForm(instance=getattr(f, "solution", None), prefix=f"f{f.pk}"))
                for f in state.confirmed
            ]
        }
    elif step == Step.SUGGEST:
        extra = {"leave_open_form": LeaveOpenForm()}
    elif step == Step.REVIEW:
        extra = {"close_form": CloseForm(), **panel_context(case)}
    return _page(request, state, step, **extra)


@login_required
@require_POST
@editable
def findings_refresh(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    services.findings_refresh(case=case)
    return _partial(request, case, "kms/know.html#findings", manual_form=ManualFindingForm())


@login_required
@require_POST
@editable
def finding_decide(request: AuthenticatedRequest, case_id: int, finding_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    finding = get_object_or_404(case.findings, pk=finding_id)
    action = request.POST.get("action")
    dismiss_errors = None
    if action == "confirm":
        services.finding_decide(finding=finding, status=FindingStatus.CONFIRMED)
    elif action == "reopen":
        services.finding_decide(finding=finding, status=FindingStatus.OPEN)
    elif action == "dismiss":
        form = DismissForm(request.POST)
        if form.is_valid():
            services.finding_decide(
                finding=finding, status=FindingStatus.DISMISSED, reason=form.cleaned_data["reason"]
            )
        else:
            dismiss_errors = {finding.pk: form.errors["reason"]}
    else:
        return HttpResponse(status=400, content=_("Unknown action."))
    return _partial(
        request,
        case,
        "kms/know.html#findings",
        manual_form=ManualFindingForm(),
        dismiss_errors=dismiss_errors or {},
    )


@login_required
@require_POST
@editable
def finding_add(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    form = ManualFindingForm(request.POST)
    if form.is_valid():
        services.finding_add(case=case, **form.cleaned_data)
        form = ManualFindingForm()
    return _partial(request, case, "kms/know.html#findings", manual_form=form)


@login_required
@require_POST
@editable
def motives(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    form = MotivesForm(request.POST, case=case)
    saved = form.is_valid()
    if saved:
        services.motives_set(case=case, motives=form.ranked())
    return _partial(request, case, "kms/know.html#motives", motives_form=form, saved=saved)


@login_required
@require_POST
@editable
def needs(request: AuthenticatedRequest, case_id: int, calculator: str) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    state = selectors.case_state(case=case)
    calculation = next((c for c in state.calculations if c.key == calculator), None)
    if calculation is None:
        raise Http404
    form = NeedsForm(request.POST, calculation=calculation)
    if form.is_valid():
        # Only what differs from the KYC default is stored: untouched inputs keep
        # following the KYC as it changes.
        values = {
            key: None if value is None or value == calculation.input(key).default else value
            for key, value in form.cleaned_data.items()
        }
        try:
            services.needs_override(case=case, calculator=calculator, values=values)
        except ValueError:
            # The service's range is the rule; the form may have let the KYC value by.
            form.add_error(None, _("A value is outside what this calculation allows."))
        else:
            state = selectors.case_state(case=case)
            calculation = next(c for c in state.calculations if c.key == calculator)
            form = NeedsForm(calculation=calculation)
    response = render(
        request, "kms/know.html#calculator", {"case": case, "calc": calculation, "form": form}
    )
    return trigger_client_event(response, "caseChanged")


@login_required
@require_POST
@editable
def solution(request: AuthenticatedRequest, case_id: int, finding_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    finding = get_object_or_404(case.findings, pk=finding_id, status=FindingStatus.CONFIRMED)
    form = SolutionForm(
        request.POST, instance=getattr(finding, "solution", None), prefix=f"f{finding.pk}"
    )
    saved = form.is_valid()
    if saved:
        services.solution_save(
            finding=finding,
            kind=form.cleaned_data["kind"],
            weaknesses=form.cleaned_data["weaknesses"],
            notes=form.cleaned_data["notes"],
        )
    response = render(
        request,
        "kms/map.html#solution",
        {"case": case, "finding": finding, "form": form, "saved": saved},
    )
    return trigger_client_event(response, "caseChanged")


@login_required
@require_http_methods(["GET", "POST"])
@editable
def item(request: AuthenticatedRequest, case_id: int, item_id: int | None = None) -> HttpResponse:
    """Add or edit a proposal item, validating it live.

    A POST with check=1 validates without saving (as the advisor types in a new item);
    any other POST saves what is valid and shows the rule messages of the saved item.
    """
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    instance = get_object_or_404(case.items, pk=item_id) if item_id else None
    if request.method == "POST" and case.is_read_only:
        raise services.CaseClosed(case.pk)
    data = request.POST if request.method == "POST" else None
    form = ProposalItemForm(data, instance=instance, case=case)
    beneficiaries = ProposalBeneficiaryFormSet(
        data, instance=instance or ProposalItem(case=case), case=case, prefix="ben"
    )
    state = selectors.case_state(case=case)
    messages: list[validation.Message] = []
    saved = False
    if data is not None and form.is_valid() and beneficiaries.is_valid():
        draft = form.save(commit=False)
        others = [i for i in state.items if i.pk != draft.pk]
        messages = validation.validate_item(
            item=draft,
            beneficiaries=beneficiaries.rows(),  # type: ignore[attr-defined]
            facts=state.facts,
            other_items=others,
            life_cover=state.life_cover,
        )
        if not request.POST.get("check"):
            saved_item = services.item_save(form=form, beneficiaries=beneficiaries)
            saved = True
            if instance is None or "done" in request.POST:
                # Close the form: redraw the whole proposal (the new item included).
                response = _partial(request, case, "kms/suggest.html#proposal")
                return reswap(retarget(response, "#proposal"), "outerHTML")
            instance = saved_item
            form = ProposalItemForm(instance=saved_item, case=case)
            beneficiaries = ProposalBeneficiaryFormSet(instance=saved_item, case=case, prefix="ben")
    elif instance is not None and data is None:
        check = next(c for c in state.checks if c.item.pk == instance.pk)
        messages = check.messages
    context = {
        "case": case,
        "state": state,
        "form": form,
        "beneficiaries": beneficiaries,
        "item": instance,
        "messages_list": messages,
        "saved": saved,
    }
    if request.POST.get("check"):
        # The live check redraws only its messages, never the form being typed into.
        labels = [str(form.fields[name].label) for name in form.errors if name in form.fields]
        if not beneficiaries.is_valid():
            labels.append(_("beneficiaries"))
        context["check_errors"] = labels
        return render(request, "kms/suggest.html#live-check", context)
    response = render(request, "kms/suggest.html#item-form", context)
    return trigger_client_event(response, "caseChanged") if saved else response


@login_required
@require_POST
@editable
def item_delete(request: AuthenticatedRequest, case_id: int, item_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    services.item_delete(item=get_object_or_404(case.items, pk=item_id))
    return HttpResponseClientRedirect(_url(case, Step.SUGGEST))


@login_required
@require_POST
@editable
def item_accept(request: AuthenticatedRequest, case_id: int, item_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    proposal = get_object_or_404(case.items, pk=item_id)
    state = selectors.case_state(case=case)
    check = next(c for c in state.checks if c.item.pk == proposal.pk)
    services.item_accept_warnings(item=proposal, keys=[m.key for m in check.unaccepted_warnings])
    return _partial(request, case, "kms/suggest.html#proposal")


@login_required
@require_POST
@editable
def leave_open(request: AuthenticatedRequest, case_id: int, finding_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    finding = get_object_or_404(case.findings, pk=finding_id, status=FindingStatus.CONFIRMED)
    form = LeaveOpenForm(request.POST)
    if form.is_valid():
        services.finding_leave_open(finding=finding, reason=form.cleaned_data["reason"])
    return _partial(request, case, "kms/suggest.html#coverage", leave_open_form=LeaveOpenForm())


@login_required
@require_POST
def case_close(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    form = CloseForm(request.POST)
    state = selectors.case_state(case=case)
    if not form.is_valid() or any(state.blockers(s) for s in selectors.STEPS):
        return HttpResponse(status=400, content=_("The case is not complete."))
    try:
        services.case_close(case=case, status=form.cleaned_data["status"])
    except services.CaseClosed:
        return HttpResponse(status=409, content=_("This case is closed."))
    return HttpResponseRedirect(_url(case, Step.REVIEW))


@login_required
@require_POST
def case_new_version(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    copy = services.case_new_version(case=case, user=request.user)
    return HttpResponseRedirect(_url(copy, Step.KNOW))


@login_required
@require_GET
def progress(request: AuthenticatedRequest, case_id: int, step: str) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    state = selectors.case_state(case=case)
    return render(request, "kms/case.html#progress", {"case": case, "state": state, "step": step})


@admin_required
@require_http_methods(["GET", "POST"])
def parameters(request: AuthenticatedRequest) -> HttpResponse:
    """Thresholds and caps, editable by administrators only.

    All or nothing: one bad value saves none, and every field keeps what was typed.
    """
    form = ParametersForm(request.POST or None)
    saved = request.method == "POST" and form.is_valid()
    if saved:
        try:
            with transaction.atomic():
                # Two admins saving at once: the second waits here, then finds the first's.
                locks.transaction_lock(locks.PARAMETERS, 0)
                recheck(form, ParametersForm())
                services.parameters_set(
                    values={spec.key: form.cleaned_data[spec.key] for spec in SPECS},
                    user=request.user,
                )
        except StaleEdit as refusal:
            # A whole-page form: say it on the page, with what was typed kept.
            form.add_error(None, ValidationError(str(refusal), code="stale"))
            saved = False
        else:
            form = ParametersForm()
    rows = [{"spec": spec, "field": form[spec.key]} for spec in SPECS]
    return render(
        request,
        "kms/parameters.html",
        {"rows": rows, "form": form, "saved": saved},
    )
