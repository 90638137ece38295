"""The analysts' notebooks: every notebook in notebooks/ is stored without outputs, imports
opd_sim only through its public API, and runs from top to bottom.

notebooks/validation.ipynb runs in its own test (tests/validation/test_notebook.py); every other
notebook, present now or added later, runs here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
EVERY = sorted(NOTEBOOKS.glob("*.ipynb"))
RUN_HERE = [path for path in EVERY if path.name != "validation.ipynb"]
#: What a notebook may import from opd_sim: the packages the README and docs present to users.
PUBLIC = {"opd_sim", "opd_sim.scenario", "opd_sim.simulation", "opd_sim.experiments",
          "opd_sim.analysis", "opd_sim.theory", "opd_sim.store", "opd_sim.history"}  # fmt: skip


def _code(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_the_analyst_notebooks_are_here() -> None:
    """The notebooks the README lists exist (so a lost one is noticed, not silently skipped)."""
    names = {path.name for path in EVERY}
    assert {"validation.ipynb", "policy_comparison.ipynb", "explain_a_day.ipynb",
            "real_days.ipynb"} <= names


@pytest.mark.parametrize("path", EVERY, ids=[path.name for path in EVERY])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    """No outputs and no execution counts: the file holds the analysis, not one run of it."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name}: a code cell holds outputs"
            assert cell.get("execution_count") is None, f"{path.name}: an execution count"


@pytest.mark.parametrize("path", EVERY, ids=[path.name for path in EVERY])
def test_notebook_uses_only_the_public_api(path: Path) -> None:
    """Every ``import opd_sim...`` names a public package, never a module inside one."""
    imported = set()
    for source in _code(path):
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    ours = {name for name in imported if name.split(".")[0] == "opd_sim"}
    assert ours <= PUBLIC, f"{path.name} imports {sorted(ours - PUBLIC)}"


@pytest.mark.slow
@pytest.mark.parametrize("path", RUN_HERE, ids=[path.name for path in RUN_HERE])
def test_notebook_runs(path: Path) -> None:
    """Every cell executes without an error (the notebooks assert the claims their text makes);
    the file itself is left untouched."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})  # fmt: skip
    client.execute()
