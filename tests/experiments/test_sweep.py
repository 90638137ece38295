"""Sweeps through the library: the tidy frame, its summary, common random numbers, variants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opd_sim.analysis import doctor_workload
from opd_sim.errors import InvalidInput, ScenarioError, UnknownPolicy
from opd_sim.experiments import METRICS, Sweep, make_variants, parse_setting, sweep
from opd_sim.experiments.sweep import COUNT_METRICS, MAX_RUNS, summarize_sweep
from opd_sim.simulation import run_replication
from tests.simulation.conftest import shipped

SEATS = "doctors.0.seats_per_slot"


@pytest.fixture(scope="module")
def grid() -> Sweep:
    """The original OPD day: Dr Rao's seats 1 and 2 x priority-bump and fifo x 3 replications."""
    policies = [("priority-bump", {}), ("fifo", {})]
    return sweep(shipped("original_opd_day"), {SEATS: [1, 2]}, policies, replications=3, seed=5)


def test_one_row_per_variant_policy_and_replication(grid: Sweep) -> None:
    """2 values x 2 policies x 3 replications are 12 rows: swept value, labels, metrics."""
    frame = grid.frame
    assert len(frame) == 12 and grid.runs == 12
    assert list(frame.columns) == [SEATS, "variant", "policy", "replication", *METRICS]
    assert frame[SEATS].tolist() == [1] * 6 + [2] * 6 and frame[SEATS].dtype == np.int64
    assert frame["variant"].tolist()[::6] == [f"{SEATS}=1", f"{SEATS}=2"]
    assert frame["policy"].tolist()[:6] == ["priority-bump"] * 3 + ["fifo"] * 3
    assert frame["replication"].tolist() == [0, 1, 2] * 4
    assert {"wait_mean_minutes_WALKIN", "wait_p90_minutes_PAID", "idle_minutes_total",
            "overtime_minutes_total", "utilisation_mean", "no_shows"} <= set(METRICS)  # fmt: skip
    assert all(frame[m].dtype == np.int64 for m in COUNT_METRICS)
    assert (frame.loc[frame["policy"] == "fifo", "bumped"] == 0).all()


def test_rows_are_the_runs_they_name(grid: Sweep) -> None:
    """A row holds the very numbers of that variant's replication run at the sweep's seed."""
    variant = grid.variants[1]
    run = run_replication(variant.scenario, grid.seed, 2)
    row = grid.frame[(grid.frame["variant"] == variant.label)
                     & (grid.frame["policy"] == "priority-bump")
                     & (grid.frame["replication"] == 2)].iloc[0]  # fmt: skip
    assert row["completed"] == run.summary["completed"]
    assert row["wait_mean_minutes"] == run.summary["waits"]["overall"]["mean"]
    assert row["overtime_minutes_total"] == run.summary["overtime_minutes_total"]
    idle = doctor_workload(run.patients, run.slots)["idle_minutes"].sum()
    assert row["idle_minutes_total"] == pytest.approx(idle, abs=1e-6)


