"""Patients who leave unseen against Erlang-A (M/M/c+M): exponential patience counted from
arrival, one doctor and three doctors sharing a queue, both at loads of 1 and above.

Each replication gives the share of the patients arriving after the warm-up who left unseen and
the mean wait of all of them (the seen until called in, the others until they left); the
theory value of the exact birth-death chain must lie inside the 99 % t interval of the
replication values, and the interval must be tight.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from opd_sim import theory

from .replicate import Replicated, arrived_in_window, interval, per_replication, replicate, scenario

# replications for a 99 % half-width of about 2 % of each value (about 4 s and 6 s on two cores)
REPLICATIONS = {"erlang_a_c1": 40, "erlang_a_c3": 20}
WAIT_HALF_WIDTH = 0.04  # most the half-width of the mean wait may be, as a share of theory
ABANDON_HALF_WIDTH = 0.01  # most the half-width of P(abandon) may be (absolute)


@functools.cache
def run(name: str) -> Replicated:
    """The replications of one Erlang-A scenario."""
    base = scenario(name)
    return replicate(base, REPLICATIONS[name], seed=base.seed)


def erlang_a(name: str) -> theory.ErlangA:
    """The theory value for a scenario, from its own parameters."""
    base = scenario(name)
    consult = base.doctors[0].consult_minutes.mean_value
    assert all(d.consult_minutes.mean_value == consult for d in base.doctors)
    patience = base.patience_minutes["walkin"]
    assert patience.dist == "exponential"  # Erlang-A's patience; the model checks nothing else
    return theory.erlang_a(base.demand.walkin.per_hour / 60, 1 / consult, 1 / patience.mean,
                           len(base.doctors))  # fmt: skip


def arrivals(name: str) -> pd.DataFrame:
    """Patients arriving after the warm-up, with ``left`` and ``waited``: minutes until called
    in, or until leaving for those who left (their ``wait_minutes`` is NaN)."""
    frame = run(name).patients
    frame = frame[arrived_in_window(frame, scenario(name))]
    left = frame["left_at"].notna()
    # every arrival ends seen or gone: a third outcome would bias both numbers
    assert ((frame["status"] == "LEFT") == left).all()
    assert (frame.loc[~left, "status"] == "COMPLETED").all()
    until = frame["left_at"].where(left, frame["consult_start"])
    return frame.assign(left=left, waited=until - frame["arrived_at"])


#: one doctor, and three sharing a queue (the longer run, marked slow)
SCENARIOS = ["erlang_a_c1", pytest.param("erlang_a_c3", marks=pytest.mark.slow)]


@pytest.mark.parametrize("name", SCENARIOS)
def test_probability_of_leaving_unseen(name: str) -> None:
    """P(abandon) = theta E[Lq] / lambda lies in the 99 % CI of the share who left unseen."""
    frame = arrivals(name)
    ci = interval(per_replication(frame, lambda g: g["left"].mean(), REPLICATIONS[name]))
    expected = erlang_a(name).abandonment
    assert ci.half_width < ABANDON_HALF_WIDTH, f"CI too wide: {ci}"
    assert ci.holds(expected), f"{name}: P(abandon)={expected:.4f} outside {ci}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_mean_wait_of_all_arrivals(name: str) -> None:
    """The mean wait of every arrival, seen or not, W = E[Lq] / lambda lies in the 99 % CI."""
    frame = arrivals(name)
    ci = interval(per_replication(frame, lambda g: g["waited"].mean(), REPLICATIONS[name]))
    expected = erlang_a(name).mean_wait
    assert ci.half_width < WAIT_HALF_WIDTH * expected, f"CI too wide: {ci}"
    assert ci.holds(expected), f"{name}: W={expected:.4f} outside {ci}"


def test_the_summary_counts_the_patients_who_left() -> None:
    """The summary's left_unseen (whole run) counts the frame's leavers, rate over arrivals;
    the seen keep their waits, the others none."""
    result = run("erlang_a_c1")
    frame = result.patients
    left = frame["left_at"].notna()
    for r, summary in enumerate(result.summaries):
        mine = frame["replication"] == r
        counted = summary["left_unseen"]
        assert counted["n"] == counted["by_source"]["WALKIN"]["n"] == int((left & mine).sum())
        assert counted["rate"] == pytest.approx(counted["n"] / int(mine.sum()))
    assert frame.loc[left, "wait_minutes"].isna().all()
    assert frame.loc[left, "consult_start"].isna().all()
    assert (frame.loc[left, "left_at"] > frame.loc[left, "arrived_at"]).all()
    assert np.isfinite(frame.loc[~left, "wait_minutes"]).all()
