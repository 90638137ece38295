"""A run's output directory: frames, summary and manifest, then plots and report.html.

``write_run`` writes a simulated run there and ``write_report`` rebuilds the plots and report of
one read back from disk; both go through the one atomic writer, :mod:`opd_sim.outputs`. This is
where simulation and reporting meet: the simulator itself never imports the reporting.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from opd_sim.errors import InvalidInput
from opd_sim.forking import Awaited, forked_helpers, inherited
from opd_sim.jsonable import json_ready, read_json_object, summary_json
from opd_sim.outputs import OwnedFiles, check_out_dir, write_directory
from opd_sim.reporting import PLOTS, REPORT_FILES, render_report
from opd_sim.reporting.html import ANALYSES
from opd_sim.reporting.plots import draw_figure, replications_in
from opd_sim.simulation.frames import DECISION_COLUMNS, PATIENT_COLUMNS, SLOT_COLUMNS
from opd_sim.simulation.reading import RUN_DATA_FILES, with_categories
from opd_sim.simulation.runs import RunResult

__all__ = ["REPLAY_FILES", "RUN_FILES", "RUN_OUTPUT", "prepare_writing", "write_report",
           "write_run"]

# Plots earlier versions wrote beside report.html and no longer do: a rerun replaces them too.
_EARLIER_PLOTS = frozenset({"decisions_by_kind.png"})
#: Every file a run directory may hold: what a rerun may replace.
RUN_FILES = frozenset(RUN_DATA_FILES) | REPORT_FILES | _EARLIER_PLOTS
#: What `opd-sim run` owns: every run file; an earlier run has at least the five data files.
RUN_OUTPUT = OwnedFiles(RUN_FILES, frozenset(RUN_DATA_FILES))
#: What `opd-sim replay --out` writes beside a replay's run files (carried over by `report`).
REPLAY_FILES = frozenset({"replay_comparison.json", "changed_tokens.csv"})
# What `opd-sim report` needs of a run directory it rebuilds (the manifest is optional there).
_REBUILT = OwnedFiles(
    RUN_FILES | REPLAY_FILES,
    frozenset({"decisions.parquet", "patients.parquet", "slots.parquet", "summary.json"}),
    hint="give a directory exactly as `opd-sim run`, `export` or `replay --out` wrote it",
)
_LABELS = frozenset({"kind", "source", "doctor_id", "seen_by", "reason", "status"})


def prepare_writing(report: bool = True) -> None:
    """Load now what :func:`write_run` will need (the Parquet writer and, with ``report``,
    matplotlib and its fonts), for a process that has time to spare before it writes: one
    waiting for its replications to come back from worker processes. Processes that
    ``write_run`` forks to draw figures inherit all of it (it calls this first, in case)."""
    import pyarrow.parquet  # noqa: F401  (pandas imports it on the first to_parquet)

    if report:
        from opd_sim.reporting.plots import warm_up

        warm_up()


def write_run(
    result: RunResult,
    out_dir: str | Path,
    manifest_data: dict[str, Any],
    report: bool = True,
    workers: int = 1,
) -> Path:
    """Write decisions.parquet, patients.parquet, slots.parquet, summary.json and manifest.json
    to ``out_dir``, and unless ``report`` is false ``report.html`` and its figures as PNG files;
    return the directory.

    ``workers`` > 1 (with ``report``): that many processes forked from this one draw the
    figures, most of the work, and write the Parquet files while this one builds the page;
    the files are the same.
    ``out_dir`` must be new, empty or an earlier run (else InvalidInput, exit 2); it is swapped
    in whole, so a failure leaves the earlier run or nothing, never half a run.
    """

    def fill(staging: Path) -> None:
        frames = {"decisions": result.decisions, "patients": result.patients,
                  "slots": result.slots}  # fmt: skip
        replications = replications_in(*frames.values())
        figures: Mapping[str, bytes] | None = None
        analyses: Mapping[str, Any] | None = None
        written: Mapping[str, None] = {}
        if report and workers > 1:
            prepare_writing()  # before the helpers fork, or each of them loads matplotlib
        with forked_helpers(workers if report else 1, (frames, replications)) as helpers:
            if helpers is None:
                for kind in frames:
                    _write_frame(kind, staging, frames)
            else:
                # the costliest first, so that none is begun last; the page needs the cheap
                # ones first, and what no helper has begun then, this process does itself
                futures = {key: helpers.submit(_task, key, staging) for key in _BY_COST}

                def share(keys: Iterable[str]) -> Awaited[Any]:
                    return Awaited({key: futures[key] for key in keys},
                                   here=lambda key: _task(key, staging))  # fmt: skip

                figures, analyses, written = share(PLOTS), share(ANALYSES), share(frames)
            (staging / "summary.json").write_text(summary_json(result.summary),
                                                  encoding="utf-8")  # fmt: skip
            (staging / "manifest.json").write_text(
                json.dumps(json_ready(manifest_data), indent=2) + "\n", encoding="utf-8"
            )
            if report:
                render_report(staging, result.decisions, result.patients, result.slots,
                              result.summary, manifest_data, figures, analyses)  # fmt: skip
            list(written.values())  # every file there; a helper's error (full disk) is ours

    return write_directory(out_dir, RUN_OUTPUT, fill)


# The work write_run shares with its helpers, costliest first (as measured on a week of a
# 24-doctor OPD): the figures, the report's costliest analyses and the Parquet files.
_BY_COST = ("doctor_time.png", "doctors", "waitlist_length.png", "waits_by_hour.png",
            "fairness.png", "waits_by_source.png", "waitlist", "slot_fill.png", "bumps",
            "status_by_source.png", "patients", "decisions", "slots")  # fmt: skip


def _task(key: str, staging: Path) -> Any:
    """One of :data:`_BY_COST` done on the run's frames (:func:`inherited`): in a helper, or in
    write_run's own process for a task no helper has begun when it needs the result."""
    frames, replications = inherited()
    decisions, patients, slots = frames["decisions"], frames["patients"], frames["slots"]
    if key in ANALYSES:
        return ANALYSES[key](decisions, patients, slots, replications)
    if key in frames:
        return _write_frame(key, staging, frames)
    return draw_figure(key, decisions, patients, slots, max(1, len(replications)))


