"""The textbook scenario against M/M/1 theory, with tolerances from confidence intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from opd_sim.analysis import t_quantile_975
from opd_sim.simulation import multiple_replications

from .conftest import shipped

REPLICATIONS = 300


def _ratio_ci(totals: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """Pooled mean sum(totals) / sum(counts) over replications and the half-width of its 95 %
    interval (ratio estimator, delta method): replications are the independent units."""
    estimate = totals.sum() / counts.sum()
    residuals = totals - estimate * counts
    r = len(totals)
    se = math.sqrt((residuals**2).sum() / (r - 1) / r) / counts.mean()
    return float(estimate), t_quantile_975(r - 1) * se


@pytest.fixture(scope="module")
def measured():
    """Waits of every patient arriving after the warm-up, per replication."""
    scenario = shipped("textbook_mm1")
    result = multiple_replications(scenario, REPLICATIONS, seed=2024)
    patients = result.patients
    first_open = scenario.sessions[0].open
    late = patients[patients["arrived_at"] - first_open >= scenario.steady_state.warmup_minutes]
    return late.groupby("replication")["wait_minutes"]


def _theory():
    scenario = shipped("textbook_mm1")
    lam = scenario.demand.walkin.per_hour / 60  # arrivals a minute
    mu = 1 / scenario.doctors[0].consult_minutes.mean_value  # consultations a minute
    return lam, mu, lam / mu


@pytest.mark.slow
def test_mean_wait_matches_mm1(measured):
    """Mean wait lies within the 95 % CI of Wq = rho / (mu - lambda) (9 minutes here)."""
    lam, mu, rho = _theory()
    wq = rho / (mu - lam)
    estimate, half = _ratio_ci(measured.sum().to_numpy(), measured.count().to_numpy())
    assert half < 0.1 * wq, "too few replications for a meaningful check"
    assert abs(estimate - wq) <= half, (estimate, half, wq)


@pytest.mark.slow
def test_probability_of_waiting_matches_mm1(measured):
    """The share of patients who wait at all lies within the 95 % CI of rho (PASTA)."""
    _, _, rho = _theory()
    waited = measured.apply(lambda w: (w > 0).sum()).to_numpy().astype(float)
    estimate, half = _ratio_ci(waited, measured.count().to_numpy())
    assert half < 0.05
    assert abs(estimate - rho) <= half, (estimate, half, rho)
