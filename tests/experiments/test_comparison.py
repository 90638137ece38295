"""Policy comparisons on common random numbers, through the library and the real CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from opd_sim.cli.app import main
from opd_sim.engine import make_policy
from opd_sim.errors import UnknownPolicy
from opd_sim.experiments import compare_policies, open_executor, parse_policy
from opd_sim.experiments.metrics import ALL, KEYS, METRICS, SOURCES
from opd_sim.simulation import multiple_replications
from tests.cli import run_cli
from tests.simulation.conftest import SCENARIOS, shipped

ORIGINAL = str(SCENARIOS / "original_opd_day.yaml")
COUNTS = [m.name for m in METRICS if m.by_source == "outcomes"]


@pytest.fixture(scope="module")
def comparison():
    """priority-bump vs fifo vs bump-cap(max_bumps=0) on the original day, 6 replications."""
    policies = [("priority-bump", {}), ("fifo", {}), ("bump-cap", {"max_bumps": 0})]
    return compare_policies(shipped("original_opd_day"), policies, 6, seed=3)


def rows(comparison, policy):
    """One policy's table rows keyed by metric."""
    table = comparison.table
    return table[table["policy"] == policy].set_index("metric")


def test_a_policy_that_never_bumps_equals_fifo_exactly(comparison) -> None:
    """bump-cap(max_bumps=0) bumps nobody: on common random numbers it is fifo, row for row."""
    fifo, capped = rows(comparison, "fifo"), rows(comparison, "bump-cap(max_bumps=0)")
    assert fifo.drop(columns="policy").equals(capped.drop(columns="policy"))
    assert fifo.loc["bumped", "mean"] == 0


def test_differences_are_paired_with_the_baseline(comparison) -> None:
    """The baseline differs from itself by exactly 0; fifo's bump difference is the baseline's
    bumps, negated, with a paired interval that excludes 0."""
    base, fifo = rows(comparison, "priority-bump"), rows(comparison, "fifo")
    assert (base["diff_vs_baseline"].dropna() == 0).all()
    assert fifo.loc["bumped", "diff_vs_baseline"] == -base.loc["bumped", "mean"] < 0
    assert fifo.loc["bumped", "diff_ci_high"] < 0
    per_rep = comparison.per_replication
    assert sorted(per_rep["replication"].unique()) == list(range(6))


def test_parse_policy_reads_names_and_parameters() -> None:
    """NAME:key=value pairs become parameters, read as JSON where they parse."""
    assert parse_policy("fifo") == ("fifo", {})
    assert parse_policy("bump-cap:max_bumps=2") == ("bump-cap", {"max_bumps": 2})
    reserved = ("reserved", {"reserved": {"WALKIN": 1}})
    assert parse_policy('reserved:reserved={"WALKIN": 1}') == reserved
    with pytest.raises(UnknownPolicy, match="expected NAME:key=value"):
        parse_policy("bump-cap:max_bumps")


def test_a_policy_against_itself_differs_by_exactly_zero(comparison) -> None:
    """The baseline against itself: every difference, overall and by source, is exactly 0
    with an interval of zero width, and is never marked as a difference."""
    for frame in (comparison.table, comparison.by_source):
        own = frame[frame["policy"] == "priority-bump"].dropna(subset=["diff_vs_baseline"])
        assert len(own) and (own["diff_vs_baseline"] == 0).all()
        assert (own["diff_ci_low"] == 0).all() and (own["diff_ci_high"] == 0).all()
        assert not own["differs"].any()


def test_two_policies_that_act_alike_differ_by_exactly_zero() -> None:
    """fifo against bump-cap(max_bumps=0) (nobody is bumped under either): the same patients
    meet the same decisions, so every paired difference is 0 with a zero-width interval."""
    alike = compare_policies(shipped("original_opd_day"),
                             [("fifo", {}), ("bump-cap", {"max_bumps": 0})], 3, seed=5)  # fmt: skip
    rows = alike.table[alike.table["policy"] == "bump-cap(max_bumps=0)"]
    assert (rows["diff_vs_baseline"].dropna() == 0).all()
    assert (rows["diff_ci_low"].dropna() == 0).all() and (rows["diff_ci_high"].dropna() == 0).all()


