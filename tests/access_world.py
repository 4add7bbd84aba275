"""The world the access matrix (tests/test_access_matrix.py) runs in.

One client, Mr Zhao of DOMAIN.md's first worked case, owned by `owner`, with something
in every part of the product: a KYC map with an item in each section, a consent, a
closed KMS case with a ready plan PDF and an open new version of it (findings, a
solution, a proposal item), a P100 review note, and scoring rule versions with a job.
Around him the seven roles of the matrix and the rows the Django admin site lists.

It is built once per test module, inside a transaction that is rolled back at the end;
each test runs in a savepoint of its own (pytest-django's `db`), so what a request
changes never reaches the next test.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client as HttpClient
from django.utils import timezone

from advisor_crm.accounts.models import Role, Team, User
from clients.models import Client
from kms import services as kms_services
from kms.models import (
    Finding,
    FindingStatus,
    KmsCase,
    Parameter,
    PlanDocument,
    PlanStatus,
    ProposalItem,
)
from kms.parameters import SPECS
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
from scoring.models import P100Note, P100Review, RescoreJob, RuleSetVersion
from tests.factories import (
    make_allocation,
    make_asset,
    make_client,
    make_enterprise,
    make_income,
    make_liability,
    make_link,
    make_person,
    make_policy,
    make_team,
    make_user,
    make_version,
)

# The seven roles, as the issue names them, and who plays each.
ROLES = ("anonymous", "owner", "teammate", "other_team", "own_lead", "other_lead", "admin")

# The owner's client: the values that must never appear in a refused answer.
CLIENT_NAME = "赵立新"
CLIENT_PHONE = "13857112468"

KYC_MODELS = {
    "people": Person,
    "links": PersonLink,
    "enterprises": Enterprise,
    "assets": Asset,
    "liabilities": Liability,
    "income": IncomeSource,
    "allocations": Allocation,
    "policies": ExistingPolicy,
}


def stand_in_pdf(document_id: int) -> bytes:
    return f"%PDF-1.7\n% stand-in for plan {document_id}\n%%EOF\n".encode()


@dataclass
class World:
    users: dict[str, User]
    sessions: dict[str, str]
    client: Client
    id_number: str
    other_client: Client
    team: Team
    kyc_items: dict[str, Any]
    consent: SensitiveConsent
    closed_case: KmsCase
    case: KmsCase
    finding: Finding
    item: ProposalItem
    plan: PlanDocument
    published: RuleSetVersion
    draft: RuleSetVersion
    job: RescoreJob
    note: P100Note
    # The teammate's own client and case, whose URLs must not reach the owner's items.
    teammate_client: Client | None = None
    teammate_case: KmsCase | None = None
    # Rows of the Django admin site, by "app_label.model_name": one of each registered model.
    admin_rows: dict[str, Any] = field(default_factory=dict)

    def http(self, role: str) -> HttpClient:
        """A test client logged in as the role (anonymous: not logged in).

        The sessions were made once with the world; a request that changes its session
        does so inside the test's savepoint.
        """
        from django.conf import settings

        http = HttpClient()
        if role != "anonymous":
            http.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return http


def _users() -> tuple[dict[str, User], Team]:
    admin = make_user(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    own_lead = make_user(username="lead", role=Role.TEAM_LEAD)
    team_a = make_team(lead=own_lead, name="杭州一组")
    owner = make_user(username="advisor", team=team_a)
    teammate = make_user(username="teammate", team=team_a)
    other_lead = make_user(username="other_lead", role=Role.TEAM_LEAD)
    team_b = make_team(lead=other_lead, name="上海二组")
    other_team = make_user(username="outsider", team=team_b)
    users = {
        "owner": owner,
        "teammate": teammate,
        "other_team": other_team,
        "own_lead": own_lead,
        "other_lead": other_lead,
        "admin": admin,
    }
    return users, team_a


def _sessions(users: dict[str, User]) -> dict[str, str]:
    from django.conf import settings

    sessions = {}
    for role, user in users.items():
        http = HttpClient()
        http.force_login(user)
        sessions[role] = http.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def _kyc(client: Client) -> dict[str, Any]:
    """One item of each KYC section, besides what the demo's map of Mr Zhao holds."""
    spouse = make_person(client=client, relationship="ex_spouse", name="前妻周敏")
    child = make_person(client=client, relationship="child", name="长女一诺")
    enterprise = make_enterprise(client=client, name="矩阵测试有限公司")
    return {
        "people": spouse,
        "links": make_link(from_person=spouse, to_person=child),
        "enterprises": enterprise,
        "assets": make_asset(client=client),
        "liabilities": make_liability(client=client, borrower_enterprise=enterprise),
        "income": make_income(client=client),
        "allocations": make_allocation(client=client, person=child),
        "policies": make_policy(client=client),
    }


