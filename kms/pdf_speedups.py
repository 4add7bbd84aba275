"""Two fixes to the libraries behind the plan PDF that cut its render time.

Rendering a plan is CPU-bound and almost all of it happens in WeasyPrint, so these
target two places where the libraries do far more work than the output needs. Neither
changes what is drawn: a test renders with and without them and compares the pages.
Both are installed once per process by `install()`, which render_pdf calls.

1. SVG labels shaped as one run. WeasyPrint 70 draws every SVG `<text>` code point
   by code point, so that each glyph may take its own `x`, `y`, `dx`, `dy` or
   `rotate`: one Pango layout per letter. The plan's pictures (family tree, asset
   structure, money flow, policy structures) carry about a thousand letters of
   labels. Our labels never place letters one by one, and for such text the
   WeasyPrint maintainers propose shaping the whole text at once
   (https://github.com/Kozea/WeasyPrint/issues/2249, PR #2754, unreleased). We do
   that without copying WeasyPrint's code: a label needing no per-letter placement
   reaches WeasyPrint's own `text` as a string that iterates as a single "letter",
   so its letter loop lays the label out once. Anything else (several coordinates,
   dx, dy, rotate, letter-spacing, textLength, textPath) takes the original path.
   `text` also shapes the whole label once more up front, to measure it; while it
   draws a single-run label, that second identical shaping is served from a memo.

2. The HTML tokenizer's regex cache. tinyhtml5 2.1 caches the regex of each
   `chars_until` character set, but a chained assignment stores it under the regex
   instead of the character set, so every call rebuilds and looks up its pattern
   again: half of the time spent parsing a plan. A dict that builds a missing entry
   itself makes the lookup hit.

Both reach into functions the libraries do not publish, so each fix names the version
it was written and tested against (`TESTED_ON`) and is left out, with one warning in
the log, on any other: an upgrade then costs render time, never a wrongly drawn plan.
The setting PLAN_RENDER_SPEEDUPS turns both off, to rule them out when a plan looks
wrong.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# The fixes, each with the library and the version it was written and tested against.
SVG_LABELS = "SVG labels shaped as one run"
TOKENIZER_CACHE = "tokenizer regex cache"
TESTED_ON = {SVG_LABELS: ("weasyprint", "70.0"), TOKENIZER_CACHE: ("tinyhtml5", "2.1.0")}

# Attributes that place or stretch single glyphs: text carrying any of them keeps
# WeasyPrint's letter-by-letter drawing.
_PER_LETTER = ("dx", "dy", "rotate", "textLength")
_ONE_RUN_TAGS = ("text", "tspan", "a")

_svg_text: Callable[..., Any] | None = None
_split_first_line: Callable[..., Any] | None = None
# The shaped lines of the single-run label being drawn by this thread, or None.
_label = threading.local()
# Two first renders at once (threads of the embedded web server) must not both patch:
# the second would take the first one's wrapper for WeasyPrint's function.
_installing = threading.Lock()
# Whether install() has run in this process, whatever it decided: it decides and logs once.
_installed = False


class OneRun(str):
    """A string that WeasyPrint's letter loop sees as a single letter."""

    __slots__ = ()

    def __iter__(self) -> Iterator[str]:
        yield str(self)


def _one_value(value: str | None) -> bool:
    return value is None or len(value.replace(",", " ").split()) <= 1


def placed_as_one_run(node: Any) -> bool:
    """True for SVG text that no attribute asks to place letter by letter."""
    if node.tag not in _ONE_RUN_TAGS or not node.text:
        return False
    attributes = node.attrib
    if any(name in attributes for name in _PER_LETTER):
        return False
    if node.get("letter-spacing") not in (None, "", "0", "normal"):
        return False
    return _one_value(attributes.get("x")) and _one_value(attributes.get("y"))


def _draw_svg_text(svg: Any, node: Any, font_size: float) -> Any:
    assert _svg_text is not None
    if not isinstance(node.text, OneRun):
        if not placed_as_one_run(node):
            return _svg_text(svg, node, font_size)
        node._etree_node.text = OneRun(node.text)
    _label.lines = {}
    try:
        return _svg_text(svg, node, font_size)
    finally:
        _label.lines = None


def _split_first_line_once(text: str, *args: Any, **kwargs: Any) -> Any:
    assert _split_first_line is not None
    lines = getattr(_label, "lines", None)
    if lines is None or kwargs:
        return _split_first_line(text, *args, **kwargs)
    # Within one label the style and context are the same objects on every call.
    key = (str(text), *args[2:])
    if key not in lines:
        lines[key] = _split_first_line(text, *args)
    return lines[key]


class _CharactersUntilRegex(dict[tuple[Any, bool], re.Pattern[str]]):
    """tinyhtml5's chars_until cache, filling itself on a miss (see the module doc)."""

    def __missing__(self, key: tuple[Any, bool]) -> re.Pattern[str]:
        characters, opposite = key
        # The same pattern tinyhtml5 builds: a run of the characters (opposite) or
        # of anything but them.
        escaped = "".join(f"\\x{ord(character):02x}" for character in characters)
        pattern = re.compile(f"[{'' if opposite else '^'}{escaped}]+")
        self[key] = pattern
        return pattern


def library_version(distribution: str) -> str | None:
    """The installed version of a distribution, or None when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _tested(fix: str) -> bool:
    """True when the library a fix patches is the version it was tested against.

    Otherwise the fix is left out with one warning: not an error, since the plan still
    renders correctly, but whoever upgraded the library should learn that plans now
    render slower and that the fix wants checking against the new version.
    """
    distribution, tested = TESTED_ON[fix]
    installed = library_version(distribution)
    if installed == tested:
        return True
    logger.warning(
        "PDF speed-up %r left out: written for %s %s, but %s is installed; "
        "plans render as the library draws them, only slower.",
        fix,
        distribution,
        tested,
        f"{distribution} {installed}" if installed else f"no {distribution}",
    )
    return False


def install() -> None:
    """Install the fixes in this process (idempotent).

    1. With PLAN_RENDER_SPEEDUPS off, patch nothing and say so once, at INFO: it is
       what the operator asked for.
    2. Otherwise install each fix whose library is the version it was tested against,
       and log one warning for each one left out.
    """
    global _installed
    with _installing:
        if _installed:
            return
        _installed = True
        if not settings.PLAN_RENDER_SPEEDUPS:
            logger.info(
                "PDF speed-ups off (PLAN_RENDER_SPEEDUPS): WeasyPrint and tinyhtml5 run as shipped."
            )
            return
        if _tested(SVG_LABELS):
            _install_svg_labels()
        if _tested(TOKENIZER_CACHE):
            _install_tokenizer_cache()


def _install_svg_labels() -> None:
    global _svg_text, _split_first_line
    import weasyprint.svg
    import weasyprint.text.line_break

    # Only WeasyPrint's SVG `text` looks this function up at call time; the HTML
    # layout imported it by name and keeps the original.
    _split_first_line = weasyprint.text.line_break.split_first_line
    weasyprint.text.line_break.split_first_line = _split_first_line_once

    _svg_text = weasyprint.svg.text
    # The SVG drawer recognises text nodes by comparing TAGS entries with its `text`
    # global, so both must name the same function.
    weasyprint.svg.text = _draw_svg_text
    for tag, handler in list(weasyprint.svg.TAGS.items()):
        if handler is _svg_text:
            weasyprint.svg.TAGS[tag] = _draw_svg_text


def _install_tokenizer_cache() -> None:
    import tinyhtml5.inputstream

    tinyhtml5.inputstream.characters_until_regex = _CharactersUntilRegex()
