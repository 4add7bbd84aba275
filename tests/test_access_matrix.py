"""Who gets what from every URL: one table, generated coverage, seven roles, GET and POST.

`ACCESS` holds, for every URL pattern of the project (the Django admin site included),
how to build its URL from the world of tests/access_world.py and the answer each role
gets to a GET and to a POST. `test_it_describes_every_url_pattern` walks the URL
resolver, so a new URL without an entry fails the suite. For every refused answer
(403, 404, 405, a redirect to a login page) the test checks that the body names none
of the owner's client's name, phone or ID number and that no table changed; a role
outside the client's scope never sees them in any answer at all.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db import connection, transaction
from django.db.models import FileField
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from pytest_django.plugin import DjangoDbBlocker

from advisor_crm.accounts.forms import TeamForm, UserForm
from clients.forms import ClientForm
from clients.models import Client
from kms.forms import ParametersForm
from kyc import forms as kyc_forms
from tests.access_world import (
    CLIENT_NAME,
    CLIENT_PHONE,
    KYC_MODELS,
    ROLES,
    World,
    build_world,
)
from tests.factories import form_data, kyc_edit_data, kyc_new_data

if TYPE_CHECKING:
    from advisor_crm.accounts.models import User

# Answers that are not a plain status code.
LOGIN = "login"  # 302 to the login page, with ?next= the URL asked for
ADMIN_LOGIN = "admin login"  # 302 to the Django admin site's login page, with ?next=

Answer = int | str
Answers = dict[str, Answer]

# Roles that may see the owner's client: the owner, the lead of the owner's team, admins.
IN_SCOPE = ("owner", "own_lead", "admin")
OUT_OF_SCOPE = ("anonymous", "teammate", "other_team", "other_lead")
REFUSED = {403, 404, 405, LOGIN, ADMIN_LOGIN}


# Who gets what: the usual shapes of an answer, each with overrides by role -----------


def everyone(answer: Answer, **overrides: Answer) -> Answers:
    return {role: answer for role in ROLES} | overrides


def logged_in(answer: Answer, **overrides: Answer) -> Answers:
    """Any logged-in user; anonymous visitors go to the login page."""
    return everyone(answer, anonymous=LOGIN) | overrides


def client_scope(answer: Answer, **overrides: Answer) -> Answers:
    """The owner's client: 404 for those who may not see it (never 403: no leak)."""
    answers = logged_in(answer) | {role: 404 for role in OUT_OF_SCOPE if role != "anonymous"}
    return answers | overrides


def admin_only(answer: Answer, **overrides: Answer) -> Answers:
    """CRM administrators only (advisor_crm.http.admin_required): 403 for the others."""
    return logged_in(403, admin=answer) | overrides


def staff_only(answer: Answer, **overrides: Answer) -> Answers:
    """The Django admin site: staff only (the demo's admin); the others go to its login."""
    return everyone(ADMIN_LOGIN, admin=answer) | overrides


WRONG_METHOD = logged_in(405)  # @login_required around @require_GET / @require_POST


# The table ---------------------------------------------------------------------------

Kwargs = Callable[[World], dict[str, Any]]
Body = Callable[[World, "User | None"], dict[str, Any]]


def _no_kwargs(world: World) -> dict[str, Any]:
    return {}


def _empty_body(world: World, user: User | None) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Entry:
    get: Answers
    post: Answers
    kwargs: Kwargs = _no_kwargs
    # A body that is valid, or at least harmless: the point is access, not validation.
    body: Body = _empty_body
    query: str = ""
    # Unnamed patterns have no name to reverse: the URL is built from the world.
    url: Callable[[World], str] | None = None


def _client(world: World) -> dict[str, Any]:
    return {"client_id": world.client.pk}


def _case(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk}


def _finding(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk, "finding_id": world.finding.pk}


def _item(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk, "item_id": world.item.pk}


def _plan(world: World) -> dict[str, Any]:
    return {"document_id": world.plan.pk}


