"""Appointment schedules: the Bailey-Welch rule gives exactly the waits it predicts, and the
number of booked patients who show up is Binomial(n, q)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from opd_sim import theory
from opd_sim.scenario import Scenario
from opd_sim.simulation import single_run

from .replicate import CONFIDENCE, interval, replicate, scenario


def test_bailey_welch_waits_are_exact() -> None:
    """Bailey-Welch (two at 09:00, then one per consult): every wait is exactly the rule's."""
    base = scenario("bailey_welch")
    patients = single_run(base).patients.sort_values("consult_start")
    booked = sum(appointment.count for appointment in base.demand.appointments)
    consult = base.doctors[0].consult_minutes.mean_value
    assert len(patients) == booked and (patients["status"] == "COMPLETED").all()
    assert patients["wait_minutes"].tolist() == theory.bailey_welch_waits(booked, consult)
    # the doctor never idles: consultations follow each other from the opening
    starts = patients["consult_start"].to_numpy() - base.sessions[0].open
    assert starts.tolist() == [i * consult for i in range(booked)]


BOOKED, SHOW, DAYS, REPLICATIONS = 20, 0.8, 50, 40


def show_up_scenario() -> Scenario:
    """BOOKED ONLINE tokens into one slot on each of DAYS days; each stays away with 1 - SHOW."""
    return Scenario.model_validate({
        "name": "show-ups", "seed": 2024, "days": DAYS,
        "doctors": [{"id": "solo", "seats_per_slot": None}],
        "demand": {"appointments": [{"doctor": "solo", "day": day, "time": "09:00",
                                     "count": BOOKED} for day in range(DAYS)]},
        "no_show": {"online": {"probability": 1 - SHOW}},
    })  # fmt: skip


def show_ups() -> np.ndarray:
    """Patients who came (were seen), per replication and day: DAYS * REPLICATIONS counts."""
    patients = replicate(show_up_scenario(), REPLICATIONS, seed=2024).patients
    came = patients["status"] == "COMPLETED"
    counts = came.groupby([patients["replication"], patients["day"]]).sum()
    assert len(counts) == DAYS * REPLICATIONS
    assert (patients["status"].astype(str).isin(["COMPLETED", "NO_SHOW"])).all()
    return counts.to_numpy()


def test_show_ups_are_binomial() -> None:
    """Shows of 20 booked at q = 0.8: mean, variance (99 % CIs) and chi-square fit are binomial."""
    counts = show_ups()
    mean, variance = theory.binomial_show_ups(BOOKED, SHOW)
    ci = interval(counts)
    assert ci.half_width < 0.02 * mean, f"CI too wide: {ci}"
    assert ci.holds(mean), f"mean shows {mean} outside {ci}"
    n, s2 = len(counts), counts.var(ddof=1)
    alpha = 1 - CONFIDENCE
    low = (n - 1) * s2 / stats.chi2.ppf(1 - alpha / 2, n - 1)
    high = (n - 1) * s2 / stats.chi2.ppf(alpha / 2, n - 1)
    assert high - low < 0.25 * variance, (low, high)
    assert low <= variance <= high, f"variance {variance} outside [{low:.3f}, {high:.3f}]"
    # goodness of fit, the tails pooled so every expected count is at least 5
    edges = np.arange(BOOKED + 2)
    expected = stats.binom.pmf(edges[:-1], BOOKED, SHOW) * n
    observed = np.bincount(counts, minlength=BOOKED + 1)
    keep = expected >= 5
    first, last = np.argmax(keep), len(keep) - 1 - np.argmax(keep[::-1])
    pooled_expected = np.r_[expected[: first + 1].sum(), expected[first + 1 : last],
                            expected[last:].sum()]  # fmt: skip
    pooled_observed = np.r_[observed[: first + 1].sum(), observed[first + 1 : last],
                            observed[last:].sum()]  # fmt: skip
    _, p_value = stats.chisquare(pooled_observed, pooled_expected)
    assert p_value > alpha, f"chi-square p = {p_value:.4f}"
