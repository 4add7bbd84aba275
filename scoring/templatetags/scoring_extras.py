from __future__ import annotations

from typing import Any

from django import template

from scoring.conditions import to_text

register = template.Library()


@register.filter
def condition_text(tree: dict[str, Any]) -> str:
    return to_text(tree)


@register.filter
def migration(preview: Any, old: str) -> tuple[Any, str]:
    return (preview, old)


@register.filter
def migration_to(pair: tuple[Any, str], new: str) -> int:
    preview, old = pair
    return int(preview.cell(old, new))
