"""The two library fixes that speed up plan rendering change nothing that is drawn.

kms.pdf_speedups shapes simple SVG labels as one run instead of letter by letter, and
repairs the HTML tokenizer's regex cache. Both are installed for the whole test
process once a plan renders, so the reference renders here run in a fresh Python
without them, and the pages are compared through poppler: words and their places,
and the pixels.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import tinyhtml5
import tinyhtml5.inputstream
import weasyprint.svg
import weasyprint.text.line_break
from django.template import Context, Template
from PIL import Image, ImageChops
from pytest_django import Settings
from weasyprint import HTML

from kms import pdf_speedups, plan_services
from kms.models import KmsCase
from kms.templatetags.kms_extras import svg_as_image
from tests.conftest import Cast

ROOT = Path(__file__).resolve().parents[2]
FONT = "font-family=\"'Noto Sans CJK SC'\""

# Labels as the pictures draw them: centred, bold, in tspans (the asset legend), and
# one label that places its letters itself and must keep WeasyPrint's own path.
SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" width="420" height="160" {FONT}>
<rect x="10" y="10" width="120" height="40" fill="#d6e8f5"/>
<text x="70" y="70" text-anchor="middle" {FONT} font-size="13" font-weight="700">周明德</text>
<text x="70" y="90" text-anchor="middle" {FONT} font-size="11">客户本人 · 58岁</text>
<text x="160" y="30" {FONT} font-size="11"><tspan fill="#d9534f">■</tspan> 房产 2500万元 (41%)
<tspan fill="#3d8fc4">■</tspan> 现金 800万元</text>
<text x="160" y="60 64 68" dx="0 3 6" {FONT} font-size="11">逐字</text>
<text x="400" y="120" text-anchor="end" {FONT} font-size="12">年缴保费 50万元</text>
</svg>"""
PAGE = f'<html><body style="margin: 0"><p {FONT}>方案</p>{SVG}<img src="x.svg"></body></html>'


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _words(pdf: Path) -> list[tuple[str, tuple[float, ...]]]:
    out = subprocess.run(["pdftotext", "-bbox", pdf, "-"], check=True, capture_output=True)
    return [
        (text, tuple(float(v) for v in box)) for *box, text in WORD.findall(out.stdout.decode())
    ]


def _pages(pdf: Path) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", pdf, pdf.with_suffix("")], check=True)
    return [Image.open(page).convert("L") for page in sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))]


def assert_drawn_alike(faster: bytes, reference: bytes, tmp_path: Path) -> None:
    """The same words at the same places, the same pixels up to anti-aliasing.

    A label shaped as a whole gets the font's kerning between its letters, so a glyph
    may sit a few hundredths of a point away from where it stood alone: that shows as
    grey levels at a glyph's edge, not as anything a reader could see.
    """
    paths = tmp_path / "faster.pdf", tmp_path / "reference.pdf"
    paths[0].write_bytes(faster)
    paths[1].write_bytes(reference)
    words, reference_words = _words(paths[0]), _words(paths[1])
    assert [w for w, _ in words] == [w for w, _ in reference_words]
    for (word, box), (_, reference_box) in zip(words, reference_words, strict=True):
        assert max(abs(a - b) for a, b in zip(box, reference_box, strict=True)) < 0.05, word
    pages, reference_pages = _pages(paths[0]), _pages(paths[1])
    assert len(pages) == len(reference_pages)
    for number, (page, reference_page) in enumerate(zip(pages, reference_pages, strict=True), 1):
        histogram = ImageChops.difference(page, reference_page).histogram()
        changed = sum(histogram[32:])
        assert not any(histogram[128:]), f"page {number}"
        assert changed < page.width * page.height / 5000, f"page {number}: {changed} pixels"


