"""The layers of DESIGN.md hold: the import-linter contracts in pyproject.toml
pass on the code, and they do fail on a breach."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(exe), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_model_import_in_the_event_log_breaks_the_layers(tmp_path):
    # A copy of the apps with one upward import: events (the bottom) reaching
    # for an inbox model, and a network module touching a model.
    for name in ("pyproject.toml",):
        shutil.copy(ROOT / name, tmp_path / name)
    # Every top-level package, so a new app named in the contracts is found.
    for package in sorted(p.parent for p in ROOT.glob("*/__init__.py")):
        if package.name in ("tests", "bench"):
            continue
        shutil.copytree(package, tmp_path / package.name, ignore=shutil.ignore_patterns("*.pyc"))
    with (tmp_path / "events" / "services.py").open("a") as f:
        f.write("\nfrom inbox.models import Conversation  # noqa\n")
    with (tmp_path / "inbox" / "networks" / "base.py").open("a") as f:
        f.write("\nfrom inbox.models import Channel  # noqa\n")

    result = _lint_imports(tmp_path)

    assert result.returncode != 0
    assert "events is not allowed to import inbox" in result.stdout
    assert "inbox.networks is not allowed to import inbox.models" in result.stdout
