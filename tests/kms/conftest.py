"""Fixtures for the plan PDF tests: Mr Zhao's completed case and a private plan store."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from pytest_django import Settings

from clients.demo_kyc import fill_zhao
from clients.management.commands.seed_demo import WORKED_CASES
from kms import demo
from kms.models import KmsCase
from tests.conftest import Cast
from tests.factories import make_client


@pytest.fixture
def plan_root(tmp_path: Path, settings: Settings) -> Path:
    """A private plan store of the test's own, so files can be counted and inspected."""
    root = tmp_path / "plans"
    storages = copy.deepcopy(settings.STORAGES)
    storages["plans"]["OPTIONS"]["location"] = root
    settings.STORAGES = storages
    return root


@pytest.fixture
def zhao_case(cast: Cast) -> KmsCase:
    """Mr Zhao (DOMAIN.md, worked case 1) as seed_demo builds him, owned by `advisor`."""
    spec = {k: v for k, v in WORKED_CASES[0].items() if k not in ("tags", "id_number")}
    client = make_client(owner=cast.advisor, **spec)
    fill_zhao(client, cast.advisor)
    demo.zhao_case(client, cast.advisor)
    return KmsCase.objects.select_related("client").get(client=client)
