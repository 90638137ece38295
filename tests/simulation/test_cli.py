"""``opd-sim run`` and ``opd-sim simulate-day`` from the outside: files, JSON, exit codes."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from opd_sim.cli.app import main
from opd_sim.simulation import DECISION_COLUMNS, PATIENT_COLUMNS, SLOT_COLUMNS
from tests.cli import run_cli

from .conftest import SCENARIOS

ORIGINAL = str(SCENARIOS / "original_opd_day.yaml")
OUTPUT_FILES = ["decisions.parquet", "manifest.json", "patients.parquet", "slots.parquet",
                "summary.json"]  # fmt: skip
REPORT_FILES = ["report.html", "doctor_time.png", "fairness.png", "slot_fill.png",
                "status_by_source.png", "waitlist_length.png", "waits_by_hour.png",
                "waits_by_source.png"]  # fmt: skip


def test_run_as_a_process_writes_the_four_files(tmp_path):
    """A real `opd-sim run` process writes decisions, patients, summary, manifest and the report."""
    out = tmp_path / "out"
    done = run_cli("run", ORIGINAL, "--seed", "5", "--out", str(out))
    assert done.code == 0, done.err
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES + REPORT_FILES)
    assert list(tmp_path.iterdir()) == [out]  # no staging directory left behind
    decisions = pd.read_parquet(out / "decisions.parquet")
    patients = pd.read_parquet(out / "patients.parquet")
    assert list(decisions.columns) == DECISION_COLUMNS
    assert list(patients.columns) == PATIENT_COLUMNS
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 5 and summary["tokens_booked"] == len(patients)
    slots = pd.read_parquet(out / "slots.parquet")
    assert list(slots.columns) == SLOT_COLUMNS and len(slots) == summary["slots_created"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5 and len(manifest["scenario_sha256"]) == 64
    assert set(manifest["versions"]) == {"opd-sim", "simpy", "numpy", "pandas", "pyarrow"}
    assert all(manifest["versions"].values()) and manifest["python"]
    assert "doctors" in done.out and "waits" in done.out


def test_run_json_prints_the_summary(tmp_path, capsys):
    """`run --json` prints the same summary JSON it writes to summary.json."""
    out = tmp_path / "out"
    assert main(["run", ORIGINAL, "--out", str(out), "--json", "--no-report"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((out / "summary.json").read_text())
    assert printed["replications"] == 1 and "ci95" not in printed


def test_run_with_replications_reports_intervals(tmp_path, capsys):
    """`run --replications 3` gives means, 95% intervals and per-replication summaries."""
    out = tmp_path / "out"
    assert (
        main(["run", ORIGINAL, "--replications", "3", "--out", str(out), "--json", "--no-report"])
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["replications"] == 3 and len(summary["per_replication"]) == 3
    low, high = summary["ci95"]["tokens_booked"]
    assert low <= summary["tokens_booked"] <= high
    patients = pd.read_parquet(out / "patients.parquet")
    assert sorted(patients["replication"].unique()) == [0, 1, 2]


def test_run_defaults_to_results_scenario_name(tmp_path, capsys):
    """Without --out, `run` writes to results/<scenario name> under the working directory."""
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["run", ORIGINAL, "--no-report"]) == 0
    finally:
        os.chdir(cwd)
    assert (
        sorted(p.name for p in (tmp_path / "results" / "original_opd_day").iterdir())
        == OUTPUT_FILES
    )
    assert "wrote" in capsys.readouterr().out


def test_rerun_replaces_the_output_directory(tmp_path, capsys):
    """Running again into an earlier run's --out replaces its files and leaves no stray ones."""
    out = tmp_path / "out"
    assert main(["run", ORIGINAL, "--out", str(out), "--seed", "2"]) == 0  # with the report
    assert main(["run", ORIGINAL, "--out", str(out), "--seed", "1", "--no-report"]) == 0
    assert sorted(p.name for p in out.iterdir()) == OUTPUT_FILES
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging directory left behind


