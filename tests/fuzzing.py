"""The fuzzing engine of issue 13, shared by tests/test_fuzz.py and scripts/fuzz_sweep.py.

It finds the forms by itself, so a new form is fuzzed without anyone listing it:

1. `world_build` creates a fixture world: the demo users and teams, the three demo
   clients of `advisor` with their full KYC maps and KMS cases, an open draft case in
   which every step page renders, a draft scoring version with rules, a P100 review
   with a note, and a client of `advisor3` (another team) with a KYC map and a case,
   whose ids are the "foreign ids".
2. `pages` walks `django.urls.get_resolver()` (all but `admin:*` and `SKIPPED_URLS`)
   and binds each pattern's arguments to ids of that world.
3. `forms_discover` GETs each page as the first of advisor, lead and admin that may
   see it (anonymous for the login page) and parses every <form> (and every element
   with `hx-post`) with its fields and their current values.
4. `cases` makes, for each field, the form's own values with that one field replaced by
   each hostile value; plus the whole form sent as `charset=gbk`, and each numeric field
   replaced by the ids of the foreign client's rows.
5. `Runner.run` posts one case inside a transaction it rolls back afterwards, so each
   case starts from the same database. It reports a server error (500 or exception), a
   row saved although the answer was an error, a row saved pointing at a foreign row,
   and a page that no longer renders after an accepted value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.apps import apps
from django.db import connection, models, transaction
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch, Resolver404

# The test client's response (a monkey-patched HttpResponse the stubs cannot name).
Response = Any

# Hostile values (issue 13): each is posted in place of one field's value. A list posts
# several values for the one field.
Value = str | list[str]
HOSTILE_VALUES: tuple[Value, ...] = (
    "9" * 30,
    "-9" * 20,
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "²",
    "0",
    "-1",
    "",
    "\x00abc",
    "\x01\x0b\x0c",
    "a" * 100_000,
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "1" * 5000,
    "99999999999999999999",
    ["1", "2"],
)
# The few that found most bugs, for the fast subset in `make test`.
FAST_VALUES: tuple[Value, ...] = ("9" * 30, "1e309", "\x00abc", "a" * 100_000)

# URL names never requested, with the reason.
SKIPPED_URLS = {
    "logout": "ends the session the other cases use; takes no input",
    "set_language": "Django's own view; only changes the session's language",
    "healthz": "no form; checked by tests/advisor_crm/test_health.py",
    "kms:plan_download": "a PDF file, no form; the world's plan has none",
}
# Pages to GET without logging in.
ANONYMOUS_URLS = {"login"}
ROLES = ("advisor", "lead", "admin")

# Apps whose rows must not change when an answer is an error; the models here record
# that something was looked at, not the user's input.
SNAPSHOT_APPS = ("accounts", "clients", "kyc", "kms", "scoring")
SNAPSHOT_SKIPPED_MODELS = {"clients.sensitiveaccess"}
SNAPSHOT_SKIPPED_COLUMNS = {"last_login"}

# What the templates show next to a field or form that was refused.
ERROR_MARKERS = ('class="error"', "has-error", 'aria-invalid="true"', "errorlist")


@dataclass
class World:
    users: dict[str, Any]
    # URL argument name -> the values to bind it to (see `pages`).
    arguments: dict[str, list[Any]]
    # KYC section key -> ids of that section's rows of the client.
    kyc_items: dict[str, list[int]]
    # (model, pk) of rows of the other team's client.
    foreign: list[tuple[type[models.Model], int]]


def world_build() -> World:
    """The fixture world described in the module docstring (needs an empty database)."""
    from clients.models import Client
    from demo import kms as kms_demo
    from demo.kyc import fill_qian
    from demo.management.commands.seed_demo import WORKED_CASES, Command
    from kms import selectors as kms_selectors
    from kms import services as kms_services
    from kms.models import CaseStatus, KmsCase, PlanDocument, Step
    from kyc import views as kyc_views
    from kyc.models import ConsentScope, SensitiveConsent
    from scoring import services as scoring_services
    from scoring.models import RescoreJob, RuleSetVersion

    seed = Command()
    seed._touched = set()
    users = seed._users()
    seed._worked_cases(users["advisor"])
    seed._kyc(users["advisor"])
    seed._scoring(users["admin"])

    zhao = Client.objects.get(owner=users["advisor"], name="赵立新")
    closed = KmsCase.objects.get(client=zhao)
    draft = kms_services.case_new_version(case=closed, user=users["advisor"])
    kms_services.case_go(case=draft, step=Step.REVIEW)
    plan = PlanDocument.objects.create(
        case=closed, client=zhao, number=1, status="failed", requested_by=users["advisor"]
    )
    published = RuleSetVersion.objects.get(published_at__isnull=False)
    version = scoring_services.version_new_draft(source=published, user=users["admin"])
    review = scoring_services.p100_review_create(
        advisor=users["advisor"],
        reviewer=users["lead"],
        comment="请本周约见",
        snapshot=[zhao.pk],
        notes={zhao.pk: (True, "约见")},
    )

    spec = next(c for c in WORKED_CASES if c["name"] == "钱雅琴")
    outsider_client = Client(
        owner=users["advisor3"], **{k: v for k, v in spec.items() if k not in ("tags", "id_number")}
    )
    outsider_client.save()
    fill_qian(outsider_client, users["advisor3"])
    kms_demo.qian_case(outsider_client, users["advisor3"])
    outsider_case = KmsCase.objects.get(client=outsider_client)
    foreign: list[tuple[type[models.Model], int]] = [(Client, outsider_client.pk)]
    foreign.append((KmsCase, outsider_case.pk))
    for related in (outsider_case.findings.first(), outsider_case.items.first()):
        if related is not None:
            foreign.append((type(related), related.pk))
    for section in kyc_views.SECTIONS.values():
        row = section.model._default_manager.filter(client=outsider_client).first()
        if row is not None:
            foreign.append((section.model, row.pk))

    kyc_items = {
        key: list(
            section.model._default_manager.filter(client=zhao)
            .order_by("pk")
            .values_list("pk", flat=True)[:1]
        )
        for key, section in kyc_views.SECTIONS.items()
    }
    consent = SensitiveConsent.objects.filter(client=zhao).order_by("pk").first()
    if consent is None:
        consent = SensitiveConsent.objects.create(
            client=zhao,
            recorded_by=users["advisor"],
            given_on=dt.date(2026, 1, 5),
            scope=ConsentScope.values[0],
        )
    assert draft.status == CaseStatus.DRAFT
    arguments: dict[str, list[Any]] = {
        "client_id": [zhao.pk],
        "consent_id": [consent.pk],
        "case_id": [draft.pk],
        "finding_id": list(draft.findings.order_by("pk").values_list("pk", flat=True)[:1]),
        "item_id": list(draft.items.order_by("pk").values_list("pk", flat=True)[:1]),
        "calculator": [c.key for c in kms_selectors.case_state(case=draft).calculations],
        "step": [step.value for step in Step],
        "document_id": [plan.pk],
        "version_id": [version.pk],
        "rule_id": list(version.rules.order_by("pk").values_list("pk", flat=True)[:1]),
        "job_id": list(RescoreJob.objects.order_by("pk").values_list("pk", flat=True)[:1]),
        "advisor_id": [users["advisor"].pk],
        "fmt": ["csv", "xlsx"],
        "note_id": list(review.notes.values_list("pk", flat=True)),
        "user_id": [users["advisor"].pk],
        "team_id": [users["advisor"].team_id],
    }
    return World(users=users, arguments=arguments, kyc_items=kyc_items, foreign=foreign)


# Pages --------------------------------------------------------------------------------


def url_names() -> list[tuple[str, list[str]]]:
    """Every named URL pattern of the app (but admin) with its argument names."""
    found: list[tuple[str, list[str]]] = []

    def walk(resolver: URLResolver, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                walk(entry, namespace + (f"{entry.namespace}:" if entry.namespace else ""))
            elif isinstance(entry, URLPattern) and entry.name:
                names = list(entry.pattern.regex.groupindex)
                found.append((namespace + entry.name, names))

    walk(get_resolver(), "")
    return found


def pages(world: World) -> list[str]:
    """The URL of each pattern bound to the world's ids (several for slug arguments)."""
    urls: list[str] = []
    for name, names in url_names():
        if name in SKIPPED_URLS:
            continue
        if name.startswith("kyc:") and "key" in names:
            choices = [
                {"key": key, "item_id": pk}
                for key, pks in world.kyc_items.items()
                for pk in (pks if "item_id" in names else [0])
            ]
            bindings = [
                {**{k: world.arguments[k][0] for k in names if k not in ("key", "item_id")}, **c}
                for c in choices
            ]
        else:
            values = [world.arguments.get(k, []) for k in names]
            bindings = [
                dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)
            ]
        for kwargs in bindings:
            kwargs = {k: v for k, v in kwargs.items() if k in names}
            try:
                urls.append(reverse(name, kwargs=kwargs or None))
            except NoReverseMatch:
                continue
    return urls


