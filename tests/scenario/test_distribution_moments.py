"""Every distribution draws what its ``mean_value`` and ``second_moment`` say: on a seeded
sample the formula lies inside the 99 % interval of the sample mean of X and of X^2.

The validation tests feed these two numbers to Pollaczek-Khinchine and Cobham, so a wrong
formula here would pass there as a simulator bug; here it fails on its own.
"""

from __future__ import annotations

import math
from typing import Any, get_args

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import stats

from opd_sim.scenario.distributions import Distribution

DRAWS = 500_000
Z = float(stats.norm.ppf(0.995))  # 99 %, two-sided; the sample is large enough for the CLT
# most the interval's half-width may be, as a share of the value: narrower than every formula
# error worth catching (a lognormal's E[X^2] taken as mean^2 alone is 36 % off)
TIGHT = 0.05

SPECS: list[dict[str, Any]] = [
    {"dist": "fixed", "value": 7},
    {"dist": "exponential", "mean": 10},
    {"dist": "lognormal", "mean": 8, "sd": 3},
    {"dist": "lognormal", "mean": 0.5, "sd": 0.75},
    {"dist": "normal", "mean": 6, "sd": 2, "min": None},
    {"dist": "normal", "mean": 6, "sd": 2, "min": 5},  # clipped: a third of the draws at 5
    {"dist": "normal", "mean": 2, "sd": 2},  # the default min 0: 16 % of draws clipped to 0
    {"dist": "normal", "mean": -3, "sd": 0, "min": -4},  # a point above its min
    {"dist": "uniform", "low": 5, "high": 15},
    {"dist": "empirical", "values": [4, 6, 10], "weights": [0.5, 0.3, 0.2]},
    {"dist": "empirical", "values": [1, 2, 9]},
    {"dist": "gamma", "mean": 0.5, "sd": 0.75},  # shape 4/9, below 1
    {"dist": "gamma", "mean": 8, "sd": 4},  # shape 4
    {"dist": "gamma", "mean": 3, "sd": 6},  # shape 1/4
    {"dist": "erlang", "k": 3, "mean": 0.5},
    {"dist": "erlang", "k": 1, "mean": 4},  # the exponential
    {"dist": "erlang", "k": 40, "mean": 12},
    {"dist": "weibull", "shape": 1.5, "scale": 20},
    {"dist": "weibull", "shape": 0.5, "scale": 2},  # sd 2.2 times its mean
    {"dist": "weibull", "shape": 5, "scale": 10},
    {"dist": "triangular", "low": 2, "mode": 4, "high": 10},
    {"dist": "triangular", "low": 2, "mode": 2, "high": 8},  # the mode at an end
    {"dist": "triangular", "low": -30, "mode": -10, "high": 5},  # punctuality: early arrivals
]
DISTS = [TypeAdapter(Distribution).validate_python(spec) for spec in SPECS]
IDS = [f"{spec['dist']}-{i}" for i, spec in enumerate(SPECS)]


def _interval(values: np.ndarray) -> tuple[float, float]:
    """(sample mean, 99 % half-width) of i.i.d. values."""
    return float(values.mean()), Z * float(values.std(ddof=1)) / math.sqrt(len(values))


def _sample(dist: Any) -> np.ndarray:
    return np.asarray(dist.draw(np.random.default_rng(2024), DRAWS), dtype=float)


def test_every_distribution_is_sampled() -> None:
    """The table holds every kind a scenario can name, so a new one cannot skip this check."""
    union, _ = get_args(Distribution)  # Annotated[Fixed | Exponential | ..., Field(...)]
    assert {type(d) for d in DISTS} == set(get_args(union))


@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_sample_mean_matches_mean_value(dist: Any) -> None:
    """``mean_value`` lies inside the 99 % interval of the sample mean, and the interval is
    tight enough to mean something."""
    mean, half = _interval(_sample(dist))
    assert half <= TIGHT * abs(dist.mean_value), f"interval too wide: {mean} ± {half}"
    assert abs(mean - dist.mean_value) <= half + 1e-12 * abs(mean), (
        f"mean_value {dist.mean_value} outside {mean} ± {half}"
    )


@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_sample_second_moment_matches(dist: Any) -> None:
    """``second_moment`` lies inside the 99 % interval of the sample mean of X^2 (tight)."""
    second, half = _interval(_sample(dist) ** 2)
    assert half <= TIGHT * dist.second_moment, f"interval too wide: {second} ± {half}"
    assert abs(second - dist.second_moment) <= half + 1e-12 * second, (
        f"second_moment {dist.second_moment} outside {second} ± {half}"
    )


def test_a_clipped_normal_is_not_its_unclipped_normal() -> None:
    """The check can see clipping: a normal of mean 2 and sd 2 clipped at 0 draws a mean of
    2.17 and an E[X^2] of 7.70, and the unclipped normal's 2 and 8 lie outside the intervals
    (its mean was once given as max(mean, min), that is 2)."""
    clipped = TypeAdapter(Distribution).validate_python({"dist": "normal", "mean": 2, "sd": 2})
    assert (clipped.mean_value, clipped.second_moment) == pytest.approx((2.1666, 7.6986), abs=1e-4)
    sample = _sample(clipped)
    mean, half = _interval(sample)
    assert abs(mean - 2) > half
    second, half = _interval(sample**2)
    assert abs(second - (2**2 + 2**2)) > half