def _render_without_speedups(html: str, tmp_path: Path) -> bytes:
    source, out = tmp_path / "page.html", tmp_path / "reference.pdf"
    source.write_text(html)
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from weasyprint import HTML
        source = Path({str(source)!r})
        html = source.read_text(encoding="utf-8")
        HTML(string=html, base_url=str(source.parent) + "/").write_pdf({str(out)!r})
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)
    return out.read_bytes()


def test_svg_labels_are_drawn_exactly_as_without_the_speedups(tmp_path: Path) -> None:
    (tmp_path / "x.svg").write_text(SVG)
    reference = _render_without_speedups(PAGE, tmp_path)

    pdf_speedups.install()
    faster = HTML(string=PAGE, base_url=str(tmp_path) + "/").write_pdf()

    assert faster is not None
    assert_drawn_alike(faster, reference, tmp_path)


@pytest.fixture
def plan_html(cast: Cast, zhao_case: KmsCase) -> str:
    document = plan_services.plan_request(case=zhao_case, user=cast.advisor)
    return plan_services.plan_html(document)


def test_the_plan_pages_are_drawn_exactly_as_without_the_speedups(
    tmp_path: Path, plan_html: str
) -> None:
    # The stylesheet, tables, running header and footer and pictures of Mr Zhao's plan.
    html = plan_html
    reference = _render_without_speedups(html, tmp_path)

    pdf_speedups.install()
    faster = HTML(string=html, base_url=str(ROOT)).write_pdf()

    assert faster is not None
    assert_drawn_alike(faster, reference, tmp_path)


def test_a_simple_label_is_shaped_once_not_letter_by_letter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pdf_speedups.install()
    texts: list[str] = []
    split_first_line = pdf_speedups._split_first_line
    assert split_first_line is not None

    def spy(text: str, *args: Any, **kwargs: Any) -> Any:
        texts.append(str(text))
        return split_first_line(text, *args, **kwargs)

    # What the speed-ups call to shape a line: WeasyPrint's own function.
    monkeypatch.setattr(pdf_speedups, "_split_first_line", spy)
    HTML(string=f"<body>{SVG}</body>").write_pdf()

    assert texts.count("周明德") == 1 and texts.count("年缴保费 50万元") == 1
    assert "周" not in texts
    # The label placing its own letters: measured whole, then drawn letter by letter.
    assert texts.count("逐字") == 1 and "逐" in texts and "字" in texts


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<text x="1" y="2">周明德</text>', True),
        ('<text x="1" y="2" text-anchor="middle" font-weight="700">周明德</text>', True),
        ('<text x="1 5" y="2">周明德</text>', False),
        ('<text x="1" y="2" dx="0 1">周明德</text>', False),
        ('<text x="1" y="2" rotate="10">周明德</text>', False),
        ('<text x="1" y="2" textLength="40">周明德</text>', False),
        ('<text x="1" y="2" letter-spacing="2">周明德</text>', False),
        ('<text x="1" y="2" letter-spacing="0">周明德</text>', True),
        ('<text x="1" y="2"></text>', False),
    ],
)
def test_which_labels_are_placed_as_one_run(markup: str, expected: bool) -> None:
    from cssselect2 import ElementWrapper
    from weasyprint.svg import Node

    root = ElementWrapper.from_xml_root(
        ElementTree.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{markup}</svg>')
    )
    node = Node(next(root.iter_children()), [])

    assert pdf_speedups.placed_as_one_run(node) is expected


class _CountingCache(dict[Any, Any]):
    """tinyhtml5's cache as it ships (a plain dict), counting its misses."""

    misses = 0

    def __getitem__(self, key: Any) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            self.misses += 1
            raise