# Forms --------------------------------------------------------------------------------


@dataclass
class FormSpec:
    page: str
    role: str
    method: str
    action: str
    # Field name -> the values the form would send; `optional` fields send nothing now.
    fields: dict[str, list[str]] = field(default_factory=dict)
    optional: set[str] = field(default_factory=set)
    # Names whose current or offered values are numeric ids (selects, hidden fields).
    numeric: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.method, re.sub(r"\d+", "N", self.action), tuple(sorted(self.fields)))

    def baseline(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.fields.items() if k not in self.optional}


class _FormParser(HTMLParser):
    """Collects forms and htmx triggers (elements with hx-post outside a form's fields)."""

    def __init__(self, page: str, role: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.role = page, role
        self.forms: list[FormSpec] = []
        self._stack: list[FormSpec] = []
        self._select: tuple[FormSpec, str, bool, list[str], list[str]] | None = None
        self._textarea: tuple[FormSpec, str, list[str]] | None = None
        # (search, its form, a field of that form it sends along), filled in at the end.
        self._includes: list[tuple[FormSpec, FormSpec | None, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        target = a.get("hx-post") or a.get("hx-put")
        if tag == "form":
            if target:
                spec = FormSpec(self.page, self.role, "post", target)
            else:
                method = a.get("method", "get").lower()
                action = a.get("action") or a.get("hx-get") or self.page
                spec = FormSpec(self.page, self.role, method, action)
            self._stack.append(spec)
            self.forms.append(spec)
            return
        current = self._stack[-1] if self._stack else None
        if a.get("hx-get") and a.get("name"):
            # A search box that fetches as one types (the referrer picker).
            action = a["hx-get"]
            search = FormSpec(self.page, self.role, "get", action)
            search.fields = {k: [v] for k, v in parse_qsl(urlsplit(action).query)}
            search.fields[a["name"]] = [a.get("value", "")]
            for included in re.findall(r"\[name='([^']+)'\]", a.get("hx-include", "")):
                self._includes.append((search, current, included))
            self.forms.append(search)
        if target and tag != "form":
            trigger = FormSpec(self.page, self.role, "post", target)
            vals = a.get("hx-vals", "")
            if vals.startswith("{"):
                try:
                    for k, v in json.loads(vals).items():
                        trigger.fields[k] = [str(v)]
                except ValueError:
                    pass
            if current is not None and "closest form" in a.get("hx-include", ""):
                trigger.fields = {**current.fields, **trigger.fields}
                trigger.optional = set(current.optional)
                trigger.numeric = set(current.numeric)
            self.forms.append(trigger)
        if current is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            values = current.fields.setdefault(name, [])
            if kind in ("checkbox", "radio"):
                value = a.get("value", "on")
                if "checked" in a:
                    values.append(value)
                    current.optional.discard(name)
                elif not values:
                    current.optional.add(name)
                if value.isdigit():
                    current.numeric.add(name)
            else:
                values.append(a.get("value", ""))
                if a.get("value", "").isdigit() and kind == "hidden":
                    current.numeric.add(name)
        elif tag == "select" and name:
            self._select = (current, name, "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[4].append(value)
            if "selected" in a:
                self._select[3].append(value)
        elif tag == "textarea" and name:
            self._textarea = (current, name, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._stack:
            self._stack.pop()
        elif tag == "select" and self._select is not None:
            spec, name, multiple, selected, offered = self._select
            if not selected and offered and not multiple:
                selected = [offered[0]]
            spec.fields[name] = selected
            if not selected:
                spec.optional.add(name)
            if any(v.isdigit() for v in offered):
                spec.numeric.add(name)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            spec, name, text = self._textarea
            spec.fields[name] = ["".join(text).removeprefix("\n")]
            self._textarea = None


def forms_parse(html: str, *, page: str, role: str) -> list[FormSpec]:
    parser = _FormParser(page, role)
    parser.feed(html)
    for search, form, name in parser._includes:
        search.fields[name] = form.fields.get(name, [""]) if form else [""]
        if form and name in form.numeric:
            search.numeric.add(name)
    forms = []
    for spec in parser.forms:
        path = urlsplit(spec.action).path or page
        if not path.startswith("/") or path.startswith("/admin/"):
            continue
        spec.action = path
        try:
            name = resolve(path).view_name
        except Resolver404:
            continue
        if name in SKIPPED_URLS or (spec.method == "get" and not spec.fields):
            continue
        forms.append(spec)
    return forms


@dataclass
class Browser:
    """One logged-in test client per role, reset to its login after every case."""

    clients: dict[str, HttpClient]
    cookies: dict[str, SimpleCookie]

    @classmethod
    def for_world(cls, world: World) -> Browser:
        clients: dict[str, HttpClient] = {"anonymous": HttpClient()}
        for role in ROLES:
            http = HttpClient()
            http.force_login(world.users[role])
            clients[role] = http
        return cls(clients, {role: _copy(h.cookies) for role, h in clients.items()})

    def reset(self, role: str) -> None:
        self.clients[role].cookies = _copy(self.cookies[role])


def _copy(cookies: SimpleCookie) -> SimpleCookie:
    fresh: SimpleCookie = SimpleCookie()
    fresh.load(cookies.output(header="", sep=";"))
    return fresh


def forms_discover(world: World, browser: Browser) -> tuple[list[FormSpec], list[str]]:
    """Each distinct form of every page, and the pages no role could open.

    A page that redirects, or answers 405 because it takes POST only, counts as opened.
    """
    found: dict[tuple[str, str, tuple[str, ...]], FormSpec] = {}
    unopened: list[str] = []
    for url in pages(world):
        name = resolve(url).view_name
        roles = ("anonymous",) if name in ANONYMOUS_URLS else ROLES
        for role in roles:
            with transaction.atomic():
                response = browser.clients[role].get(
                    url,
                )
                transaction.set_rollback(True)
            browser.reset(role)
            if response.status_code == 200:
                if "html" in response.get("Content-Type", ""):
                    for spec in forms_parse(_text(response), page=url, role=role):
                        found.setdefault(spec.key, spec)
                break
            if response.status_code in (302, 405):
                break
        else:
            unopened.append(url)
    return list(found.values()), unopened


def _text(response: Response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(response.charset or "utf-8", "replace")


# Cases --------------------------------------------------------------------------------


@dataclass
class Case:
    form: FormSpec
    field: str
    label: str
    data: dict[str, list[str]]
    body: bytes | None = None
    content_type: str = ""
    foreign: tuple[type[models.Model], int] | None = None

    @property
    def where(self) -> str:
        action = re.sub(r"/\d+", "/N", self.form.action)
        return f"{self.form.method.upper()} {action} {self.field}"


def _label(value: Value) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}…({len(value)} chars)"


# Fields the fast subset leaves alone when it replaces all the others at once: without
# them the form is refused as stale or broken before any field is read.
KEPT_IN_FAST = re.compile(
    r"^(csrfmiddlewaretoken|row_version|.*-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)$"
)
# The foreign rows the fast subset tries (selects offer people, enterprises, assets,
# findings and clients).
FAST_FOREIGN = {"kyc.person", "kyc.enterprise", "kyc.asset", "kms.finding", "clients.client"}


def cases(
    form: FormSpec, world: World, values: Iterable[Value] = HOSTILE_VALUES, *, fast: bool = False
) -> Iterator[Case]:
    """Hostile values, the form as gbk, and numeric fields with the foreign client's ids.

    The full sweep replaces one field at a time with each value; the fast subset
    replaces every field at once (but those in KEPT_IN_FAST) with each value.
    """
    values = list(values)
    baseline = form.baseline()
    if fast:
        for value in values:
            data = {
                **baseline,
                **{
                    name: value if isinstance(value, list) else [value]
                    for name in form.fields
                    if not KEPT_IN_FAST.match(name)
                },
            }
            yield Case(form, "*", _label(value), data)
    else:
        for name in form.fields:
            for value in values:
                data = {**baseline, name: value if isinstance(value, list) else [value]}
                yield Case(form, name, _label(value), data)
    if form.method != "post":
        return
    pairs = [(k, v) for k, vs in {**baseline, "gbk": ["中文"]}.items() for v in vs]
    yield Case(
        form,
        "*",
        "charset=gbk",
        baseline,
        body=urlencode(pairs, encoding="gbk").encode("ascii"),
        content_type="application/x-www-form-urlencoded; charset=gbk",
    )
    foreign = [
        (model, pk)
        for model, pk in world.foreign
        if not fast or model._meta.label_lower in FAST_FOREIGN
    ]
    for model, pk in foreign:
        label = f"foreign {model._meta.label}#{pk}"
        if fast and form.numeric:
            data = {**baseline, **{name: [str(pk)] for name in form.numeric}}
            yield Case(form, "*", label, data, foreign=(model, pk))
        elif not fast:
            for name in sorted(form.numeric):
                data = {**baseline, name: [str(pk)]}
                yield Case(form, name, label, data, foreign=(model, pk))


# Database snapshot --------------------------------------------------------------------

Snapshot = dict[str, dict[Any, str]]


def _snapshot_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SNAPSHOT_APPS
        and model._meta.label_lower not in SNAPSHOT_SKIPPED_MODELS
        and model._meta.managed
    ]


def snapshot() -> Snapshot:
    """A hash of every row of the snapshotted apps, by model and primary key."""
    taken: Snapshot = {}
    for model in _snapshot_models():
        columns = [
            f.attname for f in model._meta.concrete_fields if f.name not in SNAPSHOT_SKIPPED_COLUMNS
        ]
        rows = model._base_manager.order_by().values_list("pk", *columns)
        taken[model._meta.label_lower] = {
            row[0]: hashlib.blake2b(repr(row[1:]).encode(), digest_size=12).hexdigest()
            for row in rows
        }
    return taken


def snapshot_diff(before: Snapshot, after: Snapshot) -> dict[str, list[Any]]:
    """Primary keys added, changed or removed, by model."""
    changed: dict[str, list[Any]] = {}
    for label, rows in after.items():
        old = before.get(label, {})
        keys = [pk for pk, h in rows.items() if old.get(pk) != h]
        keys += [pk for pk in old if pk not in rows]
        if keys:
            changed[label] = keys
    return changed


def _write_counter() -> int:
    """A number that grows with every row written on the connection (cheap to read)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.total_changes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_xact_user_tables"
            )
            return int(cursor.fetchone()[0])
    return -1


# Running ------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    status: int = 0
    error: str = ""  # exception type, for a server error
    trace: str = ""
    saved_on_error: dict[str, list[Any]] = field(default_factory=dict)
    foreign_saved: str = ""
    page_broken: int = 0  # the status of the form's page after an accepted value

    @property
    def server_error(self) -> bool:
        return bool(self.error) or self.status >= 500 or self.page_broken >= 500


class Runner:
    def __init__(self, world: World, browser: Browser, *, raise_errors: bool) -> None:
        self.world, self.browser, self.raise_errors = world, browser, raise_errors
        self.before = snapshot()
        self.requests = 0
        # Forms whose valid post already shows an error marker: for those, only the
        # status tells an error apart.
        self._marked: dict[tuple[str, str, tuple[str, ...]], bool] = {}

    def _send(self, case: Case) -> Response:
        http = self.browser.clients[case.form.role]
        http.raise_request_exception = self.raise_errors
        headers = {"HX-Request": "true"}
        self.requests += 1
        if case.body is not None:
            return http.post(
                case.form.action, case.body, content_type=case.content_type, headers=headers
            )
        if case.form.method == "get":
            return http.get(case.form.action, case.data, headers=headers)
        return http.post(case.form.action, case.data, headers=headers)

    def _is_error(self, case: Case, response: Response) -> bool:
        if response.status_code >= 400:
            return True
        if response.status_code != 200:
            return False
        key = case.form.key
        if key not in self._marked:
            plain = Case(case.form, "", "", case.form.baseline())
            self._marked[key] = self._markers(self._in_rollback(plain)[0])
        return not self._marked[key] and self._markers(response)

    @staticmethod
    def _markers(response: Response) -> bool:
        text = _text(response)
        return any(marker in text for marker in ERROR_MARKERS)

    def _in_rollback(self, case: Case) -> tuple[Response, int]:
        with transaction.atomic():
            counter = _write_counter()
            try:
                response = self._send(case)
                wrote = _write_counter() - counter
            finally:
                transaction.set_rollback(True)
                self.browser.reset(case.form.role)
        return response, wrote

    def run(self, case: Case) -> Outcome:
        outcome = Outcome(case)
        try:
            with transaction.atomic():
                try:
                    self._check(case, outcome)
                finally:
                    transaction.set_rollback(True)
                    self.browser.reset(case.form.role)
        except Exception as exc:
            if self.raise_errors:
                raise
            outcome.error = type(exc).__name__
            outcome.trace = traceback.format_exc()
        return outcome

    def _check(self, case: Case, outcome: Outcome) -> None:
        counter = _write_counter()
        response = self._send(case)
        outcome.status = response.status_code
        if response.status_code >= 500:
            return
        wrote = _write_counter() - counter
        if case.form.method == "get":
            return
        error = self._is_error(case, response)
        if wrote == 0 and error:
            return
        changed = snapshot_diff(self.before, snapshot())
        if error:
            outcome.saved_on_error = changed
            return
        if case.foreign is not None:
            outcome.foreign_saved = self._points_at(changed, case.foreign)
        # An accepted value must leave the form's page working.
        page = self.browser.clients[case.form.role].get(case.form.page)
        self.requests += 1
        if page.status_code >= 500:
            outcome.page_broken = page.status_code

    def _points_at(
        self, changed: dict[str, list[Any]], target: tuple[type[models.Model], int]
    ) -> str:
        model, pk = target
        for label, keys in changed.items():
            changed_model = apps.get_model(label)
            for fk in changed_model._meta.concrete_fields:
                if (
                    fk.is_relation
                    and fk.related_model is model
                    and changed_model._base_manager.filter(pk__in=keys, **{fk.attname: pk}).exists()
                ):
                    return f"{label}.{fk.name}"
        return ""
