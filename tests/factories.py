"""Factories for test data: plain functions with sensible defaults, overridable."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from advisor_crm.accounts.models import Role, Team, User
from clients.models import Client
from clients.validators import id_number_check_char

_sequence = itertools.count(1)
PASSWORD = "test-pass-2026"


def make_user(
    *, username: str | None = None, role: str = Role.ADVISOR, team: Team | None = None, **extra: Any
) -> User:
    n = next(_sequence)
    user = User.objects.create_user(
        username=username or f"user{n}",
        password=PASSWORD,
        role=role,
        team=team,
        display_name=extra.pop("display_name", f"用户{n}"),
        **extra,
    )
    return user


def make_team(*, lead: User, name: str | None = None) -> Team:
    team = Team.objects.create(name=name or f"团队{next(_sequence)}", lead=lead)
    lead.team = team
    lead.save(update_fields=["team"])
    return team


def valid_id_number(
    *, region: str = "330106", birth: str = "19840315", sequence: str = "123"
) -> str:
    first17 = f"{region}{birth}{sequence}"
    return first17 + id_number_check_char(first17)


def make_client(*, owner: User, id_number: str = "", **fields: Any) -> Client:
    n = next(_sequence)
    defaults: dict[str, Any] = {
        "name": f"客户{n}",
        "phone": f"139{n:08d}",
        "client_type": "individual",
        "annual_income": Decimal("300000.00"),
        "industry": "internet",
        "cvm_stage": "retain",
        "city": "杭州",
    }
    defaults.update(fields)
    client = Client(owner=owner, **defaults)
    client.set_id_number(id_number)
    client.save()
    return client