def _kyc_item(key: str) -> Kwargs:
    return lambda world: {
        "client_id": world.client.pk,
        "key": key,
        "item_id": world.kyc_items[key].pk,
    }


def _draft(world: World) -> dict[str, Any]:
    return {"version_id": world.draft.pk}


def _published(world: World) -> dict[str, Any]:
    return {"version_id": world.published.pk}


def _rule(world: World) -> dict[str, Any]:
    rule = world.draft.rules.first()
    assert rule is not None
    return {"version_id": world.draft.pk, "rule_id": rule.pk}


def _client_edit_body(world: World, user: User | None) -> dict[str, Any]:
    form = ClientForm(instance=world.client, user=user or world.users["owner"])
    return form_data(form) | {"notes": "矩阵"}


def _client_create_body(world: World, user: User | None) -> dict[str, Any]:
    return {
        "client_type": "individual", "name": "钱多多", "phone": "13812345678", "city": "宁波",
        "industry": "manufacturing", "annual_income": "500000", "credit_status": "unknown",
        "cvm_stage": "acquire", "owner": world.users["owner"].pk,
    }  # fmt: skip


def _household_body(world: World, user: User | None) -> dict[str, Any]:
    household = world.client.household if hasattr(world.client, "household") else None
    return form_data(kyc_forms.HouseholdForm(instance=household, client=world.client))


