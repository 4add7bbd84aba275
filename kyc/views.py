"""The KYC page: people, money and assets, allocations and policies, edited in place.

Every endpoint takes the client id first and fetches the client through
client_get_for_user (404 for anyone who may not see it), then the item through that
client (404 for an item of another client).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh, reswap, retarget, trigger_client_event

from advisor_crm.http import AuthenticatedRequest, client_ip
from clients.models import Client
from clients.selectors import client_get_for_user
from kyc import erasure, pictures
from kyc import forms as kyc_forms
from kyc import selectors as kyc_selectors
from kyc import services as kyc_services
from kyc.completeness import completeness
from kyc.models import (
    Allocation,
    Asset,
    Enterprise,
    ExistingPolicy,
    IncomeSource,
    Liability,
    Person,
    PersonLink,
    SensitiveConsent,
)


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    model: type[models.Model]
    form: type[kyc_forms.KycForm]
    save: Callable[..., models.Model] = kyc_services.kyc_item_save


SECTIONS: dict[str, Section] = {
    s.key: s
    for s in (
        Section(
            "people", gettext_lazy("People"), Person, kyc_forms.PersonForm, kyc_services.person_save
        ),
        Section(
            "links",
            gettext_lazy("Relationships between people"),
            PersonLink,
            kyc_forms.PersonLinkForm,
        ),
        Section("enterprises", gettext_lazy("Enterprises"), Enterprise, kyc_forms.EnterpriseForm),
        Section("assets", gettext_lazy("Assets"), Asset, kyc_forms.AssetForm),
        Section(
            "liabilities",
            gettext_lazy("Liabilities and guarantees"),
            Liability,
            kyc_forms.LiabilityForm,
        ),
        Section("income", gettext_lazy("Income"), IncomeSource, kyc_forms.IncomeSourceForm),
        Section(
            "allocations", gettext_lazy("Who receives what"), Allocation, kyc_forms.AllocationForm
        ),
        Section(
            "policies",
            gettext_lazy("Existing policies"),
            ExistingPolicy,
            kyc_forms.ExistingPolicyForm,
        ),
    )
}
PAGE = "kyc/kyc.html"


def _section(key: str) -> Section:
    try:
        return SECTIONS[key]
    except KeyError:
        raise Http404 from None


def _items(kyc: kyc_selectors.Kyc, key: str) -> list[Any]:
    items: dict[str, list[Any]] = {
        "people": kyc.people,
        "links": kyc.links,
        "enterprises": kyc.enterprises,
        "assets": kyc.assets,
        "liabilities": kyc.liabilities,
        "income": kyc.income_sources,
        "allocations": kyc.allocations,
        "policies": kyc.policies,
    }
    return items[key]


def _page_context(client: Client) -> dict[str, Any]:
    kyc = kyc_selectors.kyc_load(client=client)
    return {
        "client": client,
        "kyc": kyc,
        "sections": [{"section": s, "items": _items(kyc, s.key)} for s in SECTIONS.values()],
        "completeness": completeness(kyc),
        "tree": pictures.family_tree(kyc),
        "assets_picture": pictures.asset_structure(kyc),
        "flow": pictures.money_flow(kyc),
        "household_form": kyc_forms.HouseholdForm(instance=kyc.household, client=client),
        "consent_form": kyc_forms.ConsentForm(),
    }


def _render_section(
    request: AuthenticatedRequest, client: Client, section: Section
) -> HttpResponse:
    kyc = kyc_selectors.kyc_load(client=client)
    context = {
        "client": client,
        "kyc": kyc,
        "entry": {"section": section, "items": _items(kyc, section.key)},
    }
    response = render(request, f"{PAGE}#section", context)
    response = retarget(response, f"#section-{section.key}")
    response = reswap(response, "outerHTML")
    return trigger_client_event(response, "kycChanged")


def _beneficiaries(
    request: AuthenticatedRequest, client: Client, policy: ExistingPolicy | None
) -> forms.BaseInlineFormSet:
    return kyc_forms.BeneficiaryFormSet(
        request.POST if request.method == "POST" else None,
        instance=policy or ExistingPolicy(client=client),
        client=client,
        prefix="beneficiaries",
    )


def _render_form(
    request: AuthenticatedRequest, context: dict[str, Any], *, saved: bool = False
) -> HttpResponse:
    response = render(request, f"{PAGE}#item-form", {**context, "saved": saved})
    return trigger_client_event(response, "kycChanged") if saved else response


@login_required
@require_GET
def kyc_page(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    kyc_services.client_person_ensure(client=client)
    return render(request, PAGE, _page_context(client))


@login_required
@require_GET
def kyc_section(request: AuthenticatedRequest, client_id: int, key: str) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    response = _render_section(request, client, _section(key))
    response.headers.pop("HX-Trigger", None)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def kyc_item(
    request: AuthenticatedRequest, client_id: int, key: str, item_id: int | None = None
) -> HttpResponse:
    """Add (no item id) or edit one KYC item.

    An edit form saves on every change and stays open, showing that it saved or what
    is wrong; "Done" (or adding a new item) closes it and redraws the section.
    """
    client = client_get_for_user(user=request.user, client_id=client_id)
    section = _section(key)
    item = get_object_or_404(section.model, pk=item_id, client=client) if item_id else None
    form = section.form(request.POST or None, instance=item, client=client)
    beneficiaries = _beneficiaries(request, client, item) if key == "policies" else None  # type: ignore[arg-type]
    context = {
        "client": client,
        "section": section,
        "form": form,
        "item": item,
        "beneficiaries": beneficiaries,
    }
    if request.method == "POST":
        valid = form.is_valid() and (beneficiaries is None or beneficiaries.is_valid())
        if valid:
            saved: models.Model
            if beneficiaries is not None:
                saved = kyc_services.policy_save(form=form, beneficiaries=beneficiaries)
            else:
                saved = section.save(form=form)
            if item is None or "done" in request.POST:
                return _render_section(request, client, section)
            form = section.form(instance=saved, client=client)
            if isinstance(saved, ExistingPolicy):
                beneficiaries = _beneficiaries_fresh(client, saved)
            return _render_form(
                request,
                {**context, "form": form, "item": saved, "beneficiaries": beneficiaries},
                saved=True,
            )
    return _render_form(request, context)


def _beneficiaries_fresh(client: Client, policy: ExistingPolicy) -> forms.BaseInlineFormSet:
    return kyc_forms.BeneficiaryFormSet(instance=policy, client=client, prefix="beneficiaries")


def _refused(reason: str) -> HttpResponse:
    # A refusal as plain text: pages.js shows it beside the button that asked (htmx
    # swaps no error response, so an HTML 400 would go unseen).
    return HttpResponse(reason, status=400, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def kyc_item_delete(
    request: AuthenticatedRequest, client_id: int, key: str, item_id: int
) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    section = _section(key)
    item = get_object_or_404(section.model, pk=item_id, client=client)
    if isinstance(item, Person) and item.relationship == "self":
        return _refused(_("The client cannot be removed from their own map."))
    try:
        kyc_services.kyc_item_delete(item=item)
    except kyc_services.ItemInUse as in_use:
        return _refused(
            _("%(item)s is named in a proposal (%(uses)s): change the proposal first.")
            % {"item": item, "uses": "; ".join(in_use.uses)}
        )
    return _render_section(request, client, section)


@login_required
@require_http_methods(["GET", "POST"])
def kyc_household(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    kyc = kyc_selectors.kyc_load(client=client)
    form = kyc_forms.HouseholdForm(request.POST or None, instance=kyc.household, client=client)
    saved = request.method == "POST" and form.is_valid()
    if saved:
        household = kyc_services.kyc_item_save(form=form)
        # The form goes back unbound, carrying the version just saved: the next change
        # from this window is not taken for a stale one.
        form = kyc_forms.HouseholdForm(instance=household, client=client)
    response = render(
        request, f"{PAGE}#household", {"client": client, "household_form": form, "saved": saved}
    )
    return trigger_client_event(response, "kycChanged") if saved else response


@login_required
@require_GET
def kyc_pictures(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    kyc = kyc_selectors.kyc_load(client=client)
    context = {
        "client": client,
        "tree": pictures.family_tree(kyc),
        "assets_picture": pictures.asset_structure(kyc),
        "flow": pictures.money_flow(kyc),
    }
    return render(request, "kyc/pictures.html#all", context)


@login_required
@require_GET
def kyc_completeness(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    kyc = kyc_selectors.kyc_load(client=client)
    return render(
        request, f"{PAGE}#completeness", {"client": client, "completeness": completeness(kyc)}
    )


@login_required
@require_POST
def consent_record(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    form = kyc_forms.ConsentForm(request.POST)
    if form.is_valid():
        kyc_services.consent_record(client=client, user=request.user, **form.cleaned_data)
        form = kyc_forms.ConsentForm()
    return _consent_response(request, client, form)


@login_required
@require_POST
def consent_withdraw(
    request: AuthenticatedRequest, client_id: int, consent_id: int
) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    consent = get_object_or_404(
        SensitiveConsent, pk=consent_id, client=client, withdrawn_at__isnull=True
    )
    form = kyc_forms.ConsentWithdrawForm(request.POST)
    if not form.is_valid():
        # The reason beside the button (static/js/pages.js shows plain-text refusals).
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    deleted = kyc_services.consent_withdraw(
        consent=consent, kept_under=form.cleaned_data["kept_under"]
    )
    if consent.kept_under:
        messages.info(
            request,
            _("Consent withdrawn. The data was kept under: %(law)s.") % {"law": consent.kept_under},
        )
    else:
        messages.info(
            request,
            ngettext(
                "Consent withdrawn. %(count)d value it covered was deleted.",
                "Consent withdrawn. %(count)d values it covered were deleted.",
                deleted,
            )
            % {"count": deleted},
        )
    return _consent_response(request, client, kyc_forms.ConsentForm())


def _consent_response(
    request: AuthenticatedRequest, client: Client, form: kyc_forms.ConsentForm
) -> HttpResponse:
    if request.htmx and not form.is_bound:
        # Which fields are editable depends on consent, so every open form is stale:
        # reload the page once rather than patch each form.
        return HttpResponseClientRefresh()
    if not request.htmx:
        return HttpResponse(
            status=303, headers={"Location": reverse("kyc:page", args=[client.pk]) + "#consent"}
        )
    kyc = kyc_selectors.kyc_load(client=client)
    return render(request, f"{PAGE}#consent", {"client": client, "kyc": kyc, "consent_form": form})


@login_required
@require_GET
def client_history(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    rows = kyc_selectors.history_rows(kyc_selectors.client_history(client=client))
    return render(request, "kyc/history.html", {"client": client, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def client_export(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    """Everything about the client: a printable page, or JSON with format=json.

    The export reveals the ID number and sensitive notes and is recorded, so it is
    made on a POST; the GET only offers it (a read never writes, issue 13).
    """
    client = client_get_for_user(user=request.user, client_id=client_id)
    if request.method == "GET":
        return render(request, "kyc/export.html", {"client": client, "export": None})
    export = kyc_services.client_export(
        client=client, user=request.user, ip_address=client_ip(request)
    )
    if request.POST.get("format") == "json":
        response = HttpResponse(
            json.dumps(export.as_dict(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="client-{client.pk}.json"'
        return response
    return render(request, "kyc/export.html", {"client": client, "export": export})


@login_required
@require_http_methods(["GET", "POST"])
def client_erase(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, client_id=client_id)
    mentions = erasure.mentions_of(client=client, user=request.user)
    form = kyc_forms.EraseForm(request.POST or None, client=client, mentions=mentions)
    if request.method == "POST" and form.is_valid():
        record = erasure.client_erase(
            client=client,
            user=request.user,
            reason=form.cleaned_data["reason"],
            redact=form.cleaned_data["redact"],
            mentions=mentions,
        )
        return render(request, "kyc/erased.html", {"name": client.name, "erasure": record})
    return render(
        request,
        "kyc/erase.html",
        # The checkboxes are in the order of the mentions (EraseForm).
        {
            "client": client,
            "form": form,
            "mention_rows": list(zip(form["redact"], mentions, strict=True)),
        },
    )
