"""Rule editor and preview for admins; P100 lists for advisors and leads; exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from advisor_crm.accounts.models import User
from advisor_crm.http import AuthenticatedRequest, admin_required
from advisor_crm.inputs import without_control_characters
from advisor_crm.spreadsheets import row_safe
from advisor_crm.versioning import recheck
from scoring import selectors, services
from scoring.conditions import ConditionError, parse
from scoring.fields import FIELDS
from scoring.forms import NoteReplyForm, ReviewForm, RuleForm, TiersForm
from scoring.models import (
    ClientScore,
    P100Review,
    RescoreJob,
    Rule,
    RuleSetVersion,
    VersionStatus,
)


def _draft(version_id: int) -> RuleSetVersion:
    return get_object_or_404(RuleSetVersion, pk=version_id, status=VersionStatus.DRAFT)


def _draft_locked(version_id: int) -> RuleSetVersion:
    """The draft, locked until the transaction ends: publishing waits, or wins and 404s."""
    return get_object_or_404(
        RuleSetVersion.objects.select_for_update(), pk=version_id, status=VersionStatus.DRAFT
    )


def _tiers(version: RuleSetVersion) -> list[tuple[str, int]]:
    return [(t.label, t.min_score) for t in version.tiers.all()]


def _editor(request: AuthenticatedRequest, version: RuleSetVersion, **extra: Any) -> HttpResponse:
    context = {
        "version": version,
        "rules": list(version.rules.all()),
        "tiers_form": extra.pop("tiers_form", TiersForm(tiers=_tiers(version))),
        "fields": FIELDS.values(),
        "problems": services.version_problems(version),
        **extra,
    }
    return render(request, "scoring/editor.html", context)


@admin_required
@require_GET
def rules(request: AuthenticatedRequest) -> HttpResponse:
    versions = RuleSetVersion.objects.select_related("created_by").order_by("-number")
    jobs = RescoreJob.objects.select_related("version").order_by("-created_at")[:5]
    return render(request, "scoring/versions.html", {"versions": versions, "jobs": jobs})


@admin_required
@require_POST
def draft_new(request: AuthenticatedRequest, version_id: int) -> HttpResponse:
    source = get_object_or_404(RuleSetVersion, pk=version_id)
    draft = services.version_new_draft(source=source, user=request.user)
    return HttpResponseRedirect(reverse("scoring:editor", args=[draft.pk]))


@admin_required
@require_GET
def editor(request: AuthenticatedRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(RuleSetVersion, pk=version_id)
    return _editor(request, version)


@admin_required
@require_POST
def condition_check(request: AuthenticatedRequest) -> HttpResponse:
    """Validate a condition as the admin types it."""
    text = request.POST.get("condition", "")
    try:
        parse(text)
    except ConditionError as error:
        return render(
            request, "scoring/editor.html#condition-check", {"error": error, "text": text}
        )
    return render(request, "scoring/editor.html#condition-check", {"ok": True})


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(
    request: AuthenticatedRequest, version_id: int, rule_id: int | None = None
) -> HttpResponse:
    version = _draft(version_id)
    rule = get_object_or_404(Rule, pk=rule_id, version=version) if rule_id else None
    form = RuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Published meanwhile, or the rule deleted: nothing to save into (404).
            version = _draft_locked(version.pk)
            if rule is not None:
                # A save of the same rule from another window waits here, then is seen.
                locked = Rule.objects.select_for_update().filter(pk=rule.pk).first()
                if locked is None:
                    raise Http404
                recheck(form, RuleForm(rule=locked))
            services.rule_save(version=version, rule=rule, **form.cleaned_data)
        return HttpResponseClientRedirect(reverse("scoring:editor", args=[version.pk]))
    return render(
        request, "scoring/editor.html#rule-form", {"version": version, "rule": rule, "form": form}
    )


@admin_required
@require_POST
def rule_move(request: AuthenticatedRequest, version_id: int, rule_id: int) -> HttpResponse:
    version = _draft(version_id)
    rule = get_object_or_404(Rule, pk=rule_id, version=version)
    services.rule_move(rule=rule, offset=-1 if request.POST.get("direction") == "up" else 1)
    return _editor(request, version)


@admin_required
@require_POST
def rule_toggle(request: AuthenticatedRequest, version_id: int, rule_id: int) -> HttpResponse:
    version = _draft(version_id)
    rule = get_object_or_404(Rule, pk=rule_id, version=version)
    services.rule_save(
        version=version,
        rule=rule,
        label=rule.label,
        condition=rule.condition,
        points=rule.points,
        enabled=not rule.enabled,
    )
    return _editor(request, version)


@admin_required
@require_POST
def rule_delete(request: AuthenticatedRequest, version_id: int, rule_id: int) -> HttpResponse:
    version = _draft(version_id)
    services.rule_delete(rule=get_object_or_404(Rule, pk=rule_id, version=version))
    return _editor(request, version)


@admin_required
@require_POST
def tiers(request: AuthenticatedRequest, version_id: int) -> HttpResponse:
    version = _draft(version_id)
    form = TiersForm(request.POST, tiers=_tiers(version))
    if form.is_valid():
        with transaction.atomic():
            # The tiers are saved as a set: lock their version (still a draft), then read
            # them again.
            version = _draft_locked(version.pk)
            recheck(form, TiersForm(tiers=_tiers(version)))
            services.tiers_set(version=version, tiers=form.cleaned_data["tiers"])
        return _editor(request, version, tiers_saved=True)
    return _editor(request, version, tiers_form=form)


@admin_required
@require_GET
def preview(request: AuthenticatedRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(RuleSetVersion, pk=version_id)
    problems = services.version_problems(version)
    result = None if problems else selectors.preview(draft=version)
    peak = max((max(now, new) for _b, now, new in result.histogram), default=1) if result else 1
    return render(
        request,
        "scoring/preview.html",
        {"version": version, "preview": result, "problems": problems, "peak": peak},
    )


@admin_required
@require_POST
def publish(request: AuthenticatedRequest, version_id: int) -> HttpResponse:
    """Publish a draft, or publish a retired version again to roll back."""
    version = get_object_or_404(RuleSetVersion, pk=version_id)
    try:
        job = services.version_publish(version=version, user=request.user)
    except services.PublishError as error:
        return _editor(request, version, publish_errors=error.problems)
    return HttpResponseRedirect(reverse("scoring:job", args=[job.pk]))


@admin_required
@require_GET
def job(request: AuthenticatedRequest, job_id: int) -> HttpResponse:
    rescore_job = get_object_or_404(RescoreJob.objects.select_related("version"), pk=job_id)
    template = "scoring/job.html#progress" if request.htmx else "scoring/job.html"
    return render(request, template, {"job": rescore_job})


# P100 ------------------------------------------------------------------------------


@login_required
@require_GET
def p100(request: AuthenticatedRequest) -> HttpResponse:
    """The advisor's own list; for leads, their team; admins see every team's lead page."""
    user = request.user
    if user.is_team_lead or user.is_crm_admin:
        return render(
            request, "scoring/p100_team.html", {"rows": selectors.team_overview(lead=user)}
        )
    review = selectors.last_review(advisor=user)
    rows = selectors.p100_rows(
        selectors.p100_entries(advisor=user), notes=selectors.review_notes(review)
    )
    unanswered = sum(1 for row in rows if row["note_id"] and not row["acknowledged_at"])
    context = {"advisor": user, "rows": rows, "review": review, "unanswered": unanswered}
    return render(request, "scoring/p100.html", context)


@login_required
@require_POST
def p100_note_reply(request: AuthenticatedRequest, note_id: int) -> HttpResponse:
    """The advisor acknowledges a lead's note on one of their clients, with a reply."""
    note = selectors.note_for_advisor(user=request.user, note_id=note_id)
    form = NoteReplyForm(request.POST)
    back = "client" if request.POST.get("back") == "client" else "p100"
    if form.is_valid():
        note = services.p100_note_acknowledge(note=note, reply=form.cleaned_data["reply"])
    elif not request.htmx:
        return HttpResponseBadRequest(" ".join(str(e) for e in form.errors.get("reply", [])))
    if request.htmx:
        context = {
            "r": selectors.note_cells(note),
            "can_reply": True,
            "back": back,
            "reply_form": None if form.is_valid() else form,
        }
        return render(request, "scoring/p100_note.html", context)
    url = (
        reverse("clients:detail", args=[note.client_id])
        if back == "client"
        else reverse("scoring:p100")
    )
    return HttpResponse(status=303, headers={"Location": url})