ACCESS: dict[str, Entry] = {
    # The site ------------------------------------------------------------------------
    "": Entry(get=everyone(302), post=everyone(302), url=lambda world: "/"),
    "healthz": Entry(get=everyone(200), post=everyone(405)),
    "set_language": Entry(
        get=everyone(302), post=everyone(302), body=lambda w, u: {"language": "en", "next": "/"}
    ),
    "login": Entry(get=everyone(302, anonymous=200), post=everyone(302, anonymous=200)),
    "logout": Entry(get=everyone(405), post=everyone(302)),
    "password_change": Entry(get=logged_in(200), post=logged_in(200)),
    "password_change_done": Entry(get=logged_in(200), post=logged_in(405)),
    # Accounts: administrators only ---------------------------------------------------
    "accounts:user_list": Entry(get=admin_only(200), post=admin_only(405)),
    "accounts:user_create": Entry(get=admin_only(200), post=admin_only(200)),
    "accounts:user_edit": Entry(
        get=admin_only(200),
        post=admin_only(303),
        kwargs=lambda world: {"user_id": world.users["teammate"].pk},
        body=lambda world, user: form_data(UserForm(instance=world.users["teammate"])),
    ),
    "accounts:team_list": Entry(get=admin_only(200), post=admin_only(405)),
    "accounts:team_create": Entry(get=admin_only(200), post=admin_only(200)),
    "accounts:team_edit": Entry(
        get=admin_only(200),
        post=admin_only(303),
        kwargs=lambda world: {"team_id": world.team.pk},
        body=lambda world, user: form_data(TeamForm(instance=world.team)),
    ),
    # Clients -------------------------------------------------------------------------
    # A search is posted (an ID number stays out of the address): the list's address,
    # with a token for the number, follows.
    "clients:list": Entry(
        get=logged_in(200), post=logged_in(303), body=lambda world, user: {"q": world.id_number}
    ),
    "clients:create": Entry(
        get=logged_in(200),
        # Leads and admins may give the client to the owner; the other lead may not
        # (the form refuses an advisor of another team); advisors get it themselves.
        post=logged_in(303, other_lead=200),
        body=_client_create_body,
    ),
    # Its text may be an ID number: the picker posts it (issue 13).
    "clients:referrer_options": Entry(
        get=logged_in(200),
        post=logged_in(200),
        query="?q=%E8%B5%B5&owner={owner}",
    ),
    "clients:detail": Entry(get=client_scope(200), post=WRONG_METHOD, kwargs=_client),
    "clients:edit": Entry(
        get=client_scope(200), post=client_scope(303), kwargs=_client, body=_client_edit_body
    ),
    "clients:archive": Entry(get=WRONG_METHOD, post=client_scope(303), kwargs=_client),
    "clients:restore": Entry(get=WRONG_METHOD, post=client_scope(303), kwargs=_client),
    "clients:reveal_id": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_client),
    # Merging is for leads and admins; the owner sees the client but may not merge.
    "clients:merge": Entry(
        get=client_scope(200, owner=403), post=client_scope(200, owner=403), kwargs=_client
    ),
    # KYC -----------------------------------------------------------------------------
    "kyc:page": Entry(get=client_scope(200), post=WRONG_METHOD, kwargs=_client),
    "kyc:pictures": Entry(get=client_scope(200), post=WRONG_METHOD, kwargs=_client),
    "kyc:completeness": Entry(get=client_scope(200), post=WRONG_METHOD, kwargs=_client),
    "kyc:household": Entry(
        get=client_scope(200), post=client_scope(200), kwargs=_client, body=_household_body
    ),
    "kyc:consent_record": Entry(
        get=WRONG_METHOD,
        post=client_scope(303),
        kwargs=_client,
        body=lambda w, u: {"given_on": "2026-11-01", "scope": "both", "notes": ""},
    ),
    "kyc:consent_withdraw": Entry(
        get=WRONG_METHOD,
        post=client_scope(303),
        kwargs=lambda world: {"client_id": world.client.pk, "consent_id": world.consent.pk},
    ),
    "kyc:section": Entry(
        get=client_scope(200),
        post=WRONG_METHOD,
        kwargs=lambda world: {"client_id": world.client.pk, "key": "people"},
    ),
    "kyc:item_new": Entry(
        get=client_scope(200),
        post=client_scope(200),
        kwargs=lambda world: {"client_id": world.client.pk, "key": "assets"},
        body=lambda world, user: kyc_new_data(key="assets", client=world.client),
    ),
    "kyc:item": Entry(
        get=client_scope(200),
        post=client_scope(200),
        kwargs=_kyc_item("policies"),
        body=lambda world, user: kyc_edit_data(key="policies", item=world.kyc_items["policies"]),
    ),
    "kyc:item_delete": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_kyc_item("income")),
    "kyc:history": Entry(get=client_scope(200), post=WRONG_METHOD, kwargs=_client),
    # The GET offers the export; the POST makes it (and records the access).
    "kyc:export": Entry(get=client_scope(200), post=client_scope(200), kwargs=_client),
    # Without the typed name and a reason the erasure form only shows its errors.
    "kyc:erase": Entry(get=client_scope(200), post=client_scope(200), kwargs=_client),
    # KMS -----------------------------------------------------------------------------
    "kms:parameters": Entry(
        get=admin_only(200),
        post=admin_only(200),
        body=lambda world, user: form_data(ParametersForm()),
    ),
    "kms:start": Entry(get=WRONG_METHOD, post=client_scope(302), kwargs=_client),
    "kms:resume": Entry(get=client_scope(302), post=WRONG_METHOD, kwargs=_case),
    "kms:refresh": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_case),
    "kms:finding_add": Entry(
        get=WRONG_METHOD,
        post=client_scope(200),
        kwargs=_case,
        body=lambda w, u: {"category": "liquidity", "severity": "2", "title": "矩阵", "fact": ""},
    ),
    "kms:finding_decide": Entry(
        get=WRONG_METHOD,
        post=client_scope(200),
        kwargs=_finding,
        body=lambda w, u: {"action": "confirm"},
    ),
    "kms:solution": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_finding),
    "kms:leave_open": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_finding),
    "kms:motives": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_case),
    "kms:needs": Entry(
        get=WRONG_METHOD,
        post=client_scope(200),
        kwargs=lambda world: {"case_id": world.case.pk, "calculator": "education"},
    ),
    "kms:item_new": Entry(
        get=client_scope(200),
        post=client_scope(200),
        kwargs=_case,
        body=lambda w, u: {"check": "1"},
    ),
    "kms:item": Entry(
        get=client_scope(200),
        post=client_scope(200),
        kwargs=_item,
        body=lambda w, u: {"check": "1"},
    ),
    "kms:item_delete": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_item),
    "kms:item_accept": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_item),
    # Without a status the case does not close: a 400 that says why.
    "kms:close": Entry(get=WRONG_METHOD, post=client_scope(400), kwargs=_case),
    "kms:new_version": Entry(get=WRONG_METHOD, post=client_scope(302), kwargs=_case),
    "kms:plan_generate": Entry(get=WRONG_METHOD, post=client_scope(302), kwargs=_case),
    "kms:plan_status": Entry(get=client_scope(200), post=WRONG_METHOD, kwargs=_plan),
    "kms:plan_retry": Entry(get=WRONG_METHOD, post=client_scope(200), kwargs=_plan),
    # To anyone who may not read it a plan does not exist, anonymous visitors included.
    # A POST: each download is recorded (reads never write).
    "kms:plan_download": Entry(
        get=everyone(405), post=client_scope(200, anonymous=404), kwargs=_plan
    ),
    "kms:progress": Entry(
        get=client_scope(200),
        post=WRONG_METHOD,
        kwargs=lambda world: {"case_id": world.case.pk, "step": "know"},
    ),
    "kms:step": Entry(
        get=client_scope(200),
        post=WRONG_METHOD,
        kwargs=lambda world: {"case_id": world.case.pk, "step": "know"},
    ),
    # Scoring rules: administrators only ----------------------------------------------
    "scoring:rules": Entry(get=admin_only(200), post=admin_only(405)),
    "scoring:condition_check": Entry(
        get=admin_only(405), post=admin_only(200), body=lambda w, u: {"condition": "age >= 30"}
    ),
    "scoring:editor": Entry(
        get=admin_only(200),
        post=admin_only(405),
        kwargs=_published,
    ),
    "scoring:draft_new": Entry(
        get=admin_only(405),
        post=admin_only(302),
        kwargs=_published,
    ),
    "scoring:rule_new": Entry(
        get=admin_only(200),
        post=admin_only(200),
        kwargs=_draft,
        body=lambda w, u: {"label": "矩阵", "condition": "age >= 30", "points": "5"},
    ),
    "scoring:rule_edit": Entry(get=admin_only(200), post=admin_only(200), kwargs=_rule),
    "scoring:rule_move": Entry(get=admin_only(405), post=admin_only(200), kwargs=_rule),
    "scoring:rule_toggle": Entry(get=admin_only(405), post=admin_only(200), kwargs=_rule),
    "scoring:rule_delete": Entry(get=admin_only(405), post=admin_only(200), kwargs=_rule),
    "scoring:tiers": Entry(
        get=admin_only(405),
        post=admin_only(200),
        kwargs=_draft,
    ),
    "scoring:preview": Entry(
        get=admin_only(200),
        post=admin_only(405),
        kwargs=_draft,
    ),
    "scoring:publish": Entry(
        get=admin_only(405),
        post=admin_only(302),
        kwargs=_draft,
    ),
    "scoring:job": Entry(
        get=admin_only(200), post=admin_only(405), kwargs=lambda world: {"job_id": world.job.pk}
    ),
    # P100 ----------------------------------------------------------------------------
    "scoring:p100": Entry(get=logged_in(200), post=WRONG_METHOD),
    # Reviewing is for those who oversee the advisor: their lead and admins.
    "scoring:p100_review": Entry(
        get=logged_in(404, own_lead=200, admin=200),
        post=logged_in(404, own_lead=302, admin=302),
        kwargs=lambda world: {"advisor_id": world.users["owner"].pk},
        body=lambda w, u: {"comment": "矩阵"},
    ),
    "scoring:p100_export": Entry(
        get=client_scope(200),
        post=WRONG_METHOD,
        kwargs=lambda world: {"advisor_id": world.users["owner"].pk, "fmt": "csv"},
    ),
    # Only the advisor whose list was reviewed answers the lead's note.
    "scoring:p100_note_reply": Entry(
        get=WRONG_METHOD,
        post=logged_in(404, owner=303),
        kwargs=lambda world: {"note_id": world.note.pk},
        body=lambda w, u: {"reply": "已跟进"},
    ),
}


