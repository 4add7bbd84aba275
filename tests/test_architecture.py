"""The apps are layered: each imports only the apps below it (pyproject.toml,
[tool.importlinter]). import-linter reads the real import graph, so the contract
covers every module, including imports inside functions."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_it_keeps_every_app_to_the_apps_below_it() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def _copy_of_the_apps(tmp_path: Path) -> Path:
    for package in ("advisor_crm", "clients", "kyc", "kms", "scoring", "demo"):
        subprocess.run(["cp", "-r", str(ROOT / package), str(tmp_path / package)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    return tmp_path


def test_it_fails_when_clients_imports_kyc(tmp_path: Path) -> None:
    copy = _copy_of_the_apps(tmp_path)
    with (copy / "clients" / "views.py").open("a") as views:
        views.write("\n\ndef _upward() -> None:\n    from kyc.selectors import kyc_load  # noqa\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "clients.views -> kyc.selectors" in result.stdout


def test_it_fails_when_kyc_imports_scoring_or_kms(tmp_path: Path) -> None:
    copy = _copy_of_the_apps(tmp_path)
    (copy / "kyc" / "upward.py").write_text(
        textwrap.dedent(
            """
            import scoring.services
            from kms import facts
            """
        )
    )
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "kyc.upward -> scoring.services" in result.stdout
    assert "kyc.upward -> kms.facts" in result.stdout


def test_it_fails_when_kms_and_scoring_import_each_other(tmp_path: Path) -> None:
    copy = _copy_of_the_apps(tmp_path)
    (copy / "kms" / "sideways.py").write_text("import scoring.models\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "kms.sideways -> scoring.models" in result.stdout
