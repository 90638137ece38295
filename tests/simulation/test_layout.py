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
    """opd_sim.simulation exports exactly these names (writing directories moved out of it)."""
    assert sorted(opd_sim.simulation.__all__) == sorted([
        "DECISION_COLUMNS", "KIND_CATEGORIES", "PATIENT_COLUMNS", "REASON_CATEGORIES",
        "SOURCE_CATEGORIES",
        "STATUS_CATEGORIES", "STREAM_NAMES", "Opd", "RunFiles", "RunResult", "aggregate",
        "SLOT_COLUMNS", "run_replication", "slots_frame", "decisions_frame", "make_streams",
        "manifest", "mean_ci", "multiple_replications", "patients_frame", "read_run",
        "replication_seeds", "single_run", "summarize", "summary_json",
    ])  # fmt: skip
    for name in opd_sim.simulation.__all__:
        assert getattr(opd_sim.simulation, name) is not None


def test_the_run_directory_writers_live_outside_the_simulator():
    """write_run and the output-directory writer have their own modules and pinned names."""
    import opd_sim.outputs
    import opd_sim.run_output

    assert sorted(opd_sim.run_output.__all__) == ["REPLAY_FILES", "RUN_FILES", "RUN_OUTPUT",
                                                  "prepare_writing", "write_report",
                                                  "write_run"]  # fmt: skip
    assert sorted(opd_sim.outputs.__all__) == ["OwnedFiles", "check_out_dir", "clean_stale",
                                               "write_directory"]  # fmt: skip


def test_the_simulator_never_imports_the_reporting():
    """No module under opd_sim/simulation imports opd_sim.reporting (or the run writers), at
    module level or inside a function; importing the simulator loads neither."""
    for path in (REPO / "opd_sim" / "simulation").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith(("opd_sim.reporting", "opd_sim.run_output",
                                            "opd_sim.outputs")), (path, name)  # fmt: skip
    code = ("import sys, opd_sim.simulation; "
            "print(sorted(m for m in sys.modules if m.startswith(('opd_sim.reporting', "
            "'opd_sim.run_output', 'matplotlib'))))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout.strip() == "[]"