# The Django admin site ---------------------------------------------------------------
#
# Only staff reach it (the demo's administrator is a superuser); everyone else is sent
# to its login page. The site's own pages are described one by one; each registered
# model gets the five pages of a ModelAdmin and the old-style change URL that
# redirects, described once here. A ModelAdmin adding URLs of its own, or a new
# registered model's custom view, has no entry until someone writes one.

ADMIN = "django-admin/"


def _admin_object(label: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"object_id": world.admin_rows[label].pk}


ACCESS |= {
    "admin:index": Entry(get=staff_only(200), post=staff_only(200)),
    # The login page shows non-staff users that they are not allowed; staff go on in.
    "admin:login": Entry(get=everyone(200, admin=302), post=everyone(200)),
    # Logging out of the admin site: those who are not staff are sent to its index.
    "admin:logout": Entry(get=everyone(302, admin=405), post=everyone(302)),
    "admin:password_change": Entry(get=staff_only(200), post=staff_only(200)),
    "admin:password_change_done": Entry(get=staff_only(200), post=staff_only(405)),
    # Without app_label, model_name and field_name the autocomplete refuses.
    "admin:autocomplete": Entry(get=staff_only(403), post=staff_only(405)),
    "admin:jsi18n": Entry(get=staff_only(200), post=staff_only(405)),
    "admin:view_on_site": Entry(
        get=staff_only(404),
        post=staff_only(404),
        kwargs=lambda world: {
            "content_type_id": _content_type_id(Client),
            "object_id": world.client.pk,
        },
    ),
    "admin:app_list": Entry(
        get=staff_only(200), post=staff_only(200), kwargs=lambda world: {"app_label": "kms"}
    ),
    "admin:auth_user_password_change": Entry(
        get=staff_only(200),
        post=staff_only(200),
        kwargs=lambda world: {"id": world.users["teammate"].pk},
    ),
    f"{ADMIN}(?P<url>.*)$": Entry(
        get=staff_only(404), post=staff_only(404), url=lambda world: f"/{ADMIN}no-such-page/"
    ),
}


