"""The aging policy in the limit: with ``minutes_per_level`` far longer than any run, no token
ever ages, so aging is exactly bump-cap with the same ``max_bumps``: the same decisions, in
the same order, for every patient."""

from __future__ import annotations

import pytest
from pandas.testing import assert_frame_equal

from opd_sim.engine import make_policy
from opd_sim.simulation import multiple_replications
from tests.simulation.conftest import shipped

NEVER = 1e12  # minutes a level: about two million years


@pytest.mark.parametrize("max_bumps", [1, 2])
@pytest.mark.parametrize("name", ["city_hospital_week", "district_hospital"])
def test_aging_that_never_ages_gives_exactly_the_bump_cap_decisions(name: str,
                                                                     max_bumps: int) -> None:
    scenario = shipped(name)
    aging = multiple_replications(scenario, 2, seed=8, policy=make_policy(
        "aging", {"minutes_per_level": NEVER, "max_bumps": max_bumps}))  # fmt: skip
    capped = multiple_replications(scenario, 2, seed=8, policy=make_policy(
        "bump-cap", {"max_bumps": max_bumps}))  # fmt: skip
    assert (capped.decisions["kind"] == "BUMPED").sum() > 10  # bumps to agree on
    assert_frame_equal(aging.decisions, capped.decisions)
    assert_frame_equal(aging.patients, capped.patients)


def test_aging_that_does_age_decides_differently() -> None:
    """The check above can fail: with two hours a level, the city week's bumps change."""
    scenario = shipped("city_hospital_week")
    aging = multiple_replications(scenario, 1, seed=8, policy=make_policy(
        "aging", {"minutes_per_level": 120, "max_bumps": 1}))  # fmt: skip
    capped = multiple_replications(scenario, 1, seed=8, policy=make_policy(
        "bump-cap", {"max_bumps": 1}))  # fmt: skip
    bumps = [(run.decisions["kind"] == "BUMPED").sum() for run in (aging, capped)]
    assert bumps[0] != bumps[1]