def test_summary_holds_means_with_intervals(grid: Sweep) -> None:
    """One row per variant x policy x metric: the mean of the replications and its interval."""
    summary = grid.summary
    assert len(summary) == 4 * len(METRICS)
    assert list(summary.columns) == [SEATS, "variant", "policy", "metric", "n", "mean",
                                     "ci_low", "ci_high"]  # fmt: skip
    row = summary[(summary["variant"] == f"{SEATS}=2") & (summary["policy"] == "fifo")
                  & (summary["metric"] == "completed")].iloc[0]  # fmt: skip
    runs = grid.frame[(grid.frame["variant"] == f"{SEATS}=2") & (grid.frame["policy"] == "fifo")]
    assert row["n"] == 3 and row["mean"] == pytest.approx(runs["completed"].mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    bumped = summary[(summary["policy"] == "fifo") & (summary["metric"] == "bumped")]
    assert (bumped["mean"] == 0).all() and bumped["ci_low"].isna().all()  # no uncertainty


def test_intervals_stay_within_what_a_metric_can_be(grid: Sweep) -> None:
    """A utilisation near 1 has an interval ending at 1; a count near 0 one starting at 0."""
    frame = grid.frame.copy()
    frame["utilisation_mean"] = [0.99, 1.0, 0.97] * 4
    frame["bumped"] = [0, 0, 2] * 4
    summary = summarize_sweep(frame, [SEATS]).set_index(["variant", "policy", "metric"])
    key = (f"{SEATS}=1", "fifo")
    assert summary.loc[(*key, "utilisation_mean"), "ci_high"] == 1.0
    assert summary.loc[(*key, "bumped"), "ci_low"] == 0.0
    assert summary.loc[(*key, "utilisation_mean"), "ci_low"] < 0.99


def test_variants_share_their_patients_replication_by_replication(grid: Sweep) -> None:
    """Common random numbers: seat counts leave patients' draws alone, so replication r of
    each variant has patients asking at the very same times (and the sweep's token counts
    agree), while replications differ from one another."""
    first, second = grid.variants
    for r in range(3):
        asked = [run_replication(v.scenario, grid.seed, r).patients.sort_values(
            ["source", "requested_at"])[["source", "requested_at"]].reset_index(drop=True)
            for v in (first, second)]  # fmt: skip
        pd.testing.assert_frame_equal(asked[0], asked[1])
        tokens = grid.frame.loc[grid.frame["replication"] == r, "tokens"]
        assert tokens.nunique() == 1 and tokens.iloc[0] == len(asked[0])
    assert grid.frame.groupby("replication")["tokens"].first().nunique() > 1


def test_without_policies_each_variant_runs_its_own() -> None:
    """No policies: a swept policy parameter is the policy each variant runs."""
    done = sweep(shipped("original_opd_day"), {"policy.name": ["bump-cap"],
                                               "policy.params.max_bumps": [0, 2]},
                 replications=1)  # fmt: skip
    assert done.policies is None
    assert done.frame["policy"].tolist() == ["bump-cap(max_bumps=0)", "bump-cap(max_bumps=2)"]
    assert done.frame["bumped"].iloc[0] == 0 < done.frame["bumped"].iloc[1]


def test_values_other_than_numbers_become_text_columns() -> None:
    """Mappings (and mixes with null) are shown as text in the frame; numbers stay numbers."""
    done = sweep(shipped("original_opd_day"),
                 {"policy.name": ["reserved"], "policy.params.reserved": [{"WALKIN": 1}, {}],
                  "doctors.1.seats_per_slot": [2, None]}, replications=1)  # fmt: skip
    assert done.frame["policy.params.reserved"].tolist() == ['{"WALKIN": 1}'] * 2 + ["{}"] * 2
    assert str(done.frame["doctors.1.seats_per_slot"].dtype) == "Int64"
    assert done.frame["doctors.1.seats_per_slot"].isna().tolist() == [False, True] * 2


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"doctor.0.seats_per_slot": [1]},
         "--set doctor.0.seats_per_slot=1: doctor: unknown field (did you mean 'doctors'?)"),
        ({"no_show.online.probability": [0.1, 1.5]},
         "--set no_show.online.probability=1.5: no_show.online.probability: must be a "
         "probability between 0 and 1 (got 1.5)"),
        ({"doctors.3.seats_per_slot": [1]}, "doctors.3: no item (doctors has 3 item(s)"),
        ({"seed.x": [1]}, "--set seed.x=1: seed: is 20240601, which has no field 'x'"),
        ({"no_show.onlin.probability": [0.1]}, "unknown source (did you mean 'online'?)"),
        ({"policy.params.max_bumps": [1]}, "policy 'priority-bump' does not take max_bumps"),
        ({"sessions.0.close": ["09:10"], "sessions.1.close": ["14:10"]},
         "--set sessions.0.close=09:10 --set sessions.1.close=14:10: slot_minutes: a 15-minute "
         "slot does not fit in any session"),
        ({"policy.name": ["fifo", "bump-cap"], "policy.params.max_bumps": [1]},
         "--set policy.name=fifo --set policy.params.max_bumps=1: policy.params.max_bumps: "
         "policy 'fifo' does not take max_bumps"),
    ],
)  # fmt: skip
def test_a_bad_variant_is_refused_naming_setting_and_field(settings, fragment) -> None:
    """Each bad setting (or combination) is a ScenarioError naming it and the field at fault."""
    with pytest.raises(ScenarioError) as caught:
        make_variants(shipped("original_opd_day"), settings)
    assert any(fragment in problem for problem in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("settings", "options", "fragment"),
    [
        ({"seed": [1, 2]}, {}, "cannot be swept"),
        ({SEATS: [1, 1.0]}, {}, "1.0 is listed twice"),
        ({SEATS: []}, {}, "one or more values"),
        ({SEATS: [1, 2]}, {"policies": [("fifo", {}), ("fifo", {})]}, "listed twice"),
        ({"policy.params.max_bumps": [1]}, {"policies": [("bump-cap", {})]}, "no effect"),
        ({SEATS: list(range(1, 101))}, {"replications": MAX_RUNS // 100 + 1}, "at most 10,000"),
    ],
)
def test_bad_sweeps_are_refused_before_any_run(settings, options, fragment) -> None:
    """Settings that cannot be swept, duplicates and oversized grids are InvalidInput."""
    with pytest.raises(InvalidInput, match=fragment):
        sweep(shipped("original_opd_day"), settings, **{"replications": 1, **options})


def test_an_unknown_policy_is_refused() -> None:
    """A policy name nobody registered is UnknownPolicy, as everywhere else."""
    with pytest.raises(UnknownPolicy):
        sweep(shipped("original_opd_day"), {SEATS: [1]}, policies=[("nope", {})])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("doctors.0.seats_per_slot=1,2,null", ("doctors.0.seats_per_slot", [1, 2, None])),
        ("no_show.online.probability=0.1, .2", ("no_show.online.probability", [0.1, 0.2])),
        ("policy.params.reserved={WALKIN: 1, PAID: 2},{}",
         ("policy.params.reserved", [{"WALKIN": 1, "PAID": 2}, {}])),
        ('name="a,b",c', ("name", ["a,b", "c"])),
        ("sessions.0.open=09:30,true", ("sessions.0.open", ["09:30", True])),
    ],
)  # fmt: skip
def test_parse_setting_reads_values_as_yaml(text, expected) -> None:
    """Values split at commas outside brackets and quotes, each read as YAML reads it."""
    assert parse_setting(text) == expected


