"""What the apps above `clients` show on the client page.

The client page belongs to `clients`, which knows nothing of the apps built on it.
Each of those registers, in its AppConfig.ready(), the buttons it adds to the page's
head (actions) and the cards it adds below the profile (panels). The page renders
what is registered, in order; a panel whose context function returns None is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from clients.models import Client


@dataclass(frozen=True)
class Action:
    """A link in the head of the client page, to the URL named, with the client's id."""

    key: str
    label: StrOrPromise
    url_name: str
    order: int
    primary: bool = False


@dataclass(frozen=True)
class Panel:
    """A card of the client page: a template rendered with the context function's dict."""

    key: str
    order: int
    template: str
    context: Callable[[HttpRequest, Client], dict[str, Any] | None]


_actions: dict[str, Action] = {}
_panels: dict[str, Panel] = {}


def action_register(action: Action) -> None:
    # Keyed, so that registering again (a second ready(), a test) replaces, not repeats.
    _actions[action.key] = action


def panel_register(panel: Panel) -> None:
    _panels[panel.key] = panel


def actions_for(*, client: Client) -> list[dict[str, Any]]:
    return [
        {
            "key": action.key,
            "label": action.label,
            "url": reverse(action.url_name, args=[client.pk]),
            "primary": action.primary,
        }
        for action in sorted(_actions.values(), key=lambda a: (a.order, a.key))
    ]


def panels_for(*, request: HttpRequest, client: Client) -> list[SafeString]:
    rendered = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, client)
        if context is None:
            continue
        html = render_to_string(panel.template, {"client": client, **context}, request=request)
        # render_to_string escapes what it renders; its output is markup to keep as is.
        rendered.append(mark_safe(html))
    return rendered
