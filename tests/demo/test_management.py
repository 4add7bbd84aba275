"""seed_demo and generate_clients, on the real database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pytest_django import Settings

from advisor_crm.accounts.models import Role, User
from clients.models import Client
from clients.validators import validate_id_number

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, object]:
    return {
        "users": sorted(User.objects.values_list("username", "role", "team__name")),
        "clients": sorted(
            Client.objects.values_list(
                "owner__username",
                "name",
                "phone",
                "id_number_index",
                "referred_by__phone",
                "cvm_stage",
            )
        ),
        "tags": sorted(Client.tags.through.objects.values_list("client__phone", "tag__name")),
    }


def test_it_seeds_the_same_data_twice(settings: Settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    first = _snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert _snapshot() == first
    assert Client.objects.count() == 213


def test_it_seeds_the_cast_and_worked_cases(settings: Settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    advisor = User.objects.get(username="advisor")
    lead = User.objects.get(username="lead")
    assert advisor.check_password("demo-pass-2026")
    assert advisor.team is not None and advisor.team.lead == lead
    assert User.objects.get(username="advisor2").team == advisor.team
    other_team = User.objects.get(username="advisor3").team
    assert other_team is not None and other_team != advisor.team
    assert User.objects.get(username="admin").role == Role.ADMIN

    mine = Client.objects.visible_to(advisor)
    zhao = mine.get(name="赵立新")
    assert zhao.annual_income == 1_500_000
    validate_id_number(zhao.get_id_number())
    assert mine.filter(name="钱雅琴").exists()
    assert mine.count() > 50
    assert not mine.filter(owner__username="advisor2").exists()
    # Referrals link generated clients to hub clients of the same advisor.
    hub_referrals = Client.objects.filter(referred_by__isnull=False)
    assert hub_referrals.exists()
    assert all(
        c.referred_by is not None and c.referred_by.owner_id == c.owner_id
        for c in hub_referrals.select_related("referred_by")
    )


def test_it_refuses_demo_logins_when_debug_is_off(settings: Settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert User.objects.filter(username="advisor").exists()


def test_it_generates_valid_clients_in_bulk(settings: Settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    before = Client.objects.count()
    out = StringIO()
    call_command("generate_clients", count=1500, batch_size=1000, stdout=out)
    assert Client.objects.count() == before + 1500
    assert "1,500" in out.getvalue()
    generated = Client.objects.exclude(pk__in=Client.objects.order_by("pk")[:before].values("pk"))
    advisors = set(User.objects.filter(role=Role.ADVISOR).values_list("pk", flat=True))
    assert set(generated.values_list("owner_id", flat=True)) == advisors
    with_id = [c for c in generated[:200] if c.has_id_number]
    assert with_id
    for client in with_id:
        number = client.get_id_number()
        validate_id_number(number)
        assert number not in client.id_number_encrypted
    # Ids came from the sequence, so ordinary inserts afterwards do not collide.
    Client.objects.create(owner_id=min(advisors), name="新客户")
    if connection.vendor == "postgresql":
        assert Client.tags.through.objects.filter(client__in=generated).exists()


def test_it_needs_advisors_to_generate_for() -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("generate_clients", count=10, stdout=StringIO())
