"""Shared helpers for the analysis tests: real runs of scenarios with all three frames."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from opd_sim.scenario import Scenario
from opd_sim.simulation import (
    Opd,
    decisions_frame,
    patients_frame,
    replication_seeds,
    slots_frame,
    summarize,
)
from tests.simulation.conftest import SCENARIOS, SHIPPED, shipped


@dataclass(frozen=True)
class Frames:
    """The three frames of a run (replications stacked) and each replication's summary."""

    decisions: pd.DataFrame
    patients: pd.DataFrame
    slots: pd.DataFrame
    summaries: list[dict[str, Any]]


def run_frames(scenario: Scenario, seed: int | None = None, replications: int = 1) -> Frames:
    """Replications 0..R-1 of ``scenario`` at ``seed`` (default: its own), as the runs do."""
    seed = scenario.seed if seed is None else seed
    sequences = replication_seeds(seed, replications)
    steady = scenario.steady_state
    warmup, cooldown = (steady.warmup_minutes, steady.cooldown_minutes) if steady else (0.0, 0.0)
    parts: list[tuple[pd.DataFrame, ...]] = []
    summaries = []
    for r in range(replications):
        opd = Opd(scenario, sequences[r]).run()
        decisions, patients = decisions_frame(opd, r), patients_frame(opd, r)
        parts.append((decisions, patients, slots_frame(opd, r)))
        summaries.append(summarize(opd, decisions, patients, warmup, cooldown))
    d, p, s = (pd.concat(frames, ignore_index=True) for frames in zip(*parts, strict=True))
    return Frames(d, p, s, summaries)


@functools.cache
def shipped_frames(name: str, seed: int | None = None, replications: int = 1) -> Frames:
    """A run of a shipped scenario, cached for the session (treat it as read-only)."""
    return run_frames(shipped(name), seed, replications)


@functools.cache
def realistic_district() -> Scenario:
    """The shipped district hospital (rosters, late doctors, patience, waitlist expiry) under
    ``bump-cap``, with online tokens valid on the waitlist for two days instead of seven: at
    its seed, two replications see every final status, patients leaving unseen from a seat and
    from the waitlist, both expiries (at day end and past the waitlist expiry) and bumps.
    Read from the file as data, so its own policy need not be known here."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(SCENARIOS / "district_hospital.yaml")
    data["policy"] = {"name": "bump-cap", "params": {"max_bumps": 1}}
    data["waitlist_expiry_minutes"]["online"] = 2 * 24 * 60
    return Scenario.model_validate(data)


@functools.cache
def realistic_frames(replications: int = 2) -> Frames:
    """A run of :func:`realistic_district`, cached for the session (treat it as read-only)."""
    return run_frames(realistic_district(), replications=replications)


def variant(name: str, **changes: Any) -> Scenario:
    """A shipped scenario with top-level ``changes``, validated again."""
    return Scenario.model_validate({**shipped(name).model_dump(), **changes})


@pytest.fixture(params=SHIPPED)
def scenario_name(request: pytest.FixtureRequest) -> str:
    """Each shipped scenario's name in turn."""
    return request.param
