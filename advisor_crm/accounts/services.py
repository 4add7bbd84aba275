from __future__ import annotations

from typing import Any

from django.db import transaction

from advisor_crm.accounts.models import Team, User
from advisor_crm.saving import row_save


@transaction.atomic
def user_save(*, user: User, data: dict[str, Any], password: str = "") -> User:
    """Create or update a user from validated form data."""
    changed = [
        field
        for field in ("username", "display_name", "email", "phone", "role", "team", "is_active")
        if field in data
    ]
    for field in changed:
        setattr(user, field, data[field])
    if password:
        user.set_password(password)
        changed.append("password")
    user.full_clean(exclude=["password"] if not password and user.pk else None)
    return row_save(instance=user, fields=changed)


@transaction.atomic
def team_save(*, team: Team, name: str, lead: User) -> Team:
    team.name = name
    team.lead = lead
    team.full_clean()
    row_save(instance=team, fields=["name", "lead"])
    if lead.team_id != team.pk:
        lead.team = team
        lead.save(update_fields=["team"])
    return team
