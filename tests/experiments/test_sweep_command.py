"""`opd-sim sweep` as a real process: its files, its refusals, its report, its processes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from opd_sim.experiments import METRICS
from opd_sim.sweep_output import read_sweep
from tests.cli import run_cli
from tests.simulation.conftest import SCENARIOS
from tests.simulation.test_progress import _stderr_on_a_terminal

ORIGINAL = str(SCENARIOS / "original_opd_day.yaml")
GRID = ("sweep", ORIGINAL, "--set", "doctors.0.seats_per_slot=1,2", "--policy", "priority-bump",
        "--policy", "fifo", "--replications", "3", "--seed", "4")  # fmt: skip
FILES = ["report.html", "sweep.json", "sweep.parquet", "sweep.png"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 seat counts x 2 policies x 3 replications of the original day, written by the CLI."""
    out = tmp_path_factory.mktemp("sweep") / "serial"
    done = run_cli(*GRID, "--out", str(out), json_output=True)
    assert done.code == 0, done.err
    return out


def test_sweep_writes_a_row_per_run_and_its_json(swept: Path) -> None:
    """Four files; sweep.parquet has the 12 runs, sweep.json the settings and the summary."""
    assert sorted(p.name for p in swept.iterdir()) == FILES
    frame = pd.read_parquet(swept / "sweep.parquet")
    assert len(frame) == 12 and list(frame.columns[:4]) == [
        "doctors.0.seats_per_slot", "variant", "policy", "replication"]  # fmt: skip
    data = json.loads((swept / "sweep.json").read_text())
    assert data["settings"] == {"doctors.0.seats_per_slot": [1, 2]}
    assert data["policies"] == ["priority-bump", "fifo"]
    assert (data["seed"], data["replications"], data["runs"]) == (4, 3, 12)
    assert len(data["summary"]) == 4 * len(METRICS) == 4 * len(data["metrics"])
    assert data["base_scenario"]["name"] == "original_opd_day"


def test_two_processes_give_the_serial_sweep(swept: Path, tmp_path: Path) -> None:
    """`--workers 2` writes exactly the frame and summary of the serial sweep."""
    done = run_cli(*GRID, "--workers", "2", "--out", str(tmp_path / "parallel"))
    assert done.code == 0, done.err
    pd.testing.assert_frame_equal(pd.read_parquet(swept / "sweep.parquet"),
                                  pd.read_parquet(tmp_path / "parallel" / "sweep.parquet"))
    serial, parallel = (json.loads((d / "sweep.json").read_text())
                        for d in (swept, tmp_path / "parallel"))  # fmt: skip
    assert serial["summary"] == parallel["summary"]


def test_read_sweep_gives_back_the_frame_and_summary(swept: Path) -> None:
    """read_sweep restores the runs as written and recomputes the summary sweep.json holds."""
    again = read_sweep(swept)
    pd.testing.assert_frame_equal(again.frame, pd.read_parquet(swept / "sweep.parquet"))
    stored = json.loads((swept / "sweep.json").read_text())["summary"]
    assert again.to_json()["summary"] == stored
    assert [v.label for v in again.variants] == ["doctors.0.seats_per_slot=1",
                                                 "doctors.0.seats_per_slot=2"]  # fmt: skip


def test_report_is_self_contained(swept: Path) -> None:
    """report.html embeds its figure and style: no src or href names another file."""
    page = (swept / "report.html").read_text()
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources and all(s.startswith(("data:image/png;base64,", "#")) for s in sources)
    assert "<link" not in page and "@import" not in page
    assert "Sweep of original_opd_day" in page and "fifo" in page
    assert (swept / "sweep.png").read_bytes().startswith(b"\x89PNG")


def test_report_command_rebuilds_a_sweep_directory(swept: Path) -> None:
    """`opd-sim report DIR` on a sweep rebuilds its plot and report, data files untouched."""
    data = {name: (swept / name).read_bytes() for name in ("sweep.parquet", "sweep.json")}
    (swept / "report.html").unlink()
    (swept / "sweep.png").unlink()
    done = run_cli("report", str(swept), json_output=True)
    assert done.code == 0, done.err
    assert done.json == {"report": str(swept / "report.html")}
    assert sorted(p.name for p in swept.iterdir()) == FILES
    assert {name: (swept / name).read_bytes() for name in data} == data


