"""The engine is pure: no SimPy, pandas, numpy, SQLite, YAML, randomness, clock or I/O."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import opd_sim.engine

FORBIDDEN = {
    "simpy", "pandas", "numpy", "sqlite3", "yaml", "ruamel", "random", "time", "datetime",
    "os", "io", "pathlib", "socket", "subprocess", "threading", "logging",
}  # fmt: skip
ENGINE_DIR = Path(opd_sim.engine.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a source file imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_engine_sources_import_nothing_impure() -> None:
    """No engine module imports a clock, randomness, I/O, database or frame library."""
    files = sorted(ENGINE_DIR.glob("*.py"))
    assert len(files) >= 4
    for path in files:
        assert imported_modules(path) & FORBIDDEN == set(), path.name


def test_engine_does_no_io_builtins() -> None:
    """No engine module calls open(), print() or input()."""
    for path in ENGINE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"open", "print", "input"}, path.name


def test_importing_the_engine_loads_no_heavy_or_impure_module() -> None:
    """In a fresh interpreter, importing opd_sim.engine pulls in none of the forbidden libraries."""
    code = (
        "import sys, opd_sim.engine; "
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = set(subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip().split(","))  # fmt: skip
    assert loaded & {"simpy", "pandas", "numpy", "sqlite3", "ruamel", "yaml", "pydantic"} == set()
