"""The code base is ruff clean (the configuration lives in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str | None:
    """The tool installed beside this interpreter (a venv's bin), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


def test_ruff_check_is_clean() -> None:
    """`ruff check .` reports nothing."""
    ruff = _tool("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: pip install -e '.[dev]'")
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    """`mypy` (configured in pyproject.toml to check the opd_sim package) reports no error."""
    mypy = _tool("mypy")
    if mypy is None:
        pytest.fail("mypy is not installed: pip install -e '.[dev]'")
    result = subprocess.run([mypy], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
