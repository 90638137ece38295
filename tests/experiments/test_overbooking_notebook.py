"""notebooks/overbooking.ipynb runs from top to bottom (the file itself is left untouched)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "overbooking.ipynb"


def test_overbooking_notebook_is_stored_without_outputs() -> None:
    """The notebook is kept clean: no outputs, no execution counts."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_overbooking_notebook_runs() -> None:
    """Every cell executes without an error, the checks of its conclusions included."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})  # fmt: skip
    client.execute()
