"""Create the demo users, teams, the two worked cases and ~200 generated clients.

Idempotent: running it again changes nothing that exists and only adds what is
missing, so the demo data is the same after one run or five.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from advisor_crm.accounts.models import Role, Team, User
from clients import events
from clients.models import Client, Tag
from clients.validators import id_number_check_char
from demo import kms as kms_demo
from demo.clients import generate_clients
from demo.kyc import fill_big_family, fill_qian, fill_zhao
from kyc.services import completeness_store
from scoring.defaults import default_version
from scoring.models import RuleSetVersion
from scoring.services import version_publish

DEMO_PASSWORD = "demo-pass-2026"
# A fixed "now" keeps generated dates identical across runs and machines.
DEMO_NOW = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)

DEMO_USERS: tuple[dict[str, Any], ...] = (
    {"username": "admin", "role": Role.ADMIN, "display_name": "系统管理员", "team": None},
    {"username": "lead", "role": Role.TEAM_LEAD, "display_name": "陈主管", "team": "杭州精英一组"},
    {
        "username": "advisor",
        "role": Role.ADVISOR,
        "display_name": "林顾问",
        "team": "杭州精英一组",
        # Printed on the cover of the plan PDFs.
        "phone": "13900571234",
        "email": "lin.advisor@example.com",
    },
    {
        "username": "advisor2",
        "role": Role.ADVISOR,
        "display_name": "王顾问",
        "team": "杭州精英一组",
    },
    {"username": "lead2", "role": Role.TEAM_LEAD, "display_name": "黄主管", "team": "上海财富二组"},
    {
        "username": "advisor3",
        "role": Role.ADVISOR,
        "display_name": "周顾问",
        "team": "上海财富二组",
    },
)
TEAM_LEADS = {"杭州精英一组": "lead", "上海财富二组": "lead2"}
# How many generated clients each user owns (200 in all).
# `advisor` has more than 100 clients so that their P100 is a real selection.
GENERATED_PER_OWNER = {"advisor": 120, "advisor2": 50, "advisor3": 30, "lead": 10}


def _id_number(region: str, birth: dt.date, sequence: str) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + id_number_check_char(first17)


WORKED_CASES: tuple[dict[str, Any], ...] = (
    {
        "name": "赵立新",
        "client_type": "family",
        "gender": "male",
        "birth_date": dt.date(1984, 5, 18),
        "id_number": _id_number("330106", dt.date(1984, 5, 18), "031"),
        "phone": "13857112468",
        "city": "杭州",
        "education": "master",
        "industry": "internet",
        "occupation": "软件公司创始人（原 IT 工程师）",
        "occupation_class": 1,
        "annual_income": Decimal("1500000.00"),
        "wealth_stratum": "hnw",
        "credit_status": "good",
        "cvm_stage": "acquire",
        "source": "referral",
        "tags": ["企业主", "高净值", "转介绍"],
        "notes": (
            "赵先生，42 岁，原 IT 工程师，现经营自己的软件公司，年收入 100–200 万元。\n"
            "妻子全职太太，女儿 2 岁；父母在老家需要赡养。\n"
            "公司有 500 万元银行贷款，本人承担连带责任担保；金融资产 400 万元，主要是货币基金和债券基金。\n"
            "担心：企业经营失败牵连家庭资产；本人是家庭唯一收入来源。\n"
            "现有方案：储蓄和房产（流动性差、可被债权人追及、无法锁定长期收入）。"
        ),
    },
    {
        "name": "钱雅琴",
        "client_type": "individual",
        "gender": "female",
        "birth_date": dt.date(1988, 9, 6),
        "id_number": _id_number("310104", dt.date(1988, 9, 6), "046"),
        "phone": "13901765432",
        "city": "上海",
        "education": "bachelor",
        "industry": "other",
        "occupation": "全职太太（丈夫为企业主）",
        "occupation_class": 1,
        "annual_income": Decimal("0.00"),
        "wealth_stratum": "hnw",
        "credit_status": "good",
        "cvm_stage": "acquire",
        "source": "referral",
        "tags": ["高净值", "关注传承"],
        "notes": (
            "富太太：本人无收入，不完全了解也不掌控家庭财富，担心婚变或丈夫的企业债务。\n"
            "思路：父母作投保人、本人作被保险人、子女作受益人；高现金价值终身寿或分红年金；"
            "设置第二投保人，避免父母身故后现金价值作为遗产被分割；之后可衔接保险金信托。"
        ),
    },
    {
        "name": "周明德",
        "client_type": "family",
        "gender": "male",
        "birth_date": dt.date(1968, 7, 26),
        "id_number": _id_number("330203", dt.date(1968, 7, 26), "057"),
        "phone": "13805741234",
        "city": "宁波",
        "education": "bachelor",
        "industry": "manufacturing",
        "occupation": "制造企业董事长",
        "occupation_class": 2,
        "annual_income": Decimal("3000000.00"),
        "wealth_stratum": "uhnw",
        "credit_status": "good",
        "cvm_stage": "develop",
        "source": "own_network",
        "tags": ["企业主", "高净值", "关注传承", "海外资产"],
        "notes": "三代同堂的大家庭：再婚，前妻之子在海外，孙辈两人；演示 12 人、20 项资产的家系图与资产结构。",
    },
)


# The worked cases plus a three-generation family of 12 with 20 assets, all owned
# by `advisor`; each builder fills an empty map only.
KYC_BUILDERS = {"赵立新": fill_zhao, "钱雅琴": fill_qian, "周明德": fill_big_family}


class Command(BaseCommand):
    help = "Create demo users, teams, the two worked cases and generated clients (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the demo logins even when DEBUG is off (never on a real system).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to create demo logins with a known password while DEBUG is off; "
                "pass --force if this really is a demo system."
            )
        # The clients this run creates or links: scored with the rest when this run
        # publishes the rule set, or announced to scoring when one was published before.
        self._touched: set[int] = set()
        with transaction.atomic():
            users = self._users()
            # The worked cases come last so that they top the "recently updated" list.
            created = self._generated(users)
            created += self._worked_cases(users["advisor"])
            self._kyc(users["advisor"])
            self._scoring(users["admin"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(users)} users, {Client.objects.count()} clients "
                f"({created} created now)."
            )
        )

    def _users(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for spec in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=spec["username"],
                defaults={"role": spec["role"], "display_name": spec["display_name"]},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                if spec["role"] == Role.ADMIN:
                    user.is_staff = user.is_superuser = True
                user.save()
            users[user.username] = user
        for team_name, lead_name in TEAM_LEADS.items():
            Team.objects.get_or_create(name=team_name, defaults={"lead": users[lead_name]})
        teams = {team.name: team for team in Team.objects.filter(name__in=TEAM_LEADS)}
        for spec in DEMO_USERS:
            user = users[spec["username"]]
            team = teams.get(spec["team"]) if spec["team"] else None
            if user.team_id != (team.pk if team else None):
                user.team = team
                user.save(update_fields=["team"])
            contact = {k: spec[k] for k in ("phone", "email") if k in spec}
            if contact and any(getattr(user, k) != v for k, v in contact.items()):
                for key, value in contact.items():
                    setattr(user, key, value)
                user.save(update_fields=list(contact))
        return users

    def _tags(self, names: set[str]) -> dict[str, Tag]:
        Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
        return {tag.name: tag for tag in Tag.objects.filter(name__in=names)}

    def _worked_cases(self, owner: User) -> int:
        created = 0
        tags = self._tags({t for case in WORKED_CASES for t in case["tags"]})
        for case in WORKED_CASES:
            fields = {k: v for k, v in case.items() if k not in {"id_number", "tags", "name"}}
            if Client.objects.filter(owner=owner, name=case["name"]).exists():
                continue
            client = Client(owner=owner, name=case["name"], created_at=DEMO_NOW, **fields)
            client.set_id_number(case["id_number"])
            # The demo meets the client's rules like any other way in (Client.clean).
            client.full_clean(exclude=["tags"])
            client.save()
            self._touched.add(client.pk)
            client.tags.set([tags[name] for name in case["tags"]])
            created += 1
        return created

    def _kyc(self, advisor: User) -> None:
        """Fill the KYC of the worked cases and of the large demo family."""
        clients = {c.name: c for c in Client.objects.filter(owner=advisor, name__in=KYC_BUILDERS)}
        for name, build in KYC_BUILDERS.items():
            build(clients[name], advisor)
        # A completed KMS case for each worked case, built on the KYC above.
        kms_demo.zhao_case(clients["赵立新"], advisor)
        kms_demo.qian_case(clients["钱雅琴"], advisor)
        kms_demo.big_family_case(clients["周明德"], advisor)
        for client in clients.values():
            completeness_store(client=client)

    def _scoring(self, admin: User) -> None:
        """Publish the default rule set once; publishing scores every client."""
        if RuleSetVersion.objects.exists():
            events.facts_changed(client_ids=self._touched)
            return
        version_publish(version=default_version(admin), user=admin)

    def _generated(self, users: dict[str, User]) -> int:
        """Create the generated clients that do not exist yet (matched by owner and phone).

        1. Generate the same clients as every run (fixed seed and date).
        2. Skip those already present; bulk-create the rest with their tags.
        3. Link referral clients to a few hub clients of the same advisor.
        """
        rows = list(generate_clients(sum(GENERATED_PER_OWNER.values()), seed=2026, now=DEMO_NOW))
        tags = self._tags({t for row in rows for t in row.tags})
        existing = set(
            Client.objects.filter(owner__username__in=GENERATED_PER_OWNER).values_list(
                "owner__username", "phone"
            )
        )
        new_clients: list[tuple[Client, list[str]]] = []
        offset = 0
        for username, count in GENERATED_PER_OWNER.items():
            for row in rows[offset : offset + count]:
                if (username, row.phone) in existing:
                    continue
                client = Client(
                    owner=users[username],
                    **{k: v for k, v in vars(row).items() if k not in {"id_number", "tags"}},
                )
                client.set_id_number(row.id_number)
                new_clients.append((client, row.tags))
            offset += count
        Client.objects.bulk_create([client for client, _tags in new_clients])
        self._touched.update(client.pk for client, _tags in new_clients)
        through = Client.tags.through
        through.objects.bulk_create(
            [
                through(client_id=client.pk, tag_id=tags[name].pk)
                for client, names in new_clients
                for name in names
            ]
        )
        if new_clients:
            self._link_referrals(users)
        return len(new_clients)

    def _link_referrals(self, users: dict[str, User]) -> None:
        rng = random.Random(7)
        for username in GENERATED_PER_OWNER:
            book = list(
                Client.objects.filter(owner=users[username])
                .exclude(client_type="enterprise")
                .order_by("phone")
            )
            hubs = book[:4]
            referred = [c for c in book[4:] if c.source == "referral" and c.referred_by_id is None]
            for client in referred:
                # Hub clients refer most: the first hub gets the largest share.
                client.referred_by = rng.choices(hubs, [5, 3, 2, 1][: len(hubs)])[0]
            Client.objects.bulk_update(referred, ["referred_by"])
            self._touched.update(
                client.referred_by_id for client in referred if client.referred_by_id
            )