def test_the_tokenizer_cache_keeps_one_regex_per_character_set(
    monkeypatch: pytest.MonkeyPatch, plan_html: str
) -> None:
    html = plan_html
    shipped = _CountingCache()
    monkeypatch.setattr(tinyhtml5.inputstream, "characters_until_regex", shipped)
    parsed_before = ElementTree.tostring(tinyhtml5.parse(html))
    monkeypatch.undo()

    pdf_speedups.install()
    cache = tinyhtml5.inputstream.characters_until_regex
    parsed = ElementTree.tostring(tinyhtml5.parse(html))
    entries = dict(cache)
    ElementTree.tostring(tinyhtml5.parse(html))

    assert parsed == parsed_before
    # As shipped, the chained assignment files each pattern under the pattern itself,
    # so every lookup misses; repaired, there is one entry per character set.
    assert shipped.misses > 500
    assert 0 < len(entries) < 20 and dict(cache) == entries


@dataclass
class Shipped:
    """The library functions and cache the fixes replace, as the libraries ship them."""

    svg_text: Callable[..., Any]
    split_first_line: Callable[..., Any]
    tokenizer_cache: dict[Any, Any]


@pytest.fixture
def as_shipped(monkeypatch: pytest.MonkeyPatch) -> Shipped:
    """WeasyPrint and tinyhtml5 as shipped, and pdf_speedups as if never installed.

    A render anywhere in the test run installs the fixes for the whole process, so the
    originals are taken from where pdf_speedups keeps them; monkeypatch puts back
    whatever was installed before once the test is over.
    """
    svg_text = pdf_speedups._svg_text or weasyprint.svg.text
    split_first_line = pdf_speedups._split_first_line or weasyprint.text.line_break.split_first_line
    cache = tinyhtml5.inputstream.characters_until_regex
    if isinstance(cache, pdf_speedups._CharactersUntilRegex):
        cache = {}
    tags = {
        tag: svg_text if handler is pdf_speedups._draw_svg_text else handler
        for tag, handler in weasyprint.svg.TAGS.items()
    }
    monkeypatch.setattr(weasyprint.svg, "text", svg_text)
    monkeypatch.setattr(weasyprint.svg, "TAGS", tags)
    monkeypatch.setattr(weasyprint.text.line_break, "split_first_line", split_first_line)
    monkeypatch.setattr(tinyhtml5.inputstream, "characters_until_regex", cache)
    monkeypatch.setattr(pdf_speedups, "_svg_text", None)
    monkeypatch.setattr(pdf_speedups, "_split_first_line", None)
    monkeypatch.setattr(pdf_speedups, "_installed", False)
    # WeasyPrint's own functions, not a wrapper left over from an earlier install.
    assert svg_text.__module__ == "weasyprint.svg.text"
    assert split_first_line.__module__ == "weasyprint.text.line_break"
    return Shipped(svg_text, split_first_line, cache)


def _svg_labels_as_shipped(shipped: Shipped) -> bool:
    return (
        weasyprint.svg.text is shipped.svg_text
        and weasyprint.svg.TAGS["text"] is shipped.svg_text
        and pdf_speedups._draw_svg_text not in weasyprint.svg.TAGS.values()
        and weasyprint.text.line_break.split_first_line is shipped.split_first_line
    )


def _svg_labels_patched(shipped: Shipped) -> bool:
    return (
        weasyprint.svg.text is pdf_speedups._draw_svg_text
        and weasyprint.svg.TAGS["text"] is pdf_speedups._draw_svg_text
        and weasyprint.text.line_break.split_first_line is pdf_speedups._split_first_line_once
        # What the fix calls: WeasyPrint's own functions, wrapped once.
        and pdf_speedups._svg_text is shipped.svg_text
        and pdf_speedups._split_first_line is shipped.split_first_line
    )


def _tokenizer_cache_as_shipped(shipped: Shipped) -> bool:
    return tinyhtml5.inputstream.characters_until_regex is shipped.tokenizer_cache


def _messages(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == "kms.pdf_speedups"
    ]


