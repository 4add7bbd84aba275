"""An edit writes only the columns it changes, so a concurrent change to another
column survives (advisor_crm/saving.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor_crm.accounts import services as account_services
from clients import services as client_services
from clients.models import Client
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_it_keeps_a_column_another_writer_changed_since_the_row_was_read(cast: Cast) -> None:
    stale = Client.objects.get(pk=cast.advisor_client.pk)
    Client.objects.filter(pk=stale.pk).update(notes="另一台设备刚写的备注")

    client_services.client_update(client=stale, data={"annual_income": Decimal(2_500_000)})

    fresh = Client.objects.get(pk=stale.pk)
    assert fresh.notes == "另一台设备刚写的备注"
    assert fresh.annual_income == Decimal(2_500_000)
    assert fresh.updated_at > cast.advisor_client.updated_at


def test_it_saves_a_user_edit_without_touching_the_password(cast: Cast) -> None:
    stale = type(cast.advisor).objects.get(pk=cast.advisor.pk)
    type(cast.advisor).objects.filter(pk=stale.pk).update(password="changed-elsewhere")

    account_services.user_save(user=stale, data={"display_name": "王顾问"})

    fresh = type(cast.advisor).objects.get(pk=stale.pk)
    assert (fresh.display_name, fresh.password) == ("王顾问", "changed-elsewhere")
