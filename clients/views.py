from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from advisor_crm.http import AuthenticatedRequest, client_ip
from advisor_crm.inputs import database_id, without_control_characters
from advisor_crm.pagination import InvalidCursor
from clients import crypto, listing, selectors, services
from clients.forms import SEARCH_LENGTH, ClientFilterForm, ClientForm, MergeForm
from clients.models import Client
from clients.panels import panels_for


def _filters_from(form: ClientFilterForm, id_number_index: str | None) -> selectors.ClientFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.ClientFilters(
        query=data.get("q", ""),
        client_type=data.get("client_type", ""),
        cvm_stage=data.get("cvm_stage", ""),
        industry=data.get("industry", ""),
        include_archived=bool(data.get("archived")),
        sort=data.get("sort") or selectors.DEFAULT_CLIENT_ORDERING,
        registered={field.name: data.get(field.name) for field in form.registered_filters()},
        id_number_index=id_number_index,
    )


# ID number searches of this session, by token: {token: {"index", "masked"}}. A search
# by ID number is posted; its address carries the token, never the number, so the
# number stays out of access logs, proxies and the browser's history (issue 13).
ID_SEARCHES = "clients.id_number_searches"
ID_SEARCHES_KEPT = 20


def _id_search_token(request: AuthenticatedRequest, text: str) -> str:
    searches: dict[str, dict[str, str]] = dict(request.session.get(ID_SEARCHES, {}))
    token = secrets.token_urlsafe(12)
    compact = selectors.id_number_in(text).upper()
    searches[token] = {
        "index": selectors.id_number_search_index(text),
        "masked": crypto.mask(compact),
    }
    request.session[ID_SEARCHES] = dict(list(searches.items())[-ID_SEARCHES_KEPT:])
    return token


def _list_address(query: QueryDict) -> str:
    encoded = query.urlencode()
    return reverse("clients:list") + (f"?{encoded}" if encoded else "")


