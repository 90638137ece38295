"""Summaries of real runs: aggregation across replications, waits and delays, strict JSON.

The arithmetic of intervals (t quantiles, mean_ci, aggregate's rules) is tested with its module,
in tests/analysis/test_replications.py.
"""

from __future__ import annotations

import json

import pytest

from opd_sim.jsonable import summary_json
from opd_sim.simulation import aggregate

from .conftest import shipped_run


def test_aggregate_mirrors_the_summary():
    """Aggregated summaries keep every key; ci95 mirrors them; per_replication keeps each one."""
    result = shipped_run("original_opd_day", replications=3)
    summary, singles = result.summary, result.summary["per_replication"]
    assert len(singles) == 3
    assert summary["tokens_booked"] == pytest.approx(sum(s["tokens_booked"] for s in singles) / 3)
    assert set(summary["ci95"]) <= set(summary) and summary["ci95"]["doctors"] is None
    waits = summary["ci95"]["waits"]["overall"]["mean"]
    assert waits[0] <= summary["waits"]["overall"]["mean"] <= waits[1]
    assert aggregate(singles[:1]) == singles[0]


def test_summary_is_strict_json():
    """The summary serialises as strict JSON (no NaN), with None for waits nobody had."""
    summary = shipped_run("textbook_mm1").summary
    text = summary_json(summary)
    assert json.loads(text)["waits"]["by_source"]["PAID"]["mean"] is None


def test_delays_are_summarised_beside_waits():
    """The summary holds delays as it holds waits (same patients, p95 included); a delay is
    never above the wait, so neither is its mean."""
    summary = shipped_run("original_opd_day").summary
    waits, delays = summary["waits"], summary["delays"]
    assert set(delays) == {"overall", "by_source"} and set(delays["by_source"]) == set(
        waits["by_source"])
    for key in ("n", "mean", "p50", "p90", "p95"):
        assert key in waits["overall"] and key in delays["overall"]
    assert delays["overall"]["n"] == waits["overall"]["n"] == summary["completed"]
    assert delays["overall"]["mean"] <= waits["overall"]["mean"]
    assert waits["overall"]["p90"] <= waits["overall"]["p95"]