@login_required
@require_http_methods(["GET", "POST"])
def p100_review(request: AuthenticatedRequest, advisor_id: int) -> HttpResponse:
    """A lead reviews one advisor's P100: flags, comments, sign-off; churn since the last review."""
    # An advisor oversees themselves, but reviewing is for those who oversee others.
    if not (request.user.is_team_lead or request.user.is_crm_admin):
        raise Http404
    advisor = selectors.advisor_for_reviewer(reviewer=request.user, advisor_id=advisor_id)
    clients = list(selectors.p100(advisor=advisor))
    review = selectors.last_review(advisor=advisor)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notes = {
            c.pk: (
                request.POST.get(f"flag_{c.pk}") == "on",
                # Read from the request, not a form: the one text rule applies here.
                without_control_characters(request.POST.get(f"note_{c.pk}", "")).strip()[:200],
            )
            for c in clients
        }
        services.p100_review_create(
            advisor=advisor,
            reviewer=request.user,
            comment=form.cleaned_data["comment"],
            snapshot=[s.client_id for s in clients],
            notes=notes,
        )
        return HttpResponseRedirect(reverse("scoring:p100_review", args=[advisor.pk]))
    previous_notes = {n.client_id: n for n in review.notes.all()} if review else {}
    churn = selectors.churn_since(current=clients, review=review)
    context = {
        "advisor": advisor,
        "rows": selectors.p100_rows(
            [selectors.P100Entry.of(s) for s in clients],
            entered=churn.entered,
            notes=previous_notes,
        ),
        "editable": True,
        "review": review,
        "churn": churn,
        "form": form,
    }
    return render(request, "scoring/p100_review.html", context)