@login_required
@require_http_methods(["GET", "POST"])
def client_list(request: AuthenticatedRequest) -> HttpResponse:
    # The search is posted (its text may be an ID number); the page it shows has a
    # plain address, with a token in place of an ID number.
    query = (request.POST if request.method == "POST" else request.GET).copy()
    if request.method == "POST":
        for key in ("csrfmiddlewaretoken", "cursor"):
            query.pop(key, None)
    text = query.get("q", "")
    moved = selectors.might_be_id_number(text)
    if moved:
        query.pop("q")
        query.pop("cursor", None)
        query["idq"] = _id_search_token(request, text)
    elif text.strip():
        # Typing a name or mobile starts a new search, without the earlier ID number.
        query.pop("idq", None)
    if (moved and request.method == "GET") or (request.method == "POST" and not request.htmx):
        return HttpResponse(status=303, headers={"Location": _list_address(query)})

    id_search = None
    id_number_index = None
    if "idq" in query:
        id_search = request.session.get(ID_SEARCHES, {}).get(query["idq"])
        id_number_index = id_search["index"] if id_search else selectors.NO_CLIENT_INDEX
    filter_form = ClientFilterForm(query)
    try:
        page = selectors.client_list(
            user=request.user,
            filters=_filters_from(filter_form, id_number_index),
            cursor=query.get("cursor") or None,
        )
    except InvalidCursor:
        return HttpResponseBadRequest(_("This page link is no longer valid."))
    base = query.copy()
    base.pop("cursor", None)
    # The columns the apps above clients add (clients.listing), each row's cells ready.
    columns = listing.columns()
    sort = listing.sort_of(filter_form.cleaned_data["sort"]) if filter_form.is_valid() else None
    without_id_search = base.copy()
    without_id_search.pop("idq", None)
    context = {
        "filter_form": filter_form,
        "page": page,
        "base_query": base.urlencode(),
        "columns": columns,
        "rows": [(client, [column.cell(client) for column in columns]) for client in page.items],
        "sort_note": sort.note if sort else "",
        "id_search": id_search,
        "id_search_token": query.get("idq", ""),
        "id_search_expired": "idq" in query and id_search is None,
        "id_search_clear": _list_address(without_id_search),
    }
    # Live search and paging swap only the results; a full load gets the whole page.
    if request.htmx and request.htmx.target == "client-results":
        response = render(request, "clients/client_list.html#results", context)
        if request.method == "POST":
            response["HX-Push-Url"] = _list_address(query)
        return response
    return render(request, "clients/client_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request: AuthenticatedRequest) -> HttpResponse:
    duplicates = None
    if request.method == "POST":
        form = ClientForm(request.POST, user=request.user)
        client = None
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.setdefault("owner", request.user)
            try:
                client = services.client_create(
                    data=data,
                    id_number=form.cleaned_data["id_number"],
                    tag_names=form.cleaned_data["tags_text"],
                    user=request.user,
                    duplicate_confirmed=form.cleaned_data["duplicate_confirmed"],
                )
            except services.DuplicateClient as duplicate:
                for field, messages in duplicate.message_dict.items():
                    form.add_error(field, messages)
                duplicates = duplicate.duplicates
        if client is not None:
            if request.htmx:
                # Stay on the list: confirm in the panel and let the results refresh.
                response = render(request, "clients/client_created.html", {"client": client})
                return trigger_client_event(response, "clientsChanged")
            url = reverse("clients:detail", args=[client.pk])
            return HttpResponse(status=303, headers={"Location": url})
    else:
        form = ClientForm(user=request.user)
    template = "clients/client_form.html"
    if request.htmx:
        template += "#form"
    return render(request, template, {"form": form, "client": None, "duplicates": duplicates})


@login_required
@require_GET
def client_detail(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get_for_user(user=request.user, client_id=client_id)
    context = {
        "client": client,
        "referrals": selectors.client_referrals(user=request.user, client=client),
        "panels": panels_for(request=request, client=client),
    }
    return render(request, "clients/client_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get_for_user(user=request.user, client_id=client_id)
    if request.method == "POST":
        form = ClientForm(request.POST, instance=client, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            client = services.client_update(
                client=client,
                data=data,
                id_number=form.cleaned_data["id_number"] or None,
                tag_names=form.cleaned_data["tags_text"],
                version_form=form,
            )
            if request.htmx:
                return render(request, "clients/client_detail.html#profile", {"client": client})
            return HttpResponse(
                status=303, headers={"Location": reverse("clients:detail", args=[client.pk])}
            )
        # Reload the stored values for the page around the form: the failed form
        # must not leak its unsaved input into the rest of the page.
        client.refresh_from_db()
    else:
        form = ClientForm(instance=client, user=request.user)
    template = "clients/client_form.html"
    if request.htmx:
        template += "#form"
    return render(request, template, {"form": form, "client": client})


@login_required
@require_POST
def client_archive(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get_for_user(user=request.user, client_id=client_id)
    services.client_archive(client=client)
    return _after_state_change(request, client.pk)


@login_required
@require_POST
def client_restore(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get_for_user(user=request.user, client_id=client_id)
    services.client_restore(client=client)
    return _after_state_change(request, client.pk)


def _after_state_change(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get_for_user(user=request.user, client_id=client_id)
    if request.htmx:
        return render(request, "clients/client_detail.html#profile", {"client": client})
    return HttpResponse(
        status=303, headers={"Location": reverse("clients:detail", args=[client_id])}
    )


@login_required
@require_POST
def client_reveal_id_number(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get_for_user(user=request.user, client_id=client_id)
    id_number = services.client_reveal_id_number(
        client=client, user=request.user, ip_address=client_ip(request)
    )
    context = {"client": client, "revealed_id_number": id_number}
    if request.htmx:
        return render(request, "clients/client_detail.html#id-number", context)
    return render(request, "clients/client_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_referrer_options(request: AuthenticatedRequest) -> HttpResponse:
    """Options for the referrer select: the owner's clients whose name matches.

    The picker posts its text (it may be an ID number, kept out of addresses, issue
    13); a GET still answers. It only reads.
    """
    data = request.POST if request.method == "POST" else request.GET
    # The search box is no form: its text is kept to what a name or phone can be.
    query = without_control_characters(data.get("q", "")).strip()[:SEARCH_LENGTH]
    candidates = selectors.referrer_search(
        user=request.user,
        owner_id=database_id(data.get("owner", "")) or request.user.pk,
        query=query,
        exclude_id=database_id(data.get("exclude", "")),
    )
    return render(
        request,
        "clients/widgets/referrer_select.html#options",
        {"candidates": candidates, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_merge(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    """Merge a duplicate into this client (leads and admins): choose, review, confirm.

    The other client is looked up among those the user can see, with one message for
    a number that does not exist and one the user may not see.
    """
    survivor = selectors.client_get_for_user(user=request.user, client_id=client_id)
    if not (request.user.is_team_lead or request.user.is_crm_admin):
        raise PermissionDenied
    candidates = selectors.merge_candidates(user=request.user, client=survivor)
    form = MergeForm(request.POST or None, candidates=candidates)
    other: Client | None = None
    if request.method == "POST" and form.is_valid():
        other = (
            Client.objects.visible_to(request.user)
            .select_related("owner")
            .filter(pk=form.cleaned_data["other_id"])
            .first()
        )
        if other is None:
            form.add_error(
                "number", _("There is no client with this number among the clients you can see.")
            )
        else:
            try:
                services.client_merge_check(user=request.user, survivor=survivor, merged=other)
                if form.cleaned_data["confirm"]:
                    services.client_merge(user=request.user, survivor=survivor, merged=other)
                    messages.success(
                        request,
                        _("%(merged)s (#%(number)s) was merged into this client.")
                        % {"merged": other.name, "number": other.pk},
                    )
                    return HttpResponse(
                        status=303,
                        headers={"Location": reverse("clients:detail", args=[survivor.pk])},
                    )
            except services.MergeRefused as refusal:
                form.add_error(None, refusal)
                other = None
    other = other if not form.errors else None
    preview = (
        services.client_merge_preview(survivor=survivor, merged=other) if other is not None else []
    )
    context = {
        "client": survivor,
        "form": form,
        "other": other,
        "preview": preview,
        # Both have rows of a map: nothing is matched up, both sets are kept.
        "both_mapped": any(theirs and ours for _label, theirs, ours in preview),
    }
    return render(request, "clients/merge.html", context)
