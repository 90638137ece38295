"""A comparison's output directory: the tidy frame, the statistics, the plots and report.html.

``write_comparison`` writes what ``opd-sim compare --out`` produced and ``write_comparison_report``
rebuilds the plots and report of one read back from disk (``opd-sim report DIR``); both go
through the one atomic writer, :mod:`opd_sim.outputs`. The report is drawn from
``comparison.json`` alone, which is checked field by field first, so a damaged directory is one
clear line (exit 2), never a traceback or half a report.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

from opd_sim.errors import InvalidInput
from opd_sim.experiments.comparison import STATISTICS, Comparison
from opd_sim.jsonable import json_ready, read_json_object
from opd_sim.outputs import OwnedFiles, check_out_dir, write_directory
from opd_sim.reporting.comparison_report import COMPARISON_REPORT_FILES, render_comparison_report

__all__ = [
    "COMPARISON_DATA_FILES",
    "COMPARISON_OUTPUT",
    "FRAME_COLUMNS",
    "comparison_document",
    "read_comparison_json",
    "write_comparison",
    "write_comparison_report",
]

#: The data files of a comparison directory (a rebuilt report carries them over unchanged).
COMPARISON_DATA_FILES = ("comparison.json", "comparison.parquet")
#: What `opd-sim compare --out` owns: the data files, always both, and the report's files.
COMPARISON_OUTPUT = OwnedFiles(
    frozenset(COMPARISON_DATA_FILES) | COMPARISON_REPORT_FILES,
    frozenset(COMPARISON_DATA_FILES),
    hint="give a new or empty directory, or one `opd-sim compare` wrote",
)
# What `opd-sim report` needs of a comparison directory it rebuilds.
_REBUILT = OwnedFiles(COMPARISON_OUTPUT.names, COMPARISON_OUTPUT.required,
                      hint="give a directory exactly as `opd-sim compare` wrote it")  # fmt: skip
#: The columns of comparison.parquet, in order.
FRAME_COLUMNS = ("policy", "replication", "metric", "source", "value")


def comparison_document(comparison: Comparison,
                        scenario_path: str | Path | None = None) -> dict[str, Any]:  # fmt: skip
    """What comparison.json holds (and ``compare --json`` prints): the comparison's statistics
    and its provenance (scenario file and hash, package versions, time taken)."""
    from opd_sim.simulation.provenance import file_sha256, package_versions

    return json_ready({
        **comparison.to_json(),
        "provenance": {
            "scenario_file": None if scenario_path is None else str(scenario_path),
            "scenario_sha256": None if scenario_path is None else file_sha256(scenario_path),
            "versions": package_versions(),
            "python": platform.python_version(),
            "elapsed_seconds": round(comparison.elapsed_seconds, 3),
            "decisions": comparison.decisions,
        },
    })  # fmt: skip


def write_comparison(comparison: Comparison, document: dict[str, Any],
                     out_dir: str | Path, report: bool = True) -> Path:  # fmt: skip
    """Write comparison.parquet, comparison.json (``document``, see
    :func:`comparison_document`) and, unless ``report`` is false, the plots and report.html
    to ``out_dir``, swapped in whole; return the directory."""

    def fill(staging: Path) -> None:
        comparison.per_replication.to_parquet(staging / "comparison.parquet", index=False)
        (staging / "comparison.json").write_text(
            json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        if report:
            render_comparison_report(staging, document)

    return write_directory(out_dir, COMPARISON_OUTPUT, fill)


def write_comparison_report(directory: str | Path) -> Path:
    """Rebuild the plots and ``report.html`` of a comparison directory; return the report's
    path.

    Everything is checked before anything is written: the directory must be an earlier
    comparison (regular files only), comparison.json a comparison document and
    comparison.parquet a Parquet file with the comparison's columns; else InvalidInput (exit 2)
    and nothing is changed.
    """
    folder = Path(directory)
    check_out_dir(folder, _REBUILT, label="")  # foreign files, symlinks, a missing data file
    document = read_comparison_json(folder / "comparison.json")
    _check_frame(folder / "comparison.parquet")
    write_directory(folder, _REBUILT,
                    lambda staging: render_comparison_report(staging, document),
                    carry=COMPARISON_DATA_FILES, label="")  # fmt: skip
    return folder / "report.html"


def _check_frame(path: Path) -> None:
    """The Parquet file's schema (its footer only: the frame may be large) names our columns."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except (OSError, ValueError) as error:  # truncated, not Parquet, unreadable
        raise InvalidInput(f"{path}: cannot be read ({type(error).__name__})") from None
    absent = [column for column in FRAME_COLUMNS if column not in names]
    if absent:
        raise InvalidInput(f"{path}: not a comparison frame (missing columns "
                           f"{', '.join(absent)})")  # fmt: skip


def read_comparison_json(path: Path) -> dict[str, Any]:
    """comparison.json checked to be a comparison document: every field the report reads, of
    the type it reads; else InvalidInput naming the file and the first field that is wrong."""
    document = read_json_object(path)
    problem = _problem(document)
    if problem:
        raise InvalidInput(f"{path}: not a comparison ({problem})")
    return document


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _problem(document: dict[str, Any]) -> str:
    """The first thing wrong with a comparison document, or ""."""
    for key, kind in (("scenario", str), ("seed", int), ("replications", int),
                      ("baseline", str), ("policies", list), ("metrics", list),
                      ("by_source", list)):  # fmt: skip
        if not isinstance(document.get(key), kind) or isinstance(document.get(key), bool):
            return f"{key} is missing or not a {kind.__name__}"
    policies = document["policies"]
    if not policies or not all(isinstance(p, str) for p in policies):
        return "policies must be a list of names"
    if len(set(policies)) != len(policies) or policies[0] != document["baseline"]:
        return "policies must be distinct, the baseline first"
    if document["replications"] < 1:
        return "replications must be 1 or more"
    for key in ("days", "doctors"):
        if document.get(key) is not None and not _is_number(document[key]):
            return f"{key} is not a number"
    for key in ("policy_summaries", "provenance"):
        if document.get(key) is not None and not isinstance(document[key], dict):
            return f"{key} is not an object"
    provenance = document.get("provenance") or {}
    if not isinstance(provenance.get("versions") or {}, dict):
        return "provenance.versions is not an object"
    for key in ("metrics", "by_source"):
        for i, record in enumerate(document[key]):
            wrong = _record_problem(record, set(policies), key == "by_source")
            if wrong:
                return f"{key}[{i}]: {wrong}"
    return ""


def _record_problem(record: Any, policies: set[str], by_source: bool) -> str:
    if not isinstance(record, dict):
        return "not an object"
    names = ("metric", "source") if by_source else ("metric",)
    if not all(isinstance(record.get(name), str) for name in names):
        return f"{' and '.join(names)} must be text"
    if record.get("policy") not in policies:
        return "policy is not one of the policies"
    for key in STATISTICS:
        value = record.get(key)
        if key == "differs":
            if not isinstance(value, bool):
                return "differs must be true or false"
        elif value is not None and not _is_number(value):
            return f"{key} is not a number"
    return ""