def _content_type_id(model: type[Any]) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


# Models whose admin pages answer otherwise than a ModelAdmin's defaults for a superuser:
# the records of django-axes and django-auditlog are written by the system, never added
# by hand; axes' may be deleted (to lift a lockout), the audit log's may not.
NO_ADDING = Entry(get=staff_only(403), post=staff_only(403))
ADMIN_MODEL_OVERRIDES: dict[str, dict[str, Entry]] = {
    **{
        f"axes.{model}": {
            f"admin:axes_{model}_add": NO_ADDING,
            # Every field is read-only: saving changes nothing and goes back to the list.
            f"admin:axes_{model}_change": Entry(
                get=staff_only(200),
                post=staff_only(302),
                kwargs=_admin_object(f"axes.{model}"),
            ),
        }
        for model in ("accessattempt", "accesslog", "accessfailurelog")
    },
    "auditlog.logentry": {
        "admin:auditlog_logentry_add": NO_ADDING,
        "admin:auditlog_logentry_change": Entry(
            get=staff_only(200),
            post=staff_only(403),
            kwargs=_admin_object("auditlog.logentry"),
        ),
        "admin:auditlog_logentry_delete": Entry(
            get=staff_only(403),
            post=staff_only(403),
            kwargs=_admin_object("auditlog.logentry"),
        ),
    },
}


def _old_change_url(label: str) -> Callable[[World], str]:
    app_label, model_name = label.split(".")
    return lambda world: f"/{ADMIN}{app_label}/{model_name}/{world.admin_rows[label].pk}/"


