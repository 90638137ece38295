"""Where SimPy, numpy and pandas may be imported, and the simulator's public surface."""

from __future__ import annotations

import ast
import subprocess
import sys

import opd_sim.simulation

from .conftest import REPO

HEAVY = {"simpy", "numpy", "pandas", "pyarrow", "scipy"}


def _module_level_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module.split(".")[0]


def test_only_the_simulation_package_imports_simpy():
    """SimPy is imported only under opd_sim/simulation (and inside the run handlers)."""
    for path in (REPO / "opd_sim").rglob("*.py"):
        if "simulation" in path.parts:
            continue
        assert "simpy" not in set(_module_level_imports(path)), path


def test_the_simulate_commands_import_nothing_heavy_at_start():
    """Building the CLI parser (as every booking command does) loads no numpy/pandas/SimPy."""
    code = ("import sys; from opd_sim.cli.app import build_parser; build_parser(); "
            f"print(sorted({HEAVY!r} & set(sys.modules)))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_public_surface_is_pinned():
    """opd_sim.simulation exports exactly these names."""
    assert sorted(opd_sim.simulation.__all__) == sorted([
        "DECISION_COLUMNS", "KIND_CATEGORIES", "PATIENT_COLUMNS", "SOURCE_CATEGORIES",
        "STATUS_CATEGORIES", "STREAM_NAMES", "Opd", "RunFiles", "RunResult", "aggregate",
        "RUN_FILES", "SLOT_COLUMNS", "check_out_dir", "run_replication", "slots_frame",
        "decisions_frame", "make_streams", "manifest", "mean_ci", "multiple_replications",
        "patients_frame", "read_run", "replication_seeds", "single_run", "summarize",
        "summary_json", "write_run",
    ])  # fmt: skip
    for name in opd_sim.simulation.__all__:
        assert getattr(opd_sim.simulation, name) is not None
