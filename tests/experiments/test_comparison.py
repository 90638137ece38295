"""Policy comparisons on common random numbers, through the library and the real CLI."""

from __future__ import annotations

import pytest

from opd_sim.cli.app import main
from opd_sim.errors import UnknownPolicy
from opd_sim.experiments import compare_policies, parse_policy
from tests.cli import run_cli
from tests.simulation.conftest import SCENARIOS, shipped

ORIGINAL = str(SCENARIOS / "original_opd_day.yaml")


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


def test_compare_command_writes_json_and_files(tmp_path) -> None:
    """A real `opd-sim compare` process prints the comparison as JSON and writes its files."""
    out = tmp_path / "cmp"
    done = run_cli(
        "compare", ORIGINAL, "--policy", "priority-bump", "--policy", "fifo",
        "--replications", "3", "--out", str(out), json_output=True,
    )  # fmt: skip
    assert done.code == 0, done.err
    payload = done.json
    assert payload["baseline"] == "priority-bump" and payload["policies"][1] == "fifo"
    assert {m["metric"] for m in payload["metrics"]} >= {"wait_mean_minutes", "bumped"}
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv", "comparison.json", "comparison_replications.parquet"
    ]


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