def _model_admin_entries() -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        app_label, model_name = model._meta.app_label, model._meta.model_name
        prefix = f"admin:{app_label}_{model_name}"
        on_object = _admin_object(label)
        pages = {
            f"{prefix}_changelist": Entry(get=staff_only(200), post=staff_only(200)),
            f"{prefix}_add": Entry(get=staff_only(200), post=staff_only(200)),
            f"{prefix}_change": Entry(get=staff_only(200), post=staff_only(200), kwargs=on_object),
            # An empty POST is not the confirmation: the page asks again.
            f"{prefix}_delete": Entry(get=staff_only(200), post=staff_only(200), kwargs=on_object),
            f"{prefix}_history": Entry(get=staff_only(200), post=staff_only(200), kwargs=on_object),
            # The old change URL redirects to the new one.
            f"{ADMIN}{app_label}/{model_name}/<path:object_id>/": Entry(
                get=staff_only(302),
                post=staff_only(302),
                url=_old_change_url(label),
            ),
        }
        pages |= ADMIN_MODEL_OVERRIDES.get(label, {})
        entries |= pages
    return entries


ACCESS |= _model_admin_entries()


# The URL patterns of the project -----------------------------------------------------


def url_patterns() -> set[str]:
    """Every URL pattern, by its full name, or by its route when it has no name."""

    def walk(resolver: URLResolver, namespace: str, route: str) -> Iterator[str]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern, inner, route + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                if pattern.name:
                    yield f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    yield route + str(pattern.pattern)

    return set(walk(get_resolver(), "", ""))


def test_it_describes_every_url_pattern() -> None:
    patterns = url_patterns()

    missing = sorted(patterns - set(ACCESS))
    extra = sorted(set(ACCESS) - patterns)
    assert not missing, (
        f"URL patterns without an entry: {missing}; add them to ACCESS in "
        "tests/test_access_matrix.py with the answer each role gets"
    )
    assert not extra, f"entries in ACCESS for no URL pattern: {extra}; remove them"


# Running the matrix ------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_world(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    """The world, built once in a transaction that is rolled back after the module."""
    from django.conf import settings

    from kms.models import PlanDocument

    plans = tmp_path_factory.mktemp("plans")
    storages = copy.deepcopy(cast(dict[str, dict[str, Any]], settings.STORAGES))
    storages["plans"]["OPTIONS"]["location"] = plans
    # The field resolved its storage once, at import: point it at the test's store too.
    file_field = PlanDocument._meta.get_field("file")
    assert isinstance(file_field, FileField)
    field_storage = file_field.storage
    with override_settings(STORAGES=storages), django_db_blocker.unblock():
        from django.core.files.storage import storages as storage_handler

        file_field.storage = storage_handler["plans"]
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            file_field.storage = field_storage


@pytest.fixture
def world(built_world: World, db: None) -> World:
    return built_world


@functools.cache
def _snapshot_sql() -> str:
    """One query that sums up the writes to every table but the sessions.

    On PostgreSQL the statistics of the current transaction count every row inserted,
    updated or deleted so far (the test's savepoint included), whichever table and
    even when undone; elsewhere each table's row count and highest id must do.
    """
    from django.apps import apps

    if connection.vendor == "postgresql":
        return (
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_user_tables WHERE relname <> 'django_session'"
        )
    parts = []
    for model in apps.get_models():
        table = model._meta.db_table
        if not model._meta.managed or model._meta.proxy or table == "django_session":
            continue
        quoted = connection.ops.quote_name(table)
        parts.append(f"(SELECT count(*) || '/' || coalesce(max(rowid), 0) FROM {quoted})")
    return "SELECT " + ", ".join(parts)


def _snapshot() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def _url(name: str, entry: Entry, world: World) -> str:
    if entry.url is not None:
        url = entry.url(world)
        assert resolve(url).route == name, f"{url} does not resolve to {name}"
    else:
        url = reverse(name, kwargs=entry.kwargs(world))
        assert resolve(url).view_name == name
    return url + entry.query.format(owner=world.users["owner"].pk)


