"""Who oversees whom: the one rule that scoping, assignment and the P100 pages share."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from pytest_django import DjangoAssertNumQueries

from advisor_crm.accounts.models import Role, Team, User
from advisor_crm.accounts.selectors import overseen_by_condition, users_overseen_by
from clients.models import Client
from clients.selectors import advisors_assignable_by
from scoring.selectors import team_advisors
from tests.conftest import Cast
from tests.factories import make_client, make_team, make_user

ROLES = ("admin", "lead", "advisor", "teammate", "other_lead", "outsider")


def _overseen(user: User) -> set[str]:
    return {u.username for u in users_overseen_by(user=user)}


def test_it_lets_an_admin_oversee_everyone(cast: Cast) -> None:
    make_user(username="left", is_active=False)

    assert _overseen(cast.admin) == {*ROLES, "left"}


def test_it_treats_a_superuser_as_an_admin_whatever_their_role(cast: Cast) -> None:
    root = make_user(username="root", role=Role.ADVISOR, is_superuser=True)

    assert _overseen(root) == {*ROLES, "root"}


def test_it_lets_a_lead_oversee_themselves_and_their_team(cast: Cast) -> None:
    assert _overseen(cast.lead) == {"lead", "advisor", "teammate"}
    assert _overseen(cast.other_lead) == {"other_lead", "outsider"}


def test_it_lets_a_lead_of_two_teams_oversee_both(cast: Cast) -> None:
    second = make_team(lead=cast.lead, name="杭州二组")
    make_user(username="newcomer", team=second)

    assert _overseen(cast.lead) == {"lead", "advisor", "teammate", "newcomer"}


def test_it_follows_an_advisor_moved_to_another_team(cast: Cast) -> None:
    cast.advisor.team = Team.objects.get(lead=cast.other_lead)
    cast.advisor.save(update_fields=["team"])

    assert _overseen(cast.lead) == {"lead", "teammate"}
    assert _overseen(cast.other_lead) == {"other_lead", "outsider", "advisor"}


def test_it_keeps_an_inactive_member_under_their_lead(cast: Cast) -> None:
    """A departed advisor's clients stay in the lead's view until they are handed on."""
    cast.teammate.is_active = False
    cast.teammate.save(update_fields=["is_active"])

    assert _overseen(cast.lead) == {"lead", "advisor", "teammate"}


def test_it_lets_an_advisor_oversee_only_themselves(cast: Cast) -> None:
    assert _overseen(cast.advisor) == {"advisor"}
    assert _overseen(cast.outsider) == {"outsider"}


def test_it_goes_by_the_role_not_by_the_team_a_former_lead_still_heads(cast: Cast) -> None:
    cast.lead.role = Role.ADVISOR
    cast.lead.save(update_fields=["role"])

    assert _overseen(cast.lead) == {"lead"}


def test_it_lets_an_inactive_user_oversee_nobody(cast: Cast) -> None:
    for user in (cast.admin, cast.lead, cast.advisor):
        user.is_active = False
        user.save(update_fields=["is_active"])

        assert _overseen(user) == set()


def test_it_lets_an_anonymous_visitor_oversee_nobody(
    cast: Cast, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # Typed loosely: an AnonymousUser stands where a User is expected, as request.user does.
    anonymous: Any = AnonymousUser()
    with django_assert_num_queries(0):
        visible = Client.objects.filter(overseen_by_condition(user=anonymous, field="owner"))
        assert list(visible) == []


@pytest.mark.parametrize(("role", "queries"), [("admin", 1), ("advisor", 1), ("lead", 2)])
def test_it_scopes_by_owner_without_a_query_unless_a_team_is_read(
    cast: Cast, django_assert_num_queries: DjangoAssertNumQueries, role: str, queries: int
) -> None:
    user: User = getattr(cast, role)
    with django_assert_num_queries(queries):
        owners = {
            c.owner_id
            for c in Client.objects.filter(overseen_by_condition(user=user, field="owner"))
        }

    assert owners == set(users_overseen_by(user=user).values_list("pk", flat=True)) & {
        cast.advisor.pk,
        cast.teammate.pk,
        cast.outsider.pk,
    }


@pytest.mark.parametrize("role", ROLES)
def test_it_is_narrowed_but_never_widened_by_the_places_that_ask(cast: Cast, role: str) -> None:
    """Client scoping follows the rule; assignment and the P100 team page stay within it."""
    user: User = getattr(cast, role)
    make_client(owner=cast.lead)
    overseen = set(users_overseen_by(user=user))

    assert {c.owner for c in Client.objects.visible_to(user)} == {
        c.owner for c in Client.objects.all() if c.owner in overseen
    }
    assert set(advisors_assignable_by(user=user)) <= overseen
    assert set(team_advisors(lead=user)) <= overseen
