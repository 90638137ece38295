"""What produced a run: seed, scenario file and its hash, policy, package versions, timing."""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from opd_sim.simulation.runs import RunResult

__all__ = ["VERSIONED_PACKAGES", "file_sha256", "manifest", "package_versions"]

VERSIONED_PACKAGES = ("opd-sim", "simpy", "numpy", "pandas", "pyarrow")


def package_versions() -> dict[str, str | None]:
    """The installed version of each of :data:`VERSIONED_PACKAGES` (None: not installed)."""
    versions: dict[str, str | None] = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, in hex (what a manifest records of a scenario file)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def manifest(result: RunResult, scenario_path: str | Path | None = None,
             scenario_sha256: str | None = None) -> dict[str, Any]:  # fmt: skip
    """What produced a run: seed, scenario hash, policy, replications, package versions.

    The policy is named by the policy object the run used (its ``name``, parameters and
    ``str()``), which may differ from the scenario's own ``policy:`` entry. Give
    ``scenario_sha256`` of the bytes the scenario was parsed from (``read_scenario`` has it);
    without it the file is read again, which a pipe (``/dev/stdin``) cannot be.
    """
    digest = scenario_sha256
    if digest is None and scenario_path is not None:
        digest = file_sha256(scenario_path)
    return {
        "scenario": result.scenario.name,
        "scenario_file": None if scenario_path is None else str(scenario_path),
        "scenario_sha256": digest,
        "seed": result.seed,
        "replications": result.replications,
        "policy": {
            "name": result.policy_name,
            "params": dict(result.policy_params),
            "description": result.policy,
        },
        "versions": package_versions(),
        "python": platform.python_version(),
        "elapsed_seconds": round(result.elapsed_seconds, 3),
        "decisions": result.decision_count,
    }
