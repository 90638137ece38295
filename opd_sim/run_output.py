"""A run's output directory: frames, summary and manifest, then plots and report.html.

This is where simulation and reporting meet: the simulator itself never imports the reporting.
``write_run`` puts a run on disk atomically (a temporary directory beside the target, renamed).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from opd_sim.errors import InvalidInput
from opd_sim.jsonable import json_ready, summary_json
from opd_sim.reporting import render_report
from opd_sim.simulation.runs import RunResult

__all__ = ["RUN_FILES", "check_out_dir", "write_run"]


def write_run(
    result: RunResult, out_dir: str | Path, manifest_data: dict[str, Any], report: bool = True
) -> Path:
    """Write decisions.parquet, patients.parquet, summary.json and manifest.json to ``out_dir``,
    and unless ``report`` is false the plots (PNG) and ``report.html``.

    The files are written into a temporary directory beside ``out_dir`` and renamed into place,
    so a failure leaves either the old directory or nothing, never half a run.
    """
    out = check_out_dir(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as error:
        raise InvalidInput(f"--out {out}: cannot write there: {error.strerror}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp's 0700 would hide results from colleagues
    try:
        result.decisions.to_parquet(staging / "decisions.parquet", index=False)
        result.patients.to_parquet(staging / "patients.parquet", index=False)
        (staging / "summary.json").write_text(summary_json(result.summary), encoding="utf-8")
        (staging / "manifest.json").write_text(
            json.dumps(json_ready(manifest_data), indent=2) + "\n", encoding="utf-8"
        )
        if report:
            render_report(staging, result.decisions, result.patients,
                          json_ready(result.summary), json_ready(manifest_data))  # fmt: skip
        if out.exists():  # an earlier run's directory (check_out_dir said so): swap it out
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / out.name)
            try:
                os.replace(staging, out)
            except OSError:
                os.replace(old / out.name, out)  # put the earlier run back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise InvalidInput(f"--out {out}: cannot write there: {error.strerror}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


#: Every file ``write_run`` may put in a run directory: what a rerun may replace.
RUN_FILES = frozenset({
    "decisions.parquet", "patients.parquet", "summary.json", "manifest.json", "report.html",
    "waits_by_source.png", "waits_by_hour.png", "status_by_source.png", "decisions_by_kind.png",
    "slot_fill.png",
})  # fmt: skip


def check_out_dir(out_dir: str | Path, own_files: frozenset[str] = RUN_FILES) -> Path:
    """``out_dir`` if output may be written there, else InvalidInput (exit 2), before any work.

    The directory must be new, empty, or hold only ``own_files`` (an earlier output of the same
    command, which is replaced): never anything else, which replacing it would delete.
    """
    out = Path(out_dir).absolute()
    if out.exists():
        if not out.is_dir():
            raise InvalidInput(f"--out {out_dir} exists and is not a directory")
        others = sorted(p.name for p in out.iterdir() if p.name not in own_files)
        if others:
            raise InvalidInput(
                f"--out {out_dir} holds files this command did not write ({', '.join(others[:3])}"
                f"{', ...' if len(others) > 3 else ''}); give a new or empty directory"
            )
        if out == Path.cwd():
            raise InvalidInput(f"--out {out_dir} is the working directory; give a subdirectory")
    for parent in out.parents:  # the nearest existing ancestor must be a directory
        if parent.exists():
            if not parent.is_dir():
                raise InvalidInput(f"--out {out_dir}: {parent} is not a directory")
            break
    return out
