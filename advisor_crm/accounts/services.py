from __future__ import annotations

from typing import Any

from django.db import transaction

from advisor_crm.accounts.models import Team, User


@transaction.atomic
def user_save(*, user: User, data: dict[str, Any], password: str = "") -> User:
    """Create or update a user from validated form data."""
    for field in ("username", "display_name", "email", "phone", "role", "team", "is_active"):
        if field in data:
            setattr(user, field, data[field])
    if password:
        user.set_password(password)
    user.full_clean(exclude=["password"] if not password and user.pk else None)
    user.save()
    return user


@transaction.atomic
def team_save(*, team: Team, name: str, lead: User) -> Team:
    team.name = name
    team.lead = lead
    team.full_clean()
    team.save()
    if lead.team_id != team.pk:
        lead.team = team
        lead.save(update_fields=["team"])
    return team