EXPORT_HEADER = (
    gettext_lazy("Rank"), gettext_lazy("Name"), gettext_lazy("Tier"), gettext_lazy("Score"),
    gettext_lazy("Age"), gettext_lazy("Annual income"), gettext_lazy("Industry"),
    gettext_lazy("CVM stage"), gettext_lazy("Last contact"), gettext_lazy("Next action"),
    # The last review's note on the client, who wrote it when, and the advisor's answer.
    gettext_lazy("Flagged"), gettext_lazy("Lead's comment"), gettext_lazy("Reviewed by"),
    gettext_lazy("Reviewed at"), gettext_lazy("Advisor's reply"), gettext_lazy("Acknowledged at"),
)  # fmt: skip


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    # Spreadsheets hold no time zones: write the local time, to the minute, as shown.
    if moment is None:
        return None
    return timezone.localtime(moment).replace(second=0, microsecond=0, tzinfo=None)


def _export_rows(scores: list[ClientScore], review: P100Review | None) -> list[list[Any]]:
    notes = selectors.review_notes(review)
    rows = []
    for rank, s in enumerate(scores, start=1):
        note = notes.get(s.client_id)
        noted: list[Any] = [None] * 6
        if note is not None and review is not None:
            noted = [
                gettext("Yes") if note.flagged else gettext("No"),
                note.comment,
                str(review.reviewer),
                _local(review.created_at),
                note.reply,
                _local(note.acknowledged_at),
            ]
        rows.append(
            [
                rank,
                s.client.name,
                s.tier,
                s.score,
                s.client.age,
                s.client.annual_income,
                s.client.get_industry_display(),
                s.client.get_cvm_stage_display(),
                s.client.last_contact_at,
                s.client.next_action,
                *noted,
            ]
        )
    return rows


def _csv_cell(value: Any) -> Any:
    # csv writes a datetime as str() does, with seconds; show what the pages show.
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value


@login_required
@require_GET
def p100_export(request: AuthenticatedRequest, advisor_id: int, fmt: str) -> HttpResponse:
    """A P100 list as .xlsx or .csv: the advisor's own, or one a lead may review."""
    if advisor_id == request.user.pk:
        advisor: User = request.user
    else:
        # An advisor oversees only themselves, so anyone else's list is a 404 for them.
        advisor = selectors.advisor_for_reviewer(reviewer=request.user, advisor_id=advisor_id)
    clients = list(selectors.p100(advisor=advisor))
    rows = _export_rows(clients, selectors.last_review(advisor=advisor))
    header = [str(h) for h in EXPORT_HEADER]
    filename = f"p100-{advisor.username}-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
        writer = csv.writer(buffer)
        writer.writerow(row_safe(header))
        writer.writerows(row_safe(_csv_cell(cell) for cell in row) for row in rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "P100"
        sheet.append(row_safe(header))
        for row in rows:
            sheet.append(row_safe(row))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
