"""Golden summaries: each shipped scenario at a fixed seed, checked in beside this file.

A change in any number is a change in behaviour. If it is intended, regenerate on purpose with
``pytest tests/simulation/test_golden.py --force-regen`` and review the diff of the .yml files.
"""

from __future__ import annotations

from typing import Any

from .conftest import shipped_run

GOLDEN_SEED = 20260101
DIGITS = 3  # minutes and utilisations to a thousandth: far above floating-point noise


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, float):
        return round(value, DIGITS)
    return value


def test_golden_summary(scenario_name, data_regression):
    """The summary of each shipped scenario at the golden seed is exactly as checked in."""
    data_regression.check(_rounded(shipped_run(scenario_name, seed=GOLDEN_SEED).summary))


def test_golden_replicated_summary(data_regression):
    """A three-replication summary of the original day (means, intervals, replications)."""
    result = shipped_run("original_opd_day", seed=GOLDEN_SEED, replications=3)
    data_regression.check(_rounded(result.summary))