@pytest.mark.parametrize("text", ["doctors.0.seats_per_slot", "=1", "a=", "a=1,,2", "a..b=1",
                                  "a={x: 1", "a=.nan"])  # fmt: skip
def test_parse_setting_refuses_malformed_text(text) -> None:
    """A --set without a path or a value, or with an unreadable value, names itself."""
    with pytest.raises(InvalidInput, match=f"--set {text}"):
        parse_setting(text)


def test_a_run_with_rosters_and_patience_is_measured_as_its_summary_says() -> None:
    """Doctors with rosters of their own: idle minutes are each doctor's own session minutes
    not consulting (as analysis.doctor_workload counts them), not a share of everyone's; the
    left-unseen and early-expiry columns are the summary's."""
    from opd_sim.experiments.sweep import measure_run
    from tests.analysis.conftest import realistic_district

    scenario = realistic_district()
    row = measure_run(scenario, 7, 1)
    run = run_replication(scenario, 7, 1)
    idle = doctor_workload(run.patients, run.slots)["idle_minutes"].sum()
    assert row["idle_minutes_total"] == pytest.approx(idle, abs=1e-6)
    left = run.summary["left_unseen"]
    assert row["left_unseen"] == left["n"] > 0
    assert row["left_unseen_rate"] == pytest.approx(left["rate"])
    assert row["expired_waiting_too_long"] == run.summary["expired_waiting_too_long"]