def test_report_of_a_damaged_sweep_names_the_file(swept: Path, tmp_path: Path) -> None:
    """A sweep.json that is not JSON: exit 2, one line naming it, nothing changed."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(swept, broken)
    (broken / "sweep.json").write_text("{not json")
    done = run_cli("report", str(broken))
    assert done.code == 2 and done.err.count("\n") == 1
    assert "sweep.json: cannot be read" in done.err
    assert (broken / "sweep.json").read_text() == "{not json"


@pytest.mark.parametrize(
    ("sets", "fragment"),
    [
        (["doctor.0.seats_per_slot=1,2"],
         "--set doctor.0.seats_per_slot=1,2: doctor: unknown field (did you mean 'doctors'?)"),
        (["no_show.online.probability=0.1,1.5"],
         "--set no_show.online.probability=1.5: no_show.online.probability: must be a "
         "probability between 0 and 1"),
        (["doctors.0.seats_per_slot"], "--set doctors.0.seats_per_slot: expected PATH=VALUE"),
        (["doctors.0.seats_per_slot=1,,2"], "an empty value"),
        (["doctors.9.seats_per_slot=1"], "doctors.9: no item"),
        (["slot_minutes=5,10,15", "demand.walkin.per_hour=" + ",".join(map(str, range(1200)))],
         "at most 10,000"),
    ],
)  # fmt: skip
def test_an_invalid_set_exits_2_and_writes_nothing(sets, fragment, tmp_path: Path) -> None:
    """A bad --set is exit 2 with one line naming the setting and the field; no directory."""
    out = tmp_path / "out"
    argv = [part for text in sets for part in ("--set", text)]
    done = run_cli("sweep", ORIGINAL, *argv, "--replications", "3", "--out", str(out))
    assert done.code == 2, done.err
    assert done.err.count("\n") == 1 and fragment in done.err, done.err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_sweep_refuses_a_directory_that_is_not_a_sweep(tmp_path: Path) -> None:
    """An --out holding other files is refused before anything runs."""
    (tmp_path / "notes.txt").write_text("mine")
    done = run_cli("sweep", ORIGINAL, "--set", "slot_minutes=15", "--replications", "1",
                   "--out", str(tmp_path))  # fmt: skip
    assert done.code == 2 and "notes.txt" in done.err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_sweep_draws_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal a long sweep shows a bar counting runs (default, single process)."""
    # a week of 24 doctors: each run takes long enough that the bar's 2 s delay passes
    code, drawn = _stderr_on_a_terminal(
        "sweep", str(SCENARIOS / "city_hospital_week.yaml"), "--set",
        "doctors.0.seats_per_slot=2,3", "--replications", "12", "--out", str(tmp_path / "out"),
        cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, drawn
    assert "runs" in drawn and "/24" in drawn, drawn


def test_a_variant_too_big_to_run_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """A sweep whose one variant would make millions of tokens: exit 2 naming that variant and
    the fields that drive it, nothing written; `--max-tokens` is the way through."""
    big = ["sweep", ORIGINAL, "--set", "days=1,3000", "--set", "demand.walkin.per_hour=10,5000",
           "--replications", "2", "--out", str(tmp_path / "out")]  # fmt: skip
    done = run_cli(*big)
    assert done.code == 2 and done.err.count("\n") == 1, done.err
    assert "--set days=3000, demand.walkin.per_hour=5000:" in done.err
    assert "driven by days" in done.err and "--max-tokens" in done.err
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_written_before_patients_could_leave_still_reads(
    swept: Path, tmp_path: Path
) -> None:
    """Without the left-unseen and early-expiry columns (an older sweep.parquet), read_sweep
    gives them as unknown and the report leaves leaving out, rather than refusing the sweep."""
    import shutil

    from opd_sim.sweep_output import write_sweep_report

    old = tmp_path / "old"
    shutil.copytree(swept, old)
    frame = pd.read_parquet(old / "sweep.parquet")
    added = ["expired_waiting_too_long", "left_unseen", "left_unseen_rate"]
    frame.drop(columns=added).to_parquet(old / "sweep.parquet", index=False)
    again = read_sweep(old)
    assert again.frame[added].isna().all().all()
    summary = again.summary[again.summary["metric"].isin(added)]
    assert len(summary) == 4 * len(added) and summary["mean"].isna().all()
    page = write_sweep_report(old).read_text(encoding="utf-8")
    assert "left unseen" not in page.lower() and "<table" in page


def test_a_sweep_where_patients_leave_reports_them(swept: Path) -> None:
    """The Patients table gains a left-unseen column where somebody left; the original day's
    sweep (nobody can leave) has none."""
    from opd_sim.experiments import sweep
    from opd_sim.reporting.sweep_report import render_sweep_report
    from tests.analysis.conftest import realistic_district

    run = sweep(realistic_district(), {"doctors.0.seats_per_slot": [2, 3]}, None,
                replications=2, seed=4)  # fmt: skip
    page, _png = render_sweep_report(run)
    patients = page[page.index(">Patients</h2>"):page.index(">Tokens</h3>")]
    assert '<th class="num">left unseen</th>' in patients
    means = run.summary[run.summary["metric"] == "left_unseen"]["mean"]
    assert (means > 0).all()
    assert "left unseen" not in (swept / "report.html").read_text(encoding="utf-8").lower()
