"""An exported run directory: a booking store's history as the simulator's data files.

``write_export`` writes ``decisions.parquet``, ``patients.parquet``, ``slots.parquet``,
``summary.json`` and ``manifest.json`` (the files of :data:`RUN_DATA_FILES`) through the one
atomic writer, :mod:`opd_sim.outputs`, so the directory reads like a run's:
``opd-sim report DIR`` draws its report, ``opd_sim.simulation.read_run(DIR)`` reads it back
with the simulator's dtypes. A directory may be an earlier export or run (the same files), and
is replaced whole or not at all.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opd_sim.history import History, history_frames, history_summary
from opd_sim.jsonable import json_ready, summary_json
from opd_sim.outputs import write_directory
from opd_sim.run_output import RUN_OUTPUT
from opd_sim.simulation.provenance import package_versions

__all__ = ["export_manifest", "write_export", "write_history_files"]

_FRAMES = ("decisions", "patients", "slots")


def export_manifest(history: History, store: str | Path) -> dict[str, Any]:
    """What was exported: the store's path and schema version, when, how many of each record,
    and the doctors' names by id (the frames name doctors by id)."""
    return {
        "exported_from": "booking store",
        "store": str(Path(store).resolve()),
        "store_schema_version": history.schema_version,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": {
            "doctors": len(history.doctors),
            "slots": len(history.slots),
            "tokens": len(history.tokens),
            "decisions": len(history.decisions),
        },
        "doctors": {str(d.id): d.name for d in sorted(history.doctors, key=lambda d: d.id)},
        "versions": package_versions(),
        "python": platform.python_version(),
        "decisions": len(history.decisions),  # as a run's manifest counts its engine decisions
    }


def write_export(history: History, out_dir: str | Path, store: str | Path
                 ) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """Write ``history`` (read from ``store``) to ``out_dir`` as a run's data files; return
    the summary and the manifest written. ``out_dir`` must be new, empty or an earlier run or
    export (else InvalidInput, exit 2, and nothing is written)."""
    manifest = export_manifest(history, store)
    written: dict[str, Any] = {}

    def fill(staging: Path) -> None:
        written.update(write_history_files(staging, history, manifest))

    write_directory(out_dir, RUN_OUTPUT, fill)
    return written, manifest


def write_history_files(folder: Path, history: History,
                        manifest: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """Write ``history`` into ``folder`` (a staging directory) as a run's data files, with
    ``manifest``; return the summary written. ``opd-sim replay --out`` writes each replay so."""
    frames = history_frames(history)
    summary = history_summary(history, frames)
    for name, frame in zip(_FRAMES, frames, strict=True):
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    (folder / "summary.json").write_text(summary_json(summary), encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps(json_ready(manifest), indent=2) + "\n", encoding="utf-8"
    )
    return summary
