"""Every user-facing string has a Chinese translation, and the catalogue is current."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[str, list[str], str]]:
    """(msgid, msgstrs, flags) for each entry of a .po file."""
    entries = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        flags = " ".join(line for line in lines if line.startswith("#,"))
        joined = "\n".join(line for line in lines if not line.startswith("#"))
        msgid = "".join(re.findall(r'"(.*)"', joined.split("msgid_plural")[0].split("msgstr")[0]))
        strings = [
            "".join(re.findall(r'"(.*)"', part))
            for part in re.split(r"msgstr(?:\[\d\])? ", joined)[1:]
        ]
        entries.append((msgid, strings, flags))
    return [entry for entry in entries if entry[0]]


def test_it_translates_every_message_to_chinese() -> None:
    entries = _entries(PO.read_text())
    assert len(entries) > 150
    untranslated = [msgid for msgid, strings, _flags in entries if not all(strings)]
    fuzzy = [msgid for msgid, _strings, flags in entries if "fuzzy" in flags]
    assert untranslated == [] and fuzzy == []


def test_it_has_no_string_missing_from_the_catalogue(tmp_path: Path) -> None:
    """makemessages on a copy of the sources finds no msgid that the .po lacks."""
    known = {msgid for msgid, _s, _f in _entries(PO.read_text())}
    script = (
        "import os, django; os.environ['DEBUG']='1'; django.setup();"
        "from django.core.management import call_command;"
        "call_command('makemessages', locale=['zh_Hans'], ignore_patterns=['.venv/*', 'var/*', 'tests/*', 'bench/*'], verbosity=0)"
    )
    # Work on a copy so that the committed catalogue is never rewritten by a test.
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "*.mo", "__pycache__")
    )
    subprocess.run(
        [sys.executable, "-c", script],
        cwd=copy,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "advisor_crm.settings",
            "DEBUG": "1",
            "VAR_DIR": str(tmp_path / "var"),
        },
    )
    fresh = {msgid for msgid, _s, _f in _entries((copy / PO.relative_to(ROOT)).read_text())}
    assert fresh - known == set()


def test_it_has_valid_format_strings_in_every_catalogue() -> None:
    """A translation that breaks a %(name)s placeholder would crash the page showing it."""
    for po in sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po")):
        result = subprocess.run(
            ["msgfmt", "--check-format", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