def _write_frame(kind: str, staging: Path, frames: dict[str, pd.DataFrame]) -> None:
    """The frame ``kind`` as ``KIND.parquet`` in ``staging``."""
    frames[kind].to_parquet(staging / f"{kind}.parquet", index=False)


def write_report(run_dir: str | Path) -> Path:
    """Rebuild the plots and ``report.html`` of a run directory, or of a comparison directory
    (one holding ``comparison.json``: see :mod:`opd_sim.comparison_output`); return the
    report's path.

    Everything is checked before anything is written: the directory must be an earlier run
    (regular files only, never a symlink), its frames must have the run's columns and its JSON
    must be objects of sane depth; else InvalidInput (exit 2). The data files are carried over
    unchanged and the whole directory is swapped in at once. A directory holding
    ``sweep.json`` is a sweep's, rebuilt by :func:`opd_sim.sweep_output.write_sweep_report`.
    """
    run = Path(run_dir)
    if os.path.lexists(run / "comparison.json"):  # a symlink too: refused there, not here
        from opd_sim.comparison_output import write_comparison_report

        return write_comparison_report(run)
    if (run / "sweep.json").is_file():
        from opd_sim.sweep_output import write_sweep_report

        return write_sweep_report(run)
    missing = [name for name in sorted(_REBUILT.required) if not (run / name).is_file()]
    if not run.is_dir() or missing:
        raise InvalidInput(
            f"{run}: not a run output directory (missing {', '.join(missing) or 'the directory'})"
        )
    check_out_dir(run, _REBUILT, label="")
    summary = read_json_object(run / "summary.json")
    has_manifest = (run / "manifest.json").is_file()
    manifest = read_json_object(run / "manifest.json") if has_manifest else {}
    decisions = _read_frame(run / "decisions.parquet", "decisions", DECISION_COLUMNS)
    patients = _read_frame(run / "patients.parquet", "patients", PATIENT_COLUMNS)
    slots = _read_frame(run / "slots.parquet", "slots", SLOT_COLUMNS)
    doctors = _doctors(summary, slots)
    decisions, patients, slots = (with_categories(frame, doctors)
                                  for frame in (decisions, patients, slots))  # fmt: skip
    carried = [name for name in (*RUN_DATA_FILES, *sorted(REPLAY_FILES))
               if (run / name).is_file()]  # fmt: skip
    write_directory(run, _REBUILT,
                    lambda staging: render_report(staging, decisions, patients, slots, summary,
                                                  manifest),
                    carry=carried, label="")  # fmt: skip
    return run / "report.html"


def _doctors(summary: dict[str, Any], slots: pd.DataFrame) -> list[str]:
    """The run's doctors in scenario order: the summary's, then any other the slots name."""
    listed = summary.get("by_doctor")
    doctors = [str(d) for d in listed] if isinstance(listed, dict) else []
    named = pd.unique(slots["doctor_id"].astype(str))
    return doctors + [d for d in named if d not in doctors]


def _cannot_read(path: Path, why: str) -> InvalidInput:
    return InvalidInput(f"{path}: cannot be read ({why})")


def _read_frame(path: Path, kind: str, columns: list[str]) -> pd.DataFrame:
    """A frame of a run directory with the columns the plots use, numbers as numbers."""
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as error:  # truncated Parquet, not Parquet, unreadable
        raise _cannot_read(path, type(error).__name__) from None
    absent = [column for column in columns if column not in frame.columns]
    if absent:
        more = ", ..." if len(absent) > 3 else ""
        raise InvalidInput(f"{path}: not a {kind} frame (missing columns "
                           f"{', '.join(absent[:3])}{more})")  # fmt: skip
    for column in columns:
        values = frame[column]
        if column in _LABELS:  # labels are compared and grouped: make them hashable text
            if not isinstance(values.dtype, pd.CategoricalDtype):
                frame[column] = values.astype(str)
        elif not pd.api.types.is_numeric_dtype(values):
            try:
                frame[column] = pd.to_numeric(values)
            except (TypeError, ValueError):
                raise InvalidInput(f"{path}: column {column} is not numeric") from None
    return frame
