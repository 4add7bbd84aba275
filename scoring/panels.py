"""The client-value card on the client page (see clients.panels)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from clients.models import Client
from clients.panels import Panel, panel_register
from scoring.explain import explain_stored
from scoring.selectors import client_note, note_cells, score_history, score_of


def _context(request: HttpRequest, client: Client) -> dict[str, Any]:
    value = score_of(client=client)
    return {
        "value": value,
        "explanation": (
            explain_stored(value.version, value.score, value.tier, value.matched_rules)
            if value and value.version
            else None
        ),
        "score_history": list(score_history(client=client)),
    }


def _note_context(request: HttpRequest, client: Client) -> dict[str, Any] | None:
    """The lead's note from the last P100 review, answerable by the client's advisor."""
    note = client_note(client=client)
    if note is None:
        return None
    # client_note reads the owner's own review, so the owner is the advisor reviewed.
    return {"r": note_cells(note), "can_reply": request.user.pk == client.owner_id}


def register() -> None:
    panel_register(
        Panel(key="score", order=10, template="scoring/client_panel.html", context=_context)
    )
    panel_register(
        Panel(
            key="p100_note",
            order=11,
            template="scoring/p100_note_panel.html",
            context=_note_context,
        )
    )
