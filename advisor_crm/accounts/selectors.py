"""Reads of accounts: the one rule of who oversees whom.

Client scoping, client assignment, the P100 team page and P100 reviews all ask the
same question, so they all ask it here; each may narrow the answer for its own
purpose (only active users, only advisors) but none widens it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from advisor_crm.accounts.models import User


def overseen_by_condition(*, user: User, field: str = "pk") -> Q:
    """A condition on `field`, a user or the id of one, that holds for the users `user` oversees.

    1. An anonymous visitor or an inactive user oversees nobody.
    2. An administrator, or a Django superuser, oversees every user: no condition at all,
       so a list scoped by owner keeps the plan of the unscoped list.
    3. A team lead oversees themselves and the members of every team they lead, active
       or not and whatever their role: a departed advisor's clients stay in the lead's
       view until they are handed to someone else. The users are read first as a
       literal list of ids (one small query): with literals the planner estimates the
       share of a large table's rows correctly and walks its sort index, where a join
       or subquery on the team made it scan the table.
    4. Anyone else oversees only themselves. The role decides, not the team rows: a
       lead made an advisor again no longer oversees a team they still head.
    """
    if not user.is_authenticated or not user.is_active:
        # An empty list of ids: Django answers an empty result without a query.
        return Q(**{f"{field}__in": []})
    if user.is_crm_admin:
        return Q()
    if user.is_team_lead:
        team = User.objects.filter(Q(pk=user.pk) | Q(team__lead=user))
        return Q(**{f"{field}__in": list(team.values_list("pk", flat=True))})
    return Q(**{field: user.pk})


def users_overseen_by(*, user: User) -> QuerySet[User]:
    """The users whose clients and work `user` oversees, themselves included."""
    return User.objects.filter(overseen_by_condition(user=user))
