"""Shared helpers for the simulator tests: the shipped scenarios and cached runs of them."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from opd_sim.scenario import Scenario, load_scenario
from opd_sim.simulation import RunResult, multiple_replications

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
SHIPPED = sorted(path.stem for path in SCENARIOS.glob("*.yaml"))


@functools.cache
def shipped(name: str) -> Scenario:
    """A shipped scenario, loaded once."""
    return load_scenario(SCENARIOS / f"{name}.yaml")


@functools.cache
def shipped_run(name: str, seed: int | None = None, replications: int = 1) -> RunResult:
    """A run of a shipped scenario, cached for the session (treat it as read-only)."""
    return multiple_replications(shipped(name), replications, seed=seed)


@pytest.fixture(params=SHIPPED)
def scenario_name(request: pytest.FixtureRequest) -> str:
    """Each shipped scenario's name in turn."""
    return request.param
