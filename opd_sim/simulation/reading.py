"""A run read back from its directory, with the frames' dtypes exactly as simulated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from opd_sim.simulation.frames import (
    KIND_CATEGORIES,
    REASON_CATEGORIES,
    SOURCE_CATEGORIES,
    STATUS_CATEGORIES,
    reason_categories,
)

__all__ = ["RUN_DATA_FILES", "RunFiles", "read_run", "with_categories"]

#: The data files of a run directory (its plots and report.html come on top).
RUN_DATA_FILES = ("decisions.parquet", "patients.parquet", "slots.parquet", "summary.json",
                  "manifest.json")  # fmt: skip


@dataclass(slots=True)
class RunFiles:
    """A run read back from its directory."""

    decisions: pd.DataFrame
    patients: pd.DataFrame
    slots: pd.DataFrame
    summary: dict[str, Any]
    manifest: dict[str, Any]


def with_categories(frame: pd.DataFrame, doctors: list[str]) -> pd.DataFrame:
    """``frame`` with its label columns categorical as simulated: kinds, sources, reasons and
    statuses from the fixed lists, ``doctor_id`` and ``seen_by`` from ``doctors`` (in scenario
    order).

    Parquet keeps categoricals, but not the categories of an empty column (a run without a
    single token), and the analysis relies on them to list every source and doctor.
    """
    reasons = (reason_categories(_texts(frame["reason"])) if "reason" in frame.columns
               else REASON_CATEGORIES)  # fmt: skip
    categories = {"kind": KIND_CATEGORIES, "source": SOURCE_CATEGORIES,
                  "reason": reasons, "status": STATUS_CATEGORIES,
                  "doctor_id": doctors, "seen_by": doctors}  # fmt: skip
    for column, values in categories.items():
        if column in frame.columns:
            frame[column] = pd.Categorical(frame[column].astype(object), categories=values)
    return frame


def _texts(column: pd.Series) -> list[str]:
    """A column's distinct texts: its categories if categorical (in their order), else its
    values in order of first appearance."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(text) for text in column.cat.categories]
    return [str(text) for text in pd.unique(column.astype(object))]


def read_run(directory: str | Path) -> RunFiles:
    """Read the data files of a run directory, the frames' dtypes exactly as simulated.

    The categories are restored (:func:`with_categories`) from the summary's doctors.
    """
    folder = Path(directory)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    doctors = list(summary["by_doctor"])
    frames = [with_categories(pd.read_parquet(folder / f"{name}.parquet"), doctors)
              for name in ("decisions", "patients", "slots")]  # fmt: skip
    return RunFiles(
        decisions=frames[0], patients=frames[1], slots=frames[2], summary=summary,
        manifest=json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
    )  # fmt: skip
