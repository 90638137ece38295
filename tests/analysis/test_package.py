"""opd_sim.analysis is pure (frames in, tables out) and its public surface is pinned."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import opd_sim.analysis

PACKAGE = Path(opd_sim.analysis.__file__).parent
ALLOWED_IMPORTS = {"__future__", "math", "collections", "typing", "numpy", "pandas",
                   "opd_sim.engine", "opd_sim.analysis"}  # fmt: skip
IO_NAMES = {"print", "open", "input"}
IO_METHODS = {"to_parquet", "to_csv", "to_json", "write_text", "write_bytes", "plot", "savefig",
              "read_parquet", "read_csv", "read_text"}  # fmt: skip


def _reaches(source: str) -> list[str]:
    """Imports outside the allowed set, and calls that print, read or write."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names]
            for name in names:
                if not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED_IMPORTS):
                    found.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in IO_NAMES:
                found.append(f"line {node.lineno}: calls {func.id}")
            if isinstance(func, ast.Attribute) and func.attr in IO_METHODS:
                found.append(f"line {node.lineno}: calls .{func.attr}")
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_analysis_modules_are_pure(path):
    """No simulator, no files, no printing, no plots: numpy, pandas and the engine's names."""
    assert _reaches(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("code", ["from opd_sim.simulation import frames", "import matplotlib",
                                  "print(table)", "table.to_parquet(path)"])  # fmt: skip
def test_the_purity_scan_can_fail(code):
    """Each kind of reach the scan forbids is caught."""
    assert _reaches(code)


def test_public_surface_is_pinned():
    """opd_sim.analysis exports exactly these names, each with a docstring or a value."""
    assert sorted(opd_sim.analysis.__all__) == sorted([
        "FATES", "MEASURES", "OUTCOMES", "WITHIN_MINUTES", "aggregate", "bumped_fates", "ci95",
        "doctor_workload", "format_count", "format_mean", "left_unseen", "may_be_negative",
        "mean_ci", "outcomes_by_source", "overbooking_by_doctor",
        "overbooking_by_hour", "p90_ratio", "p90_ratios", "per_replication", "repeat_bumps",
        "source_shares", "t_quantile_975", "wait_statistics", "waitlist_length",
        "waitlist_outcomes", "waits_by_source", "who_bumped_whom",
    ])  # fmt: skip
    for name in opd_sim.analysis.__all__:
        value = getattr(opd_sim.analysis, name)
        assert not callable(value) or value.__doc__, name