@pytest.mark.parametrize("command", ["run", "compare"])
def test_out_never_overwrites_a_directory_that_is_not_a_run(tmp_path, capsys, command):
    """A --out holding other files, a file, or a path under a file: exit 2, nothing touched."""
    mine = tmp_path / "project"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep me too")
    extra = ["--policy", "fifo", "--policy", "priority-bump", "--replications", "2"]
    for out, fragment in [(mine, "holds files this command did not write (notes.txt)"),
                          (a_file, "is not a directory"),
                          (a_file / "sub", "is not a directory")]:  # fmt: skip
        args = [command, ORIGINAL, "--out", str(out), *(extra if command == "compare" else [])]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and fragment in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "project"]
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_policy_override_is_used_and_recorded(tmp_path, capsys):
    """`--policy fifo` runs without bumps and the manifest and summary say fifo."""
    out = tmp_path / "out"
    assert (
        main(["run", ORIGINAL, "--policy", "fifo", "--out", str(out), "--json", "--no-report"]) == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["policy"] == "fifo" and summary["bumped"] == 0
    assert json.loads((out / "manifest.json").read_text())["policy"]["name"] == "fifo"


BAD_FILES = {
    "syntax.yaml": "name: [unclosed\n",
    "unknown_key.yaml": "doctors: [{id: a}]\ncolour: blue\n",
    "negative_rate.yaml": "doctors: [{id: a}]\ndemand: {walkin: {per_hour: -3}}\n",
    "no_doctors.yaml": "name: empty\n",
    "empty.yaml": "",
}


@pytest.mark.parametrize("filename", sorted(BAD_FILES))
def test_bad_scenario_exits_2_without_output(tmp_path, filename):
    """A bad scenario file: exit 2, one-line errors, no traceback, no output directory."""
    path = tmp_path / filename
    path.write_text(BAD_FILES[filename])
    out = tmp_path / "out"
    done = run_cli("run", str(path), "--out", str(out), cwd=tmp_path)
    assert done.code == 2, done.err
    assert "Traceback" not in done.err and done.out == ""
    assert all(line.startswith("opd-sim: error: ") for line in done.err.splitlines())
    assert sorted(p.name for p in tmp_path.iterdir()) == [filename]


@pytest.mark.parametrize("args", [
    ["--policy", "no-such-policy"], ["--replications", "0"], ["--seed", "-1"],
])  # fmt: skip
def test_bad_options_exit_2_without_output(tmp_path, capsys, args):
    """An unknown policy, zero replications or a negative seed: exit 2 and nothing written."""
    out = tmp_path / "out"
    assert main(["run", ORIGINAL, "--out", str(out), *args]) == 2
    assert not out.exists()
    assert capsys.readouterr().err.startswith("opd-sim: error: ")


def test_a_scenario_piped_on_stdin_is_hashed_as_read(tmp_path):
    """`cat s.yaml | opd-sim run /dev/stdin`: the manifest holds the SHA-256 of the piped bytes
    (the file is read once; reading the pipe again would find it empty)."""
    import hashlib

    piped = (SCENARIOS / "textbook_mm1.yaml").read_text(encoding="utf-8")
    out = tmp_path / "out"
    done = run_cli("run", "/dev/stdin", "--out", str(out), "--no-report", stdin=piped)
    assert done.code == 0, done.err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_file"] == "/dev/stdin"
    assert manifest["scenario_sha256"] == hashlib.sha256(piped.encode("utf-8")).hexdigest()


def test_a_session_opening_at_a_fraction_of_a_minute_runs(tmp_path):
    """Cutting 63.6988748111864 + k hours into hours once rounded down to the hour just ended,
    and the demand loop never moved on: the run must end (here within a minute)."""
    path = tmp_path / "s.yaml"
    path.write_text("sessions: [{open: 63.6988748111864, close: 400}]\ndoctors: [{id: a}]\n"
                    "demand: {walkin: {per_hour: 5}}\n")  # fmt: skip
    done = run_cli("run", str(path), "--out", str(tmp_path / "out"), "--no-report", timeout=60)
    assert done.code == 0, done.err


def test_missing_scenario_file_exits_2(tmp_path, capsys):
    """A scenario path that does not exist: exit 2 and no output directory."""
    assert main(["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_simulate_day_json_has_the_original_fields():
    """`simulate-day --json` has the original summary's fields, as a real process."""
    done = run_cli("simulate-day", "--json", "--seed", "3")
    assert done.code == 0, done.err
    summary = done.json
    for key in ("doctors", "slots_created", "tokens_booked", "emergencies", "cancellations",
                "waitlisted_remaining"):  # fmt: skip
        assert isinstance(summary[key], int), key
    assert summary["doctors"] == 3 and summary["seed"] == 3


def test_simulate_day_is_seeded(capsys):
    """simulate-day gives the same day for one seed and another day for another seed."""
    runs = []
    for seed in ("1", "1", "2"):
        assert main(["simulate-day", "--json", "--seed", seed]) == 0
        runs.append(json.loads(capsys.readouterr().out))
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_simulate_day_prints_a_readable_summary(capsys):
    """Without --json, simulate-day prints the day's counts and the waits table."""
    assert main(["simulate-day"]) == 0
    out = capsys.readouterr().out
    for text in ("doctors", "slots created", "tokens booked", "waitlisted remaining", "WALKIN"):
        assert text in out


def test_progress_bar_only_on_a_terminal(monkeypatch):
    """Replications get a progress bar on a terminal (after a delay), never in a pipe or file."""
    from opd_sim.cli import simulate

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert simulate.progress_bar(10) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert simulate.progress_bar(1) is None
    bar = simulate.progress_bar(3)
    assert list(bar(range(3))) == [0, 1, 2]


@pytest.mark.parametrize("text", [None, "name: quiet\ndoctors: [{id: a}, {id: b}]\n"])
def test_read_run_gives_back_the_simulated_frames(tmp_path, capsys, text):
    """read_run returns frames equal to the simulated ones, empty runs' categories included."""
    from pandas.testing import assert_frame_equal

    from opd_sim.scenario import load_scenario
    from opd_sim.simulation import multiple_replications, read_run

    path = ORIGINAL
    if text is not None:
        path = str(tmp_path / "quiet.yaml")
        (tmp_path / "quiet.yaml").write_text(text)
    out = tmp_path / "out"
    assert (
        main(["run", path, "--replications", "2", "--out", str(out), "--seed", "6", "--no-report"])
        == 0
    )
    files = read_run(out)
    here = multiple_replications(load_scenario(path), 2, seed=6)
    assert_frame_equal(files.decisions, here.decisions)
    assert_frame_equal(files.patients, here.patients)
    assert_frame_equal(files.slots, here.slots)
    assert files.manifest["seed"] == 6 and files.summary["replications"] == 2


def test_run_and_compare_never_replace_each_others_output(tmp_path, capsys):
    """A run's --out refuses a comparison's files (and any other); compare reruns into its own."""
    out = tmp_path / "mixed"
    compare = ["compare", ORIGINAL, "--policy", "fifo", "--policy", "priority-bump",
               "--replications", "2", "--out", str(out)]  # fmt: skip
    assert main(compare) == 0
    assert main(compare) == 0  # its own earlier output: replaced
    assert main(["run", ORIGINAL, "--out", str(out), "--no-report"]) == 2
    assert "comparison.json" in capsys.readouterr().err
    assert {"comparison.json", "comparison.parquet", "report.html"} <= {
        p.name for p in out.iterdir()}