def test_the_tidy_frame_holds_every_policy_replication_metric_and_source(comparison) -> None:
    """One row per (policy, replication, metric, source), with the comparison's categories."""
    tidy = comparison.per_replication
    assert list(tidy.columns) == ["policy", "replication", "metric", "source", "value"]
    assert len(tidy) == 3 * 6 * len(KEYS)
    assert list(tidy["policy"].cat.categories) == comparison.policies
    assert list(tidy["source"].cat.categories) == [ALL, *SOURCES]
    assert tidy.groupby(["policy", "replication", "metric", "source"],
                        observed=True).size().eq(1).all()  # fmt: skip


def test_the_tidy_frame_is_each_replications_summary(comparison) -> None:
    """The overall numbers are those of each replication's own summary, and the counts by
    source add up to them."""
    scenario = shipped("original_opd_day")
    summaries = multiple_replications(scenario, 6, seed=3, policy=make_policy("fifo")
                                      ).summary["per_replication"]  # fmt: skip
    tidy = comparison.per_replication
    fifo = tidy[tidy["policy"] == "fifo"].set_index(["replication", "metric", "source"])["value"]
    for r, summary in enumerate(summaries):
        assert fifo[(r, "seen", ALL)] == summary["completed"]
        p90 = summary["waits"]["overall"]["p90"]
        assert fifo[(r, "wait_p90_minutes", ALL)] == pytest.approx(p90)
        assert fifo[(r, "utilisation", ALL)] == pytest.approx(summary["utilisation_mean"])
        for name in COUNTS:
            assert sum(fifo[(r, name, s)] for s in SOURCES) == fifo[(r, name, ALL)], name


def test_fifo_bumps_nobody_and_priority_bump_does(comparison) -> None:
    """On the original OPD day bumps happen only under priority-bump, and only to sources
    below EMERGENCY; under fifo every replication of every source has none."""
    tidy = comparison.per_replication
    bumps = tidy[tidy["metric"] == "bumped"]
    assert (bumps.loc[bumps["policy"] == "fifo", "value"] == 0).all()
    base = bumps[bumps["policy"] == "priority-bump"]
    assert base.loc[base["source"] == ALL, "value"].sum() > 0
    assert (base.loc[base["source"] == "EMERGENCY", "value"] == 0).all()
    fifo = rows(comparison, "fifo").loc["bumped"]
    assert fifo["mean"] == 0 and math.isnan(fifo["ci_low"])  # 0 every time: no interval


def test_intervals_follow_the_summarys_rules(comparison) -> None:
    """A mean's interval never goes below zero unless the metric may (delays); a number
    equal in every replication has none; a difference's interval may be negative."""
    signed = {m.name for m in METRICS if m.signed}
    for frame in (comparison.table, comparison.by_source):
        plain = frame[~frame["metric"].isin(signed)]
        assert (plain["ci_low"].dropna() >= 0).all()
        assert (frame["ci_low"].isna() == frame["ci_high"].isna()).all()
    assert (comparison.table["diff_ci_low"].dropna() < 0).any()


def test_json_shows_whole_counts_as_whole_numbers(comparison) -> None:
    """In to_json a count that is whole is an int (0 bumps, not 0.0); NaN is null."""
    payload = json.loads(json.dumps(comparison.to_json(), allow_nan=False))
    fifo = {(r["metric"]): r for r in payload["metrics"] if r["policy"] == "fifo"}
    assert fifo["bumped"]["mean"] == 0 and isinstance(fifo["bumped"]["mean"], int)
    assert fifo["bumped"]["ci_low"] is None
    assert isinstance(fifo["wait_mean_minutes"]["mean"], float)
    assert {"source", "metric", "policy", "differs"} <= set(payload["by_source"][0])


def test_progress_ticks_once_per_policy_and_replication() -> None:
    """The progress hook wraps policies x replications ticks, each one consumed."""
    seen: list[int] = []

    def hook(ticks):
        for tick in ticks:
            seen.append(tick)
            yield tick

    compare_policies(shipped("original_opd_day"), [("fifo", {}), ("priority-bump", {})], 3,
                     progress=hook)  # fmt: skip
    assert seen == list(range(6))


def test_worker_processes_give_the_same_comparison(comparison) -> None:
    """Replications measured in two worker processes give the very same numbers."""
    policies = [("priority-bump", {}), ("fifo", {}), ("bump-cap", {"max_bumps": 0})]
    with open_executor(workers=2, tasks=18) as executor:
        pooled = compare_policies(shipped("original_opd_day"), policies, 6, seed=3,
                                  executor=executor)  # fmt: skip
    np.testing.assert_array_equal(pooled.per_replication["value"],
                                  comparison.per_replication["value"])  # fmt: skip
    assert pooled.table.equals(comparison.table)


