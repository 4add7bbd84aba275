"""ruff and mypy are part of the suite, so CI refuses code that fails them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBUG": "1"}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, check=False)


def test_it_passes_ruff_lint() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_is_formatted_with_ruff() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_passes_mypy_exactly_as_make_typecheck_runs_it() -> None:
    # The same target, not a copy of its arguments: CI and `make typecheck` cannot
    # disagree about what is checked (tests included).
    result = _run("make", "--no-print-directory", "typecheck", f"BIN={BIN}")
    assert result.returncode == 0, result.stdout + result.stderr
