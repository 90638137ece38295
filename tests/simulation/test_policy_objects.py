"""A ready policy object runs a scenario: passed through to every replication, built once per
run, and named by itself (not by the scenario's `policy:` entry) in summary and manifest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from opd_sim.engine import Policy, make_policy, policy_names, register_policy
from opd_sim.engine.policies import BumpCap, FirstComeFirstServed, ReservedSeats
from opd_sim.errors import UnknownPolicy
from opd_sim.experiments import compare_policies
from opd_sim.scenario import Scenario
from opd_sim.simulation import Opd, manifest, multiple_replications, single_run

from .conftest import shipped

COUNTING = "test-counting-builds"  # sorts last: lists of known policies keep their start


@dataclass(frozen=True)
class CountingPolicy(Policy):
    """The default rules, counting how often the policy object is built."""

    built: ClassVar[list[int]] = []

    def __post_init__(self) -> None:
        CountingPolicy.built.append(1)


if COUNTING not in policy_names():
    register_policy(COUNTING)(CountingPolicy)


def with_policy(scenario: Scenario, name: str, params: dict | None = None) -> Scenario:
    """The scenario naming another policy in its `policy:` entry."""
    return Scenario.model_validate({**scenario.model_dump(),
                                    "policy": {"name": name, "params": params or {}}})  # fmt: skip


def test_a_policy_object_runs_exactly_as_the_scenario_naming_it() -> None:
    """policy=BumpCap(2) gives the frames and summary of a scenario saying bump-cap(max_bumps=2)."""
    base = shipped("original_opd_day")
    named = multiple_replications(with_policy(base, "bump-cap", {"max_bumps": 2}), 2, seed=4)
    given = multiple_replications(base, 2, seed=4, policy=BumpCap(max_bumps=2))
    pd.testing.assert_frame_equal(named.decisions, given.decisions)
    pd.testing.assert_frame_equal(named.patients, given.patients)
    assert named.summary == given.summary and given.summary["policy"] == "bump-cap(max_bumps=2)"


def test_summary_and_manifest_name_the_policy_object() -> None:
    """A run of a priority-bump scenario under another object records that object's name,
    parameters and description."""
    base = shipped("original_opd_day")
    assert base.policy.name == "priority-bump"
    result = single_run(base, seed=2, policy=ReservedSeats(reserved={"walkin": 1}))
    assert result.summary["policy"] == "reserved(reserved={WALKIN: 1})"
    assert manifest(result)["policy"] == {
        "name": "reserved", "params": {"reserved": {"WALKIN": 1}},
        "description": "reserved(reserved={WALKIN: 1})",
    }  # fmt: skip
    plain = single_run(base, seed=2)
    assert manifest(plain)["policy"] == {"name": "priority-bump", "params": {},
                                         "description": "priority-bump"}  # fmt: skip


def test_opd_uses_the_very_object_it_is_given() -> None:
    """Opd(scenario, sequence, policy=p) decides with p itself."""
    policy = FirstComeFirstServed()
    opd = Opd(shipped("original_opd_day"), np.random.SeedSequence(1), policy=policy)
    assert opd.engine.policy is policy and opd.policy_description == "fifo"


def test_the_policy_is_built_once_per_run() -> None:
    """Five replications of a scenario naming a policy build that policy object once."""
    scenario = with_policy(shipped("original_opd_day"), COUNTING)
    before = len(CountingPolicy.built)
    multiple_replications(scenario, 5, seed=1)
    assert len(CountingPolicy.built) - before == 1


def test_compare_takes_policy_objects_and_pairs() -> None:
    """compare_policies accepts (name, params) pairs and ready objects alike, with equal results."""
    scenario = shipped("original_opd_day")
    pairs = compare_policies(scenario, [("fifo", {}), ("bump-cap", {"max_bumps": 0})], 3, seed=3)
    objects = compare_policies(scenario, [make_policy("fifo"), BumpCap(max_bumps=0)], 3, seed=3)
    mixed = compare_policies(scenario, [("fifo", {}), BumpCap(max_bumps=0)], 3, seed=3)
    assert pairs.policies == objects.policies == mixed.policies == ["fifo", "bump-cap(max_bumps=0)"]
    pd.testing.assert_frame_equal(pairs.table, objects.table)
    pd.testing.assert_frame_equal(pairs.table, mixed.table)


def test_compare_refuses_one_policy_twice_before_running() -> None:
    """The same policy as a pair and as an object is refused up front."""
    with pytest.raises(UnknownPolicy, match="policy fifo is listed twice"):
        compare_policies(shipped("original_opd_day"), [("fifo", {}), FirstComeFirstServed()], 2)
