"""The client page shows what the apps above clients register (clients.panels)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest

from clients import panels
from clients.models import Client
from tests.conftest import Cast, logged_in


@pytest.fixture
def extra_panel(tmp_path: Any, settings: Any) -> Iterator[None]:
    template_dir = tmp_path / "templates"
    (template_dir / "extra").mkdir(parents=True)
    (template_dir / "extra" / "panel.html").write_text(
        '<section id="extra-panel">{{ client.name }} · {{ note }}</section>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(template_dir)]}
    ]

    def context(request: HttpRequest, client: Client) -> dict[str, Any] | None:
        return None if client.name == "不显示" else {"note": "来自上层应用"}

    panels.panel_register(
        panels.Panel(key="extra", order=15, template="extra/panel.html", context=context)
    )
    panels.action_register(
        panels.Action(key="extra", label="额外", url_name="clients:detail", order=50)
    )
    yield
    panels._panels.pop("extra")
    panels._actions.pop("extra")


@pytest.mark.django_db
def test_it_shows_the_registered_panels_in_their_order(cast: Cast) -> None:
    html = logged_in(cast.advisor).get(f"/clients/{cast.advisor_client.pk}/").content.decode()
    positions = [html.index(f'id="{anchor}"') for anchor in ("profile", "score", "kms-cases")]
    assert positions == sorted(positions)
    assert f'href="/clients/{cast.advisor_client.pk}/kyc/"' in html


@pytest.mark.django_db
def test_it_shows_a_panel_and_an_action_an_app_registers(cast: Cast, extra_panel: None) -> None:
    client = cast.advisor_client
    html = logged_in(cast.advisor).get(f"/clients/{client.pk}/").content.decode()
    assert f'<section id="extra-panel">{client.name} · 来自上层应用</section>' in html
    # Between the score (order 10) and the KMS cases (order 20).
    assert html.index('id="score"') < html.index('id="extra-panel"') < html.index('id="kms-cases"')
    assert ">额外</a>" in html


@pytest.mark.django_db
def test_it_leaves_out_a_panel_whose_context_is_none(cast: Cast, extra_panel: None) -> None:
    cast.advisor_client.name = "不显示"
    cast.advisor_client.save(update_fields=["name"])
    html = logged_in(cast.advisor).get(f"/clients/{cast.advisor_client.pk}/").content.decode()
    assert 'id="extra-panel"' not in html