CASES = [
    pytest.param(name, role, method, id=f"{name or '/'}-{role}-{method}")
    for name in sorted(ACCESS)
    for role in ROLES
    for method in ("GET", "POST")
]


@pytest.mark.parametrize(("name", "role", "method"), CASES)
def test_it_answers_each_role_as_the_table_says(
    world: World, name: str, role: str, method: str
) -> None:
    entry = ACCESS[name]
    expected = (entry.get if method == "GET" else entry.post)[role]
    url = _url(name, entry, world)
    user = world.users.get(role)
    refused = expected in REFUSED
    before = _snapshot() if refused else None
    http = world.http(role)

    response = http.get(url) if method == "GET" else http.post(url, entry.body(world, user))

    got: Answer = response.status_code
    if expected == LOGIN and response.status_code == 302:
        assert response["Location"] == redirect_to_login(url).url
        got = LOGIN
    elif expected == ADMIN_LOGIN and response.status_code == 302:
        assert response["Location"] == redirect_to_login(url, reverse("admin:login")).url
        got = ADMIN_LOGIN
    assert got == expected, f"{method} {url} as {role}: {got}, expected {expected}"
    if refused or role in OUT_OF_SCOPE:
        body = response.getvalue()
        text = body.decode(errors="replace")
        for secret in (CLIENT_NAME, CLIENT_PHONE, world.id_number):
            assert secret not in text, f"{method} {url} as {role} shows {secret}"
    if refused:
        assert _snapshot() == before, f"{method} {url} as {role} was refused but changed data"


def test_it_notices_a_write_between_two_snapshots(world: World) -> None:
    """The check behind every refused answer sees an update of a single column."""
    before = _snapshot()

    Client.objects.filter(pk=world.client.pk).update(notes="改过")

    assert _snapshot() != before


# One client's item under another client's URL -----------------------------------------

# The patterns that take the id of an item of a client or case besides the client's or
# the case's own id; the KYC item pages once per section.
ITEM_PATTERNS = [
    *((name, key) for name in ("kyc:item", "kyc:item_delete") for key in KYC_MODELS),
    *(
        (name, "")
        for name in (
            "kyc:consent_withdraw",
            "kms:finding_decide",
            "kms:solution",
            "kms:leave_open",
            "kms:item",
            "kms:item_delete",
            "kms:item_accept",
        )
    ),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("name", "key"), ITEM_PATTERNS)
def test_it_answers_404_for_an_item_of_another_client_under_ones_own(
    world: World, name: str, key: str, method: str
) -> None:
    """The teammate asks for the owner's item through their own client's or case's URL."""
    entry = ACCESS[name]
    assert world.teammate_client is not None and world.teammate_case is not None
    kwargs = entry.kwargs(world)
    if key:
        kwargs |= {"key": key, "item_id": world.kyc_items[key].pk}
    if "client_id" in kwargs:
        kwargs["client_id"] = world.teammate_client.pk
    else:
        kwargs["case_id"] = world.teammate_case.pk
    url = reverse(name, kwargs=kwargs)
    wrong_method = (entry.get if method == "GET" else entry.post)["owner"] == 405
    before = _snapshot()

    http = world.http("teammate")
    response = http.get(url) if method == "GET" else http.post(url, entry.body(world, None))

    assert response.status_code == (405 if wrong_method else 404)
    assert _snapshot() == before


READ_CASES = [
    pytest.param(name, role, id=f"{name or '/'}-{role}")
    for name in sorted(ACCESS)
    for role in ("owner", "own_lead", "admin")
    if ACCESS[name].get[role] not in REFUSED
]


@pytest.mark.parametrize(("name", "role"), READ_CASES)
def test_a_get_writes_nothing(world: World, name: str, role: str) -> None:
    """Reads are safe (issue 13): what writes, even an access record, takes a POST."""
    entry = ACCESS[name]
    url = _url(name, entry, world)
    before = _snapshot()

    world.http(role).get(url)

    assert _snapshot() == before, f"GET {url} as {role} wrote to the database"
