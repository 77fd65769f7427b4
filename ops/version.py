"""The release this checkout is: one number, read from pyproject.toml.

Shown in the footer and by /health/live, so the operator and the page
agree on what is deployed (a test holds all three to the same value).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@cache
def version() -> str:
    with _PYPROJECT.open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])
