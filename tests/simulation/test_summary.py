"""Summary arithmetic: t quantiles, confidence intervals, aggregation across replications."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats

from opd_sim.jsonable import summary_json
from opd_sim.simulation import aggregate, mean_ci
from opd_sim.simulation.summary import t_quantile_975

from .conftest import shipped_run


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


def test_aggregate_mirrors_the_summary():
    """Aggregated summaries keep every key; ci95 mirrors them; per_replication keeps each one."""
    result = shipped_run("original_opd_day", replications=3)
    summary, singles = result.summary, result.summary["per_replication"]
    assert len(singles) == 3
    assert summary["tokens_booked"] == pytest.approx(sum(s["tokens_booked"] for s in singles) / 3)
    assert set(summary["ci95"]) <= set(summary) and summary["ci95"]["doctors"] == [3.0, 3.0]
    waits = summary["ci95"]["waits"]["overall"]["mean"]
    assert waits[0] <= summary["waits"]["overall"]["mean"] <= waits[1]
    assert aggregate(singles[:1]) == singles[0]


def test_aggregate_skips_missing_values():
    """A number missing (None) in some replications is averaged over the others."""
    combined = aggregate([{"w": 1.0}, {"w": None}, {"w": 3.0}])
    assert combined["w"] == 2.0 and combined["ci95"]["w"] == pytest.approx([-10.706, 14.706],
                                                                            abs=1e-3)


def test_summary_is_strict_json():
    """The summary serialises as strict JSON (no NaN), with None for waits nobody had."""
    summary = shipped_run("textbook_mm1").summary
    text = summary_json(summary)
    assert json.loads(text)["waits"]["by_source"]["PAID"]["mean"] is None
