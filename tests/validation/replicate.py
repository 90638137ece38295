"""Replications for the validation tests: run on two processes, combined in replication order.

Replication ``r`` of a seed is the same in whichever process it runs (each has its own child
seed sequence), so splitting the replications into contiguous chunks and concatenating the
chunks in order gives exactly the result of one serial ``multiple_replications`` call.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from opd_sim.scenario import Scenario, load_scenario
from opd_sim.simulation import multiple_replications

SCENARIOS = Path(__file__).parent / "scenarios"
WORKERS = min(2, os.cpu_count() or 1)
CONFIDENCE = 0.99  # per check; see docs/validation.md for why 99 % rather than 95 %


def scenario(name: str, **changes: Any) -> Scenario:
    """A validation scenario file, with top-level ``changes`` re-validated."""
    loaded = load_scenario(SCENARIOS / f"{name}.yaml")
    return Scenario.model_validate({**loaded.model_dump(), **changes}) if changes else loaded


@dataclass(frozen=True)
class Replicated:
    """Per-replication summaries and the stacked patients frame of a run."""

    summaries: list[dict[str, Any]]
    patients: pd.DataFrame
    decisions: pd.DataFrame


def _chunk(scenario: Scenario, seed: int, first: int, count: int) -> Replicated:
    result = multiple_replications(scenario, count, seed=seed, first=first)
    summaries = result.summary.get("per_replication", [result.summary])
    return Replicated(summaries, result.patients, result.decisions)


def replicate(scenario: Scenario, replications: int, seed: int,
              workers: int = WORKERS) -> Replicated:  # fmt: skip
    """Replications 0..R-1 at ``seed``, split over ``workers`` processes in contiguous chunks."""
    size = math.ceil(replications / workers)
    bounds = [(first, min(size, replications - first)) for first in range(0, replications, size)]
    if len(bounds) == 1:
        parts = [_chunk(scenario, seed, 0, replications)]
    else:
        with ProcessPoolExecutor(len(bounds)) as pool:
            parts = list(pool.map(_chunk, *zip(*[(scenario, seed, f, c) for f, c in bounds],
                                                strict=True)))  # fmt: skip
    return Replicated(
        [s for part in parts for s in part.summaries],
        pd.concat([part.patients for part in parts], ignore_index=True),
        pd.concat([part.decisions for part in parts], ignore_index=True),
    )


@dataclass(frozen=True)
class Interval:
    """A t interval for the mean of independent replication values."""

    mean: float
    half_width: float
    replications: int

    @property
    def low(self) -> float:
        """Lower end."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end."""
        return self.mean + self.half_width

    def holds(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval."""
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return (f"{self.mean:.4g} ± {self.half_width:.3g} ({CONFIDENCE:.0%} CI, "
                f"{self.replications} replications)")  # fmt: skip


def interval(values: Any, confidence: float = CONFIDENCE) -> Interval:
    """The two-sided t interval for the mean of ``values`` (one value per replication)."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    r = len(data)
    t = stats.t.ppf(0.5 + confidence / 2, r - 1)
    return Interval(float(data.mean()), float(t * data.std(ddof=1) / math.sqrt(r)), r)


def arrived_in_window(frame: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Whether each patient arrived after the warm-up and before the cool-down of their day
    (the steady-state mode's rule); False for patients who never came."""
    sessions = sorted((s.open, s.close) for s in scenario.sessions)
    steady = scenario.steady_state
    warmup, cooldown = (steady.warmup_minutes, steady.cooldown_minutes) if steady else (0, 0)
    minute = frame["arrived_at"] - frame["day"] * 1440
    return (minute - sessions[0][0] >= warmup) & (sessions[-1][1] - minute > cooldown)


def measured(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The patients the steady-state mode counts: seen, having arrived after the warm-up and
    before the cool-down of their day (the same rule as the summary's waits)."""
    return frame[arrived_in_window(frame, scenario) & frame["wait_minutes"].notna()]


def with_demand(base: Scenario, **demand: Any) -> Scenario:
    """``base`` with some of its demand replaced (re-validated)."""
    tree = base.model_dump()
    return Scenario.model_validate({**tree, "demand": {**tree["demand"], **demand}})


def per_replication(frame: pd.DataFrame, how: Any, replications: int) -> np.ndarray:
    """``how(group)`` for each replication's rows of ``frame``, NaN where a replication has none."""
    values = frame.groupby("replication").apply(how, include_groups=False)
    return values.reindex(range(replications)).to_numpy(dtype=float)


def time_average_waiting(frame: pd.DataFrame, start: float, end: float,
                         replications: int) -> np.ndarray:  # fmt: skip
    """Per replication, the time-average number of patients waiting (arrived, not yet called)
    over [start, end): each patient's waiting interval clipped to the window, summed."""
    called = frame["consult_start"].to_numpy()
    arrived = frame["arrived_at"].to_numpy()
    overlap = np.clip(np.minimum(called, end) - np.maximum(arrived, start), 0.0, None)
    totals = pd.Series(overlap).groupby(frame["replication"].to_numpy()).sum()
    return totals.reindex(range(replications), fill_value=0.0).to_numpy() / (end - start)


def busy_share(frame: pd.DataFrame, start: float, end: float, doctors: int = 1) -> np.ndarray:
    """Per replication, the share of [start, end) the doctors spent consulting (consultations
    clipped to the window), averaged over ``doctors``."""
    ends = np.minimum(frame["consult_end"], end)
    busy = np.clip(ends - np.maximum(frame["consult_start"], start), 0.0, None)
    return busy.groupby(frame["replication"]).sum().to_numpy() / (end - start) / doctors