def _plan(case: KmsCase, user: User) -> PlanDocument:
    """A ready plan of the closed case, its file in the private store (a stand-in PDF)."""
    from kms.models import plan_storage

    document = PlanDocument.objects.create(
        case=case, client=case.client, number=1, requested_by=user, status=PlanStatus.QUEUED
    )
    data = stand_in_pdf(document.pk)
    name = plan_storage().save(f"{case.client_id}/plan-{document.pk}.pdf", ContentFile(data))
    document.file.name = name
    document.status = PlanStatus.READY
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.byte_size = len(data)
    document.page_count = 1
    document.finished_at = timezone.now()
    document.save()
    return document


def _admin_rows(world: World) -> dict[str, Any]:
    from auditlog.models import LogEntry as AuditEntry
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    attempt = {
        "user_agent": "matrix",
        "ip_address": "127.0.0.1",
        "username": "nobody",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    LogEntry.objects.log_actions(
        user_id=world.users["admin"].pk,
        queryset=[world.client],
        action_flag=ADDITION,
    )
    parameter = Parameter.objects.create(
        key=SPECS[0].key, value=SPECS[0].default, updated_by=world.users["admin"]
    )
    return {
        "auth.group": Group.objects.create(name="matrix"),
        "axes.accessattempt": AccessAttempt.objects.create(
            **attempt, get_data="", post_data="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**attempt),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**attempt),
        "auditlog.logentry": AuditEntry.objects.order_by("pk").first(),
        "accounts.user": world.users["owner"],
        "accounts.team": world.team,
        "kms.parameter": parameter,
        "kms.kmscase": world.case,
        "kms.finding": world.finding,
        "kms.proposalitem": world.item,
        "scoring.rulesetversion": world.draft,
        "scoring.rescorejob": world.job,
    }


def build_world() -> World:
    """Build everything; call inside a transaction that the caller rolls back."""
    from demo import kms as demo_kms
    from demo.kyc import fill_zhao
    from demo.management.commands.seed_demo import WORKED_CASES

    users, team = _users()
    owner = users["owner"]
    spec = {k: v for k, v in WORKED_CASES[0].items() if k not in ("tags", "id_number")}
    assert spec["name"] == CLIENT_NAME and spec["phone"] == CLIENT_PHONE
    id_number = WORKED_CASES[0]["id_number"]
    client = make_client(owner=owner, id_number=id_number, **spec)
    fill_zhao(client, owner)
    demo_kms.zhao_case(client, owner)
    closed_case = KmsCase.objects.get(client=client)
    kyc_items = _kyc(client)
    case = kms_services.case_new_version(case=closed_case, user=owner)
    finding = case.findings.filter(status=FindingStatus.CONFIRMED).first()
    item = case.items.first()
    assert finding is not None and item is not None
    plan = _plan(closed_case, owner)

    published = make_version(created_by=users["admin"])
    RuleSetVersion.objects.filter(pk=published.pk).update(
        status="published", published_at=timezone.now()
    )
    published.refresh_from_db()
    draft = make_version(created_by=users["admin"], rule_set=published.rule_set)
    job = RescoreJob.objects.create(
        version=published, requested_by=users["admin"], status="done", total=3, done=3
    )
    review = P100Review.objects.create(
        advisor=owner, reviewer=users["own_lead"], comment="矩阵", snapshot=[client.pk]
    )
    note = P100Note.objects.create(review=review, client=client, flagged=True, comment="跟进")

    world = World(
        users=users,
        sessions=_sessions(users),
        client=client,
        id_number=id_number,
        other_client=make_client(owner=users["other_team"], name="周杰"),
        team=team,
        kyc_items=kyc_items,
        consent=SensitiveConsent.objects.filter(client=client).first()
        or SensitiveConsent.objects.create(
            client=client, recorded_by=owner, scope="both", given_on=timezone.localdate()
        ),
        closed_case=closed_case,
        case=case,
        finding=finding,
        item=item,
        plan=plan,
        published=published,
        draft=draft,
        job=job,
        note=note,
    )
    world.teammate_client = make_client(owner=users["teammate"], name="孙丽")
    world.teammate_case = kms_services.case_start(
        client=world.teammate_client, user=users["teammate"]
    )
    world.admin_rows = _admin_rows(world)
    return world
