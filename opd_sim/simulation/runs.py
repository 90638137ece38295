"""Experiments as plain functions: one replication, several, and writing a run's files.

``single_run`` and ``multiple_replications`` return a :class:`RunResult` (frames and summary);
``write_run`` puts it on disk atomically (a temporary directory beside the target, renamed).
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.errors import InvalidInput
from opd_sim.scenario import Scenario
from opd_sim.simulation.frames import decisions_frame, patients_frame
from opd_sim.simulation.opd import Opd
from opd_sim.simulation.streams import child, replication_seeds
from opd_sim.simulation.summary import aggregate, summarize

__all__ = [
    "RUN_FILES",
    "RunFiles",
    "RunResult",
    "check_out_dir",
    "json_ready",
    "manifest",
    "multiple_replications",
    "read_run",
    "run_replication",
    "single_run",
    "summary_json",
    "write_run",
]

VERSIONED_PACKAGES = ("opd-sim", "simpy", "numpy", "pandas", "pyarrow")


@dataclass(slots=True)
class RunResult:
    """What a run produced: the frames of every replication and the (aggregated) summary."""

    scenario: Scenario
    seed: int
    replications: int
    policy: str
    decisions: pd.DataFrame
    patients: pd.DataFrame
    summary: dict[str, Any]
    elapsed_seconds: float = 0.0
    decision_count: int = 0


Replication = tuple[Opd, pd.DataFrame, pd.DataFrame, dict[str, Any]]


def _simulate(scenario: Scenario, sequence: np.random.SeedSequence, replication: int
              ) -> Replication:  # fmt: skip
    opd = Opd(scenario, sequence).run()
    unfinished = opd.unfinished()
    if unfinished:  # every token must end CANCELLED, NO_SHOW, COMPLETED or EXPIRED
        raise RuntimeError(f"tokens left unfinished after the run: {unfinished[:10]}")
    decisions = decisions_frame(opd, replication)
    patients = patients_frame(opd, replication)
    steady = scenario.steady_state
    warmup, cooldown = (steady.warmup_minutes, steady.cooldown_minutes) if steady else (0.0, 0.0)
    return opd, decisions, patients, summarize(opd, decisions, patients, warmup, cooldown)


def _without_opd(replication: Replication) -> tuple[Any, ...]:
    opd, decisions, patients, summary = replication
    return decisions, patients, summary, opd.policy_description, opd.decision_count


def run_replication(scenario: Scenario, seed: int, replication: int
                    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], str, int]:  # fmt: skip
    """One replication from nothing but picklable inputs (what a worker process is sent):
    its decisions and patients frames, summary, policy description and decision count."""
    sequence = child(np.random.SeedSequence(seed), replication)
    return _without_opd(_simulate(scenario, sequence, replication))  # type: ignore[return-value]


def single_run(scenario: Scenario, seed: int | None = None, replication: int = 0) -> RunResult:
    """Replication ``replication`` of the scenario at ``seed`` (default: the scenario's seed)."""
    return multiple_replications(scenario, 1, seed=seed, first=replication)


def multiple_replications(
    scenario: Scenario,
    replications: int,
    seed: int | None = None,
    first: int = 0,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Replications ``first .. first + replications - 1``, each on its own spawned seed sequence.

    Frames are concatenated with a ``replication`` column; the summary holds the mean of every
    number with a 95 % t interval when there is more than one replication. With an
    ``executor`` (see :func:`opd_sim.experiments.open_executor`) replications run there; the
    results are identical, as each replication's streams depend only on the seed and its index.
    """
    if replications < 1:
        raise ValueError("replications must be 1 or more")
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    decisions, patients, summaries = [], [], []
    count = 0
    policy = ""
    indices: Iterable[int] = range(first, first + replications)
    if executor is None:
        sequences = replication_seeds(seed, first + replications)
        results: Iterable[Any] = (
            _without_opd(_simulate(scenario, sequences[r], r)) for r in indices
        )
    else:
        futures = [executor.submit(run_replication, scenario, seed, r) for r in indices]
        results = (future.result() for future in futures)
    ticks = progress(range(replications)) if progress else range(replications)
    for _tick, (d, p, s, label, n) in zip(ticks, results, strict=False):
        policy = label  # every replication describes the same policy
        count += n
        decisions.append(d)
        patients.append(p)
        summaries.append(s)
    summary = {
        "scenario": scenario.name,
        "policy": policy,
        "seed": seed,
        "replications": replications,
        "days": scenario.days,
        **aggregate(summaries),
    }
    return RunResult(
        scenario=scenario, seed=seed, replications=replications, policy=policy,
        decisions=pd.concat(decisions, ignore_index=True),
        patients=pd.concat(patients, ignore_index=True),
        summary=summary, elapsed_seconds=time.perf_counter() - started, decision_count=count,
    )  # fmt: skip


def json_ready(value: Any) -> Any:
    """``value`` with numpy numbers as plain ones, NaN as None and keys as text."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def summary_json(summary: dict[str, Any]) -> str:
    """The summary as indented JSON (NaN as null)."""
    return json.dumps(json_ready(summary), indent=2, allow_nan=False) + "\n"


def manifest(result: RunResult, scenario_path: str | Path | None = None,
             scenario_sha256: str | None = None) -> dict[str, Any]:  # fmt: skip
    """What produced a run: seed, scenario hash, policy, replications, package versions.

    Give ``scenario_sha256`` of the bytes the scenario was parsed from (``read_scenario`` has
    it); without it the file is read again, which a pipe (``/dev/stdin``) cannot be.
    """
    import hashlib

    digest = scenario_sha256
    if digest is None and scenario_path is not None:
        digest = hashlib.sha256(Path(scenario_path).read_bytes()).hexdigest()
    versions: dict[str, str | None] = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "scenario": result.scenario.name,
        "scenario_file": None if scenario_path is None else str(scenario_path),
        "scenario_sha256": digest,
        "seed": result.seed,
        "replications": result.replications,
        "policy": {
            "name": result.scenario.policy.name,
            "params": dict(result.scenario.policy.params),
            "description": result.policy,
        },
        "versions": versions,
        "python": platform.python_version(),
        "elapsed_seconds": round(result.elapsed_seconds, 3),
        "decisions": result.decision_count,
    }


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
            from opd_sim.reporting import render_report

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


@dataclass(slots=True)
class RunFiles:
    """A run read back from its directory."""

    decisions: pd.DataFrame
    patients: pd.DataFrame
    summary: dict[str, Any]
    manifest: dict[str, Any]


def read_run(directory: str | Path) -> RunFiles:
    """Read the four files ``write_run`` wrote, with the frames' dtypes exactly as simulated.

    Parquet keeps categoricals, but not the categories of an empty column (a run without a
    single token); they are restored here from the fixed lists and the summary's doctors.
    """
    from opd_sim.simulation.frames import KIND_CATEGORIES, SOURCE_CATEGORIES, STATUS_CATEGORIES

    folder = Path(directory)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    doctors = list(summary["by_doctor"])
    categories = {"kind": KIND_CATEGORIES, "source": SOURCE_CATEGORIES,
                  "status": STATUS_CATEGORIES, "doctor_id": doctors}  # fmt: skip
    frames = []
    for name in ("decisions", "patients"):
        frame = pd.read_parquet(folder / f"{name}.parquet")
        for column, values in categories.items():
            if column in frame.columns:
                frame[column] = pd.Categorical(frame[column].astype(object), categories=values)
        frames.append(frame)
    return RunFiles(
        decisions=frames[0], patients=frames[1], summary=summary,
        manifest=json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
    )  # fmt: skip
