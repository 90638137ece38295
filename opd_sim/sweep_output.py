"""A sweep's output directory: ``sweep.parquet``, ``sweep.json``, ``sweep.png`` and ``report.html``.

``write_sweep`` writes a sweep there, ``read_sweep`` reads one back (the same
:class:`~opd_sim.experiments.Sweep`, summary recomputed from the runs), and
``write_sweep_report`` rebuilds the plot and report of one on disk; writes go through the one
atomic writer, :mod:`opd_sim.outputs`. This is where experiments and reporting meet.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from opd_sim.errors import InvalidInput, OpdSimError
from opd_sim.experiments.sweep import METRICS, Sweep, summarize_sweep
from opd_sim.experiments.variants import make_variants
from opd_sim.jsonable import read_json_object
from opd_sim.outputs import OwnedFiles, check_out_dir, write_directory
from opd_sim.reporting.sweep_report import SWEEP_PLOT, SWEEP_REPORT_FILES, render_sweep_report

__all__ = ["SWEEP_DATA_FILES", "SWEEP_OUTPUT", "read_sweep", "write_sweep",
           "write_sweep_report"]  # fmt: skip

#: The data files of a sweep directory; the plot and report.html come on top.
SWEEP_DATA_FILES = ("sweep.parquet", "sweep.json")
#: What `opd-sim sweep` owns in its --out: an earlier sweep has at least the two data files.
SWEEP_OUTPUT = OwnedFiles(frozenset(SWEEP_DATA_FILES) | SWEEP_REPORT_FILES,
                          frozenset(SWEEP_DATA_FILES),
                          hint="give a new or empty directory, or an earlier sweep's")  # fmt: skip
_REBUILT = OwnedFiles(SWEEP_OUTPUT.names, SWEEP_OUTPUT.required,
                      hint="give a directory exactly as `opd-sim sweep` wrote it")  # fmt: skip
_KEYS = ("base_scenario", "settings", "policies", "seed", "replications")
#: Metrics a sweep written before patients could leave unseen (and waitlists expire early)
#: does not have: read back as unknown (NaN) rather than refusing the sweep.
_ADDED_WITH_PATIENCE = ("expired_waiting_too_long", "left_unseen", "left_unseen_rate")


def _fill(staging: Path, sweep: Sweep, data: bool = True) -> None:
    if data:
        sweep.frame.to_parquet(staging / "sweep.parquet", index=False)
        text = json.dumps(sweep.to_json(), indent=2, allow_nan=False, ensure_ascii=False)
        (staging / "sweep.json").write_text(text + "\n", encoding="utf-8")
    page, png = render_sweep_report(sweep)
    (staging / SWEEP_PLOT).write_bytes(png)
    (staging / "report.html").write_text(page, encoding="utf-8")


def write_sweep(sweep: Sweep, out_dir: str | Path) -> Path:
    """Write the sweep's frame, JSON, plot and report to ``out_dir``; return the directory.

    ``out_dir`` must be new, empty or an earlier sweep (else InvalidInput, exit 2); it is
    swapped in whole, so a failure leaves the earlier sweep or nothing.
    """
    return write_directory(out_dir, SWEEP_OUTPUT, lambda staging: _fill(staging, sweep))


def _not_a_sweep(folder: Path, why: str) -> InvalidInput:
    return InvalidInput(f"{folder}: not a sweep output directory ({why})")


def _read_json(path: Path) -> dict[str, Any]:
    """sweep.json as the one JSON reader of output directories reads it (bounded depth, one
    clear line), then checked to hold what a sweep's report needs."""
    value = read_json_object(path)
    if any(key not in value for key in _KEYS):
        raise InvalidInput(f"{path}: not a sweep's JSON (it needs {', '.join(_KEYS)})")
    return value


def read_sweep(directory: str | Path) -> Sweep:
    """The sweep of a directory ``opd-sim sweep`` wrote: its runs as written, its variants
    rebuilt from the scenario and settings recorded in ``sweep.json``, its summary recomputed
    from the runs. Anything missing or damaged is InvalidInput (exit 2) naming it."""
    from opd_sim.scenario import Scenario

    folder = Path(directory)
    missing = [name for name in SWEEP_DATA_FILES if not (folder / name).is_file()]
    if missing:
        raise _not_a_sweep(folder, f"missing {', '.join(missing)}")
    data = _read_json(folder / "sweep.json")
    try:
        scenario = Scenario.model_validate(data["base_scenario"])
        settings = {str(path): list(values) for path, values in data["settings"].items()}
        variants = make_variants(scenario, settings)
    except (ValueError, TypeError, AttributeError, OpdSimError):  # pydantic's errors are too
        raise _not_a_sweep(folder, "sweep.json's scenario and settings do not load") from None
    try:
        frame = pd.read_parquet(folder / "sweep.parquet")
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{folder / 'sweep.parquet'}: cannot be read "
                           f"({type(error).__name__})") from None  # fmt: skip
    for column in _ADDED_WITH_PATIENCE:  # a sweep from before patients could leave: unknown
        if column not in frame.columns:
            frame[column] = math.nan
    needed = [*settings, "variant", "policy", "replication", *METRICS]
    absent = [column for column in needed if column not in frame.columns]
    if absent:
        raise InvalidInput(f"{folder / 'sweep.parquet'}: not a sweep's runs (missing columns "
                           f"{', '.join(absent[:3])}{', ...' if len(absent) > 3 else ''})")
    labels = {variant.label for variant in variants}
    if not set(frame["variant"].astype(str)) <= labels:
        raise _not_a_sweep(folder, "sweep.parquet's variants are not sweep.json's")
    policies = data["policies"]
    return Sweep(
        scenario=scenario, settings=settings,
        policies=None if policies is None else [str(p) for p in policies],
        seed=int(data["seed"]), replications=int(data["replications"]), variants=variants,
        frame=frame, summary=summarize_sweep(frame, list(settings)),
        elapsed_seconds=float(data.get("elapsed_seconds") or 0.0),
    )  # fmt: skip


def write_sweep_report(directory: str | Path) -> Path:
    """Rebuild ``sweep.png`` and ``report.html`` of a sweep directory; return the report's path.

    Everything is read and checked first; the data files are carried over unchanged and the
    directory is swapped in at once.
    """
    folder = Path(directory)
    check_out_dir(folder, _REBUILT, label="")
    sweep = read_sweep(folder)
    write_directory(folder, _REBUILT, lambda staging: _fill(staging, sweep, data=False),
                    carry=SWEEP_DATA_FILES, label="")  # fmt: skip
    return folder / "report.html"
