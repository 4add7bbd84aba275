from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from decimal import Decimal
from html import unescape
from typing import Any
from xml.etree import ElementTree

from django import template
from django.template.base import Parser, Token
from django.utils.html import format_html
from django.utils.safestring import SafeString

from clients.money import format_both
from kms import structure
from kms.models import ProposalItem
from kms.structure import Structure

register = template.Library()


@register.filter
def blockers_for(state: Any, step: str) -> list[Any]:
    return list(state.blockers(step))


@register.filter
def next_step(steps: list[str], step: str) -> str:
    index = list(steps).index(step)
    return steps[min(index + 1, len(steps) - 1)]


@register.filter
def prev_step(steps: list[str], step: str) -> str:
    index = list(steps).index(step)
    return steps[max(index - 1, 0)]


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def completeness_of(kyc: Any) -> Any:
    from kyc.completeness import completeness

    return completeness(kyc)


@register.filter
def motive_label(value: str) -> str:
    from kms.models import Motive

    return str(dict(Motive.choices).get(value, value))


@register.filter
def annual_premium_sum(items: Iterable[ProposalItem]) -> Decimal:
    """What the items cost in one year (not their total premium over the payment term)."""
    return structure.annual_premium_sum(items)


@register.filter
def plan_money(amount: Decimal | None) -> str:
    return format_both(amount)


@register.filter
def policy_structure(item: ProposalItem) -> Structure:
    """The item's structure diagram; its beneficiaries come prefetched by items_of."""
    return structure.policy_structure(item, list(item.beneficiaries.all()))


_SVG_ATTRIBUTE = re.compile(r'\s(class|aria-label)="([^"]*)"')


class PictureError(ValueError):
    """A picture of the plan is not well-formed SVG."""


def attributes_of(markup: str) -> dict[str, str]:
    """The class and aria-label of the markup's opening `<svg>` tag, unescaped."""
    opening = markup[: markup.index(">")]
    return {name: unescape(value) for name, value in _SVG_ATTRIBUTE.findall(opening)}


def svg_as_image(markup: str) -> str:
    """An inline `<svg>` as an `<img>` with the same picture in a data: URL.

    For the plan PDF: inline, every element of a picture goes through WeasyPrint's
    HTML cascade (the pictures are half of a plan's elements); as an image WeasyPrint
    reads it with its own SVG parser. Anything but a single SVG passes unchanged.
    """
    markup = markup.strip()
    if not (markup.startswith("<svg") and markup.endswith("</svg>")):
        return markup
    try:
        ElementTree.fromstring(markup)
    except ElementTree.ParseError as error:
        # WeasyPrint leaves out an image it cannot parse without a word, and the plan
        # would pass as ready without its pictures: fail the render instead.
        raise PictureError(f"{attributes_of(markup).get('aria-label', 'svg')}: {error}") from error
    # The values are escaped in the markup; format_html escapes them once again.
    attributes = attributes_of(markup)
    data = base64.b64encode(markup.encode()).decode("ascii")
    return format_html(
        '<img class="{}" alt="{}" src="data:image/svg+xml;base64,{}">',
        attributes.get("class", ""),
        attributes.get("aria-label", ""),
        data,
    )


class _SvgImageNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        return SafeString(svg_as_image(self.nodelist.render(context)))


@register.tag("svg_image")
def svg_image(parser: Parser, token: Token) -> _SvgImageNode:
    """`{% svg_image %}…{% endsvg_image %}`: the SVG picture inside as an image."""
    nodelist = parser.parse(("endsvg_image",))
    parser.delete_first_token()
    return _SvgImageNode(nodelist)