def test_compare_command_writes_json_and_files(tmp_path) -> None:
    """A real `opd-sim compare` process prints comparison.json's content and writes the tidy
    frame, the statistics, the plots and the report."""
    import pandas as pd

    out = tmp_path / "cmp"
    done = run_cli(
        "compare", ORIGINAL, "--policy", "priority-bump", "--policy", "fifo",
        "--replications", "3", "--out", str(out), json_output=True,
    )  # fmt: skip
    assert done.code == 0, done.err
    payload = done.json
    assert payload == json.loads((out / "comparison.json").read_text())
    assert payload["baseline"] == "priority-bump" and payload["policies"][1] == "fifo"
    assert {m["metric"] for m in payload["metrics"]} >= {"wait_mean_minutes", "bumped"}
    assert payload["provenance"]["scenario_file"] == ORIGINAL
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.json", "comparison.parquet", "differences.png", "metrics.png",
        "report.html", "waits_by_source_and_policy.png",
    ]  # fmt: skip
    tidy = pd.read_parquet(out / "comparison.parquet")
    assert list(tidy.columns) == ["policy", "replication", "metric", "source", "value"]
    assert len(tidy) == 2 * 3 * len(KEYS)
    for name in ("differences.png", "metrics.png", "waits_by_source_and_policy.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_compare_prints_a_table_for_people() -> None:
    """Without --json: the metrics in words, each policy's mean and its paired difference."""
    done = run_cli("compare", ORIGINAL, "--policy", "priority-bump", "--policy", "fifo",
                   "--replications", "3")  # fmt: skip
    assert done.code == 0, done.err
    assert "baseline priority-bump" in done.out and "mean wait (minutes)" in done.out
    assert "bumps\n" in done.out and "mean wait by source (minutes)" in done.out
    assert "wait_mean_minutes" not in done.out and "{" not in done.out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--policy", "fifo"], "at least two --policy"),
        (["--policy", "fifo", "--policy", "nope"], "unknown policy 'nope'"),
        (["--policy", "fifo", "--policy", "bump-cap:x"], "expected NAME:key=value"),
        (["--policy", "fifo", "--policy", "fifo:max_bumps=1"], "does not take max_bumps"),
        (["--policy", "fifo", "--policy", "priority-bump", "--replications", "1"], "from 2"),
    ],
)
def test_bad_comparisons_exit_2_with_one_line(args, fragment, capsys) -> None:
    """Each bad compare request is exit 2 with one line on stderr naming the problem."""
    assert main(["compare", ORIGINAL, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err


def test_patients_who_leave_are_compared_overall_and_by_source() -> None:
    """Where patients run out of patience, the left-unseen count and rate are measured per
    replication: overall as the summary's left_unseen.n and rate, by source as its
    by_source rates and the patients frame's counts, which add up to the overall count."""
    from tests.analysis.conftest import realistic_district

    scenario = realistic_district()
    compared = compare_policies(scenario, [("bump-cap", {"max_bumps": 1}), ("fifo", {})], 2,
                                seed=7)  # fmt: skip
    tidy = compared.per_replication
    fifo = tidy[tidy["policy"] == "fifo"].set_index(["replication", "metric", "source"])["value"]
    summaries = multiple_replications(scenario, 2, seed=7, policy=make_policy("fifo")
                                      ).summary["per_replication"]  # fmt: skip
    for r, summary in enumerate(summaries):
        left = summary["left_unseen"]
        assert fifo[(r, "left_unseen", ALL)] == left["n"] > 0
        assert fifo[(r, "left_unseen_rate", ALL)] == pytest.approx(left["rate"])
        assert sum(fifo[(r, "left_unseen", s)] for s in SOURCES) == left["n"]
        walkin = left["by_source"]["WALKIN"]
        assert fifo[(r, "left_unseen_rate", "WALKIN")] == pytest.approx(walkin["rate"])
    rates = compared.table[compared.table["metric"] == "left_unseen_rate"]
    assert (rates["ci_high"].dropna() <= 1.0).all() and (rates["mean"] > 0).all()
