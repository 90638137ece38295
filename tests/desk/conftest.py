"""Fixtures for the booking desk tests: a temp store, the real ``opd-sim`` console script, and an
in-process runner for cases where a subprocess would only add start-up time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from opd_sim.cli.app import main
from tests.cli import Result, run_cli


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A path for a fresh store (not yet created)."""
    return tmp_path / "desk.db"


@pytest.fixture
def opd(db: Path) -> Callable[..., Result]:
    """``opd("token", "book", ...)``: the real console script on the test's store, with --json."""
    return lambda *argv, json_output=True: run_cli(*argv, db=db, json_output=json_output)


@pytest.fixture
def cli(db: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Like ``opd`` but in-process through ``opd_sim.cli.app.main`` (no interpreter start-up)."""

    def call(*argv: str, json_output: bool = True, store: Path | None = None) -> Result:
        capsys.readouterr()
        code = main([*argv, "--db", str(store or db)] + (["--json"] if json_output else []))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call