def test_it_installs_both_fixes_on_the_versions_they_were_tested_on(
    as_shipped: Shipped, caplog: pytest.LogCaptureFixture
) -> None:
    # The installed versions, pinned in pyproject.toml: upgrading a pin fails here
    # until the fixes are checked against the new version and TESTED_ON is updated.
    with caplog.at_level(logging.INFO, logger="kms.pdf_speedups"):
        pdf_speedups.install()
        pdf_speedups.install()

    assert _svg_labels_patched(as_shipped)
    assert isinstance(
        tinyhtml5.inputstream.characters_until_regex, pdf_speedups._CharactersUntilRegex
    )
    assert _messages(caplog) == []


def test_it_patches_nothing_when_the_setting_is_off(
    as_shipped: Shipped, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.PLAN_RENDER_SPEEDUPS = False

    with caplog.at_level(logging.INFO, logger="kms.pdf_speedups"):
        pdf_speedups.install()
        pdf_speedups.install()

    assert _svg_labels_as_shipped(as_shipped)
    assert _tokenizer_cache_as_shipped(as_shipped)
    assert _messages(caplog) == [
        (
            logging.INFO,
            "PDF speed-ups off (PLAN_RENDER_SPEEDUPS): WeasyPrint and tinyhtml5 run as shipped.",
        )
    ]


@pytest.mark.parametrize(
    ("distribution", "version", "message"),
    [
        (
            "weasyprint",
            "71.0",
            "PDF speed-up 'SVG labels shaped as one run' left out: written for weasyprint "
            "70.0, but weasyprint 71.0 is installed; plans render as the library draws them, "
            "only slower.",
        ),
        (
            "tinyhtml5",
            "2.1.1",
            "PDF speed-up 'tokenizer regex cache' left out: written for tinyhtml5 2.1.0, but "
            "tinyhtml5 2.1.1 is installed; plans render as the library draws them, only slower.",
        ),
        (
            "tinyhtml5",
            None,
            "PDF speed-up 'tokenizer regex cache' left out: written for tinyhtml5 2.1.0, but "
            "no tinyhtml5 is installed; plans render as the library draws them, only slower.",
        ),
    ],
)
def test_it_leaves_out_a_fix_on_a_library_version_it_was_not_tested_on(
    as_shipped: Shipped,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    distribution: str,
    version: str | None,
    message: str,
) -> None:
    installed = pdf_speedups.library_version

    def library_version(name: str) -> str | None:
        return version if name == distribution else installed(name)

    monkeypatch.setattr(pdf_speedups, "library_version", library_version)

    with caplog.at_level(logging.INFO, logger="kms.pdf_speedups"):
        pdf_speedups.install()
        pdf_speedups.install()

    # The other fix, on the version it was tested on, is installed all the same.
    if distribution == "weasyprint":
        assert _svg_labels_as_shipped(as_shipped)
        assert not _tokenizer_cache_as_shipped(as_shipped)
    else:
        assert _svg_labels_patched(as_shipped)
        assert _tokenizer_cache_as_shipped(as_shipped)
    # Once, though install() ran twice: it runs before every render.
    assert _messages(caplog) == [(logging.WARNING, message)]


def test_an_svg_picture_becomes_an_image_with_its_label() -> None:
    template = Template(
        "{% load kms_extras %}{% svg_image %} "
        '<svg xmlns="http://www.w3.org/2000/svg" class="svg-picture" width="10" height="10" '
        'role="img" aria-label="家系图"><text>{{ name }}</text></svg>{% endsvg_image %}'
    )

    html = template.render(Context({"name": "周&明"}))

    assert html.startswith('<img class="svg-picture" alt="家系图" src="data:image/svg+xml;base64,')
    assert "<svg" not in html


def test_an_escaped_label_is_escaped_once_in_the_image() -> None:
    html = svg_as_image('<svg class="a" aria-label="Mr Zhao&#x27;s &amp; family"></svg>')

    assert 'alt="Mr Zhao&#x27;s &amp; family"' in html


def test_anything_but_one_svg_passes_through_unchanged() -> None:
    assert svg_as_image("  <p>没有图片</p> ") == "<p>没有图片</p>"
    assert svg_as_image("") == ""
