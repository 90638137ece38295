"""Seeds: the same seed gives the same frames, in one process or two; other seeds differ."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from opd_sim.simulation import (
    STREAM_NAMES,
    make_streams,
    multiple_replications,
    replication_seeds,
    single_run,
)
from tests.cli import run_cli

from .conftest import SCENARIOS, shipped


def test_same_seed_same_frames(scenario_name):
    """Two runs of one scenario at one seed give identical decision and patient frames."""
    first = single_run(shipped(scenario_name), seed=42)
    second = single_run(shipped(scenario_name), seed=42)
    assert_frame_equal(first.decisions, second.decisions)
    assert_frame_equal(first.patients, second.patients)
    assert first.summary == second.summary


def test_different_seeds_differ(scenario_name):
    """Two seeds give different patients."""
    first = single_run(shipped(scenario_name), seed=1)
    second = single_run(shipped(scenario_name), seed=2)
    assert not first.patients.equals(second.patients)


def test_same_frames_across_processes(tmp_path):
    """Two separate processes at one seed write Parquet frames equal to an in-process run."""
    scenario = SCENARIOS / "city_hospital_week.yaml"
    for name in ("a", "b"):
        done = run_cli("run", str(scenario), "--seed", "9", "--replications", "2",
                       "--out", str(tmp_path / name), timeout=300)  # fmt: skip
        assert done.code == 0, done.err
    here = multiple_replications(shipped("city_hospital_week"), 2, seed=9)
    for frame, expected in (("decisions", here.decisions), ("patients", here.patients)):
        a = pd.read_parquet(tmp_path / "a" / f"{frame}.parquet")
        b = pd.read_parquet(tmp_path / "b" / f"{frame}.parquet")
        assert_frame_equal(a, b)
        assert_frame_equal(a, expected)  # Parquet keeps every dtype, categories included


def test_a_replication_does_not_depend_on_how_many_run():
    """Replication 2 is the same alone as it is third of five."""
    scenario = shipped("original_opd_day")
    alone = single_run(scenario, seed=4, replication=2)
    many = multiple_replications(scenario, 5, seed=4)
    third = many.patients[many.patients["replication"] == 2].reset_index(drop=True)
    assert_frame_equal(alone.patients, third)
    assert many.summary["per_replication"][2]["waits"] == alone.summary["waits"]


def test_replications_differ_from_each_other():
    """Replications of one run use different streams."""
    many = multiple_replications(shipped("original_opd_day"), 3, seed=4)
    tokens = [s["tokens_booked"] for s in many.summary["per_replication"]]
    waits = [s["waits"]["overall"]["mean"] for s in many.summary["per_replication"]]
    assert len(set(zip(tokens, waits, strict=True))) == 3


@pytest.mark.parametrize("policy", ["fifo", "bump-cap", "emergency-cap"])
def test_two_policies_on_one_seed_see_the_same_patients(policy):
    """Common random numbers: every exogenous patient is the same under another policy."""
    base = shipped("city_hospital_week")
    other = base.model_copy(update={"policy": base.policy.model_copy(update={"name": policy})})
    columns = ["source", "requested_at", "requested_slot_id"]

    def exogenous(result):
        patients = result.patients
        rows = patients[(patients["source"] != "FOLLOWUP") & (patients["source"] != "WALKIN")]
        return rows[columns].sort_values(columns).reset_index(drop=True)

    first, second = single_run(base, seed=3), single_run(other, seed=3)
    assert_frame_equal(exogenous(first), exogenous(second))
    walkins = [r.patients.loc[r.patients["source"] == "WALKIN", "requested_at"].to_numpy()
               for r in (first, second)]  # fmt: skip
    np.testing.assert_array_equal(*walkins)


def test_streams_are_named_distinct_and_pure():
    """One stream per process; asking twice for a replication's streams gives the same numbers."""
    assert len(set(STREAM_NAMES)) == len(STREAM_NAMES) >= 9
    (sequence,) = replication_seeds(8, 1)
    first = {name: rng.random(3).tolist() for name, rng in make_streams(sequence).items()}
    again = {name: rng.random(3).tolist() for name, rng in make_streams(sequence).items()}
    assert first == again
    assert len({tuple(values) for values in first.values()}) == len(STREAM_NAMES)
