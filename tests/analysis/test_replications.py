"""Replication statistics: t quantiles, intervals, summaries combined, frames taken apart."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import opd_sim.simulation
import opd_sim.simulation.summary
from opd_sim.analysis import (
    aggregate,
    ci95,
    format_count,
    format_mean,
    mean_ci,
    per_replication,
    t_quantile_975,
    waits_by_source,
)

from .conftest import shipped_frames


@pytest.mark.parametrize("df", [1, 2, 3, 5, 10, 29, 30, 31, 40, 60, 99, 100, 299, 1000])
def test_t_quantile_matches_scipy(df):
    """The built-in 97.5 % t quantile agrees with scipy to 1e-4 (no scipy needed at run time)."""
    assert t_quantile_975(df) == pytest.approx(stats.t.ppf(0.975, df), abs=1e-4)


def test_mean_ci_is_the_t_interval():
    """mean_ci gives the mean and the t-based 95 % interval; None without two values."""
    values = [3.0, 5.0, 4.0, 8.0]
    mean, low, high = mean_ci(values)
    expected = stats.t.interval(0.95, len(values) - 1, loc=5.0, scale=stats.sem(values))
    assert mean == 5.0 and (low, high) == pytest.approx(expected)
    assert mean_ci([1.0]) is None and mean_ci([1.0, None, math.nan]) is None


def test_the_simulator_has_no_copy_of_the_statistics():
    """The simulator's summary and package hand out this module's functions, not copies."""
    for module in (opd_sim.simulation, opd_sim.simulation.summary):
        assert module.aggregate is aggregate and module.mean_ci is mean_ci
    assert opd_sim.simulation.summary.t_quantile_975 is t_quantile_975


def test_aggregate_skips_missing_values_and_never_shows_a_count_below_zero():
    """A number missing in some replications is averaged over the others; the low end of the
    interval of a quantity that cannot be negative is clipped at zero."""
    combined = aggregate([{"w": 1.0}, {"w": None}, {"w": 3.0}])
    assert combined["w"] == 2.0
    assert combined["ci95"]["w"] == pytest.approx([0.0, 14.706], abs=1e-3)  # t: -10.706


def test_aggregate_keeps_negative_ends_of_signed_quantities():
    """Delay statistics (a patient seen before the slot starts has a negative delay) keep the
    t interval as it is; their counts, and the same numbers elsewhere, are clipped."""
    summaries = [{"delays": {"overall": {"mean": -1.0, "n": 1}}, "waits": {"mean": -1.0}},
                 {"delays": {"overall": {"mean": 3.0, "n": 5}}, "waits": {"mean": 3.0}}]
    combined = aggregate(summaries)["ci95"]
    low, high = stats.t.interval(0.95, 1, loc=1.0, scale=stats.sem([-1.0, 3.0]))
    assert combined["delays"]["overall"]["mean"] == pytest.approx([low, high])
    assert combined["delays"]["overall"]["n"] == pytest.approx([0.0, 2.0 + high])  # same spread
    assert combined["waits"]["mean"] == pytest.approx([0.0, high])
    assert aggregate(summaries, signed=lambda path: True)["ci95"]["waits"]["mean"] == (
        pytest.approx([low, high]))


@given(st.integers(min_value=-5, max_value=500), st.integers(min_value=2, max_value=30))
def test_a_quantity_equal_in_every_replication_has_no_interval(value, replications):
    """A number equal in every replication (doctors, slots created) shows its value and no
    interval: there is no uncertainty to show."""
    combined = aggregate([{"doctors": value}] * replications)
    assert combined["doctors"] == value and combined["ci95"]["doctors"] is None


def test_ci95_is_the_summarys_interval_of_one_quantity():
    """ci95 gives what aggregate gives one number: none when equal in every replication or
    present in fewer than two, clipped at zero unless signed."""
    values = [1.0, None, 3.0]
    assert ci95(values) == aggregate([{"w": v} for v in values])["ci95"]["w"]
    assert ci95(values, signed=True)[0] < 0 == ci95(values)[0]
    assert ci95([2.0, 2.0, math.nan]) is None and ci95([2.0]) is None and ci95([]) is None


def test_aggregate_of_one_summary_is_that_summary():
    """One replication's summary comes back as it is, without intervals."""
    summary = shipped_frames("original_opd_day").summaries[0]
    assert aggregate([summary]) == summary


def test_per_replication_gives_each_replications_own_answer():
    """waits_by_source applied replication by replication gives each replication's summary."""
    run = shipped_frames("original_opd_day", replications=3)
    table = per_replication(waits_by_source, run.patients)
    assert table.index.names == ["replication", "source"]
    for r, summary in enumerate(run.summaries):
        overall = summary["waits"]["overall"]
        assert table.loc[(r, "ALL"), "n"] == overall["n"]
        assert table.loc[(r, "ALL"), "mean"] == pytest.approx(overall["mean"])
    numbers = per_replication(lambda p: len(p), run.patients)
    assert numbers["value"].tolist() == [s["tokens_booked"] for s in run.summaries]


def test_numbers_are_written_for_people():
    """Means to the digits asked, intervals in brackets, whole counts as whole numbers."""
    assert format_mean(51.234, [48.08, 53.0]) == "51.2 [48.1, 53.0]"
    assert format_mean(0.8765, None, digits=2) == "0.88"
    assert format_mean(None) == "-" and format_mean(math.nan) == "-"
    assert format_count(174.0) == "174" and format_count(3) == "3"
    assert format_count(172.33, [168.0, 176.66]) == "172.3 [168.0, 176.7]"
