"""Output directories (`run --out`, `compare --out`, `report DIR`): validated first, swapped in
atomically, never through a symlink, and never leaving staging directories behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli import Result, run_cli, start_cli

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL = str(ROOT / "scenarios" / "original_opd_day.yaml")
COMPARE = ["--policy", "fifo", "--policy", "priority-bump", "--replications", "2"]


def opd_sim(*args: str, cwd: Path | None = None) -> Result:
    """A real `opd-sim` process."""
    return run_cli(*args, cwd=cwd, timeout=180)


def assert_one_error_line(done: Result, fragment: str) -> None:
    """Exit 2, exactly one `opd-sim: error:` line on stderr naming ``fragment``."""
    assert done.code == 2, done.err
    assert done.err.count("\n") == 1 and done.err.startswith("opd-sim: error: ")
    assert fragment in done.err, done.err


def hidden(folder: Path) -> list[str]:
    """Names of hidden entries (staging or swapped-out directories) in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)  # a plain Python process, not opd-sim


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run directory with its report, to copy from."""
    out = tmp_path_factory.mktemp("earlier") / "run"
    done = opd_sim("run", ORIGINAL, "--seed", "4", "--out", str(out))
    assert done.code == 0, done.err
    return out


# 1 -------------------------------------------------------------- "is this an earlier output?"


@pytest.mark.parametrize("shape", ["directory", "symlink", "lone file"])
def test_a_directory_only_named_like_a_run_is_not_replaced(tmp_path: Path, shape: str) -> None:
    """A --out whose entries bear run file names but are a directory, a symlink, or not a whole
    run is no earlier run: exit 2 and nothing touched."""
    prev = tmp_path / "prev"
    prev.mkdir()
    precious = tmp_path / "thesis.tex"
    precious.write_text("x")
    if shape == "directory":
        (prev / "summary.json").mkdir()
        precious = prev / "summary.json" / "thesis.tex"
        precious.write_text("x")
    elif shape == "symlink":
        (prev / "summary.json").symlink_to(precious)
    else:
        (prev / "summary.json").write_text("my own notes")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    done = opd_sim("run", ORIGINAL, "--out", str(prev), "--no-report")
    fragment = {"directory": "summary.json is a directory", "symlink": "summary.json is a symbolic "
                "link", "lone file": "missing decisions.parquet"}[shape]  # fmt: skip
    assert_one_error_line(done, fragment)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before
    assert precious.read_text() == "x"
    assert (prev / "summary.json").is_symlink() == (shape == "symlink")


# 2 -------------------------------------------------------------------- paths with .. in them


def test_out_through_dotdot_replaces_the_earlier_run(tmp_path: Path) -> None:
    """`--out rr/../rr` names rr itself: the earlier run is replaced, nothing is left hidden."""
    assert opd_sim("run", ORIGINAL, "--out", "rr", "--no-report", cwd=tmp_path).code == 0
    done = opd_sim("run", ORIGINAL, "--seed", "9", "--out", "rr/../rr", "--no-report",
                   cwd=tmp_path)  # fmt: skip
    assert done.code == 0, done.err
    assert [p.name for p in tmp_path.iterdir()] == ["rr"]
    assert json.loads((tmp_path / "rr" / "manifest.json").read_text())["seed"] == 9


def test_a_failed_write_leaves_the_earlier_output_in_place(tmp_path: Path) -> None:
    """Whatever fails while the new output is being written, the old one stays as it was."""
    from opd_sim.errors import InvalidInput
    from opd_sim.outputs import OwnedFiles, write_directory

    owned = OwnedFiles(frozenset({"a.txt", "b.txt"}), frozenset({"a.txt"}))
    out = tmp_path / "out"
    write_directory(out, owned, lambda staging: (staging / "a.txt").write_text("old"))

    def fails(staging: Path) -> None:
        (staging / "a.txt").write_text("new")
        raise OSError(28, "No space left on device")

    with pytest.raises(InvalidInput, match="cannot write there: No space left on device"):
        write_directory(tmp_path / "x" / ".." / "out", owned, fails)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in out.iterdir()] == ["a.txt"] and (out / "a.txt").read_text() == "old"


# 3 ------------------------------------------------------------------- compare is atomic too


def test_compare_refuses_a_broken_earlier_comparison_before_writing(tmp_path: Path) -> None:
    """A comparison directory whose comparison.json is a directory: exit 2, nothing replaced."""
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "comparison.parquet").write_text("old parquet")
    (out / "report.html").write_text("old report")
    (out / "comparison.json").mkdir()
    done = opd_sim("compare", ORIGINAL, *COMPARE, "--out", str(out))
    assert_one_error_line(done, "comparison.json is a directory")
    assert (out / "comparison.parquet").read_text() == "old parquet"
    assert (out / "report.html").read_text() == "old report"
    assert hidden(tmp_path) == []


def test_compare_rerun_replaces_its_output_in_one_swap(tmp_path: Path) -> None:
    """A second comparison into the same --out replaces all its files and leaves nothing."""
    out = tmp_path / "cmp"
    assert opd_sim("compare", ORIGINAL, *COMPARE, "--out", str(out)).code == 0
    first = (out / "comparison.json").stat().st_ino
    done = opd_sim("compare", ORIGINAL, *COMPARE, "--seed", "3", "--out", str(out))
    assert done.code == 0, done.err
    assert json.loads((out / "comparison.json").read_text())["seed"] == 3
    assert (out / "comparison.json").stat().st_ino != first
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]


# 4 --------------------------------------------------------------- staging of killed writers


def test_a_sigkilled_runs_staging_is_removed_by_the_next_run(tmp_path: Path) -> None:
    """`opd-sim run` killed with SIGKILL while writing leaves its staging directory; the next
    write to the same --out removes it (its writer is dead)."""
    out = tmp_path / "out"
    child = start_cli("run", ORIGINAL, "--out", str(out))
    deadline = time.monotonic() + 120
    while not hidden(tmp_path) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)  # the staging directory lives for the whole (plotting) write
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert hidden(tmp_path), "the write was not caught in the act"
    assert not out.exists()
    done = opd_sim("run", ORIGINAL, "--out", str(out), "--no-report")
    assert done.code == 0, done.err
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_only_staging_of_dead_writers_is_removed(tmp_path: Path) -> None:
    """Staging named for a dead pid is removed on the next write; a live process's is kept."""
    dead, alive = dead_pid(), os.getpid()
    for pid in (dead, alive):
        (tmp_path / f".out.staging-{pid}-abc123").mkdir()
        (tmp_path / f".out.staging-{pid}-abc123" / "summary.json").write_text("{}")
    (tmp_path / f".other.staging-{dead}-abc123").mkdir()  # another output's: not ours to judge
    done = opd_sim("run", ORIGINAL, "--out", str(tmp_path / "out"), "--no-report")
    assert done.code == 0, done.err
    assert hidden(tmp_path) == [f".other.staging-{dead}-abc123", f".out.staging-{alive}-abc123"]


def test_a_run_swapped_out_by_a_killed_writer_comes_back(tmp_path: Path) -> None:
    """A writer killed between its two renames left the old output aside: the next write's
    clean-up puts it back before anything else happens."""
    from opd_sim.outputs import clean_stale

    aside = tmp_path / f".out.old-{dead_pid()}-abc123"
    (aside / "out").mkdir(parents=True)
    (aside / "out" / "summary.json").write_text("{}")
    clean_stale(tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out" / "summary.json").read_text() == "{}"


def test_out_that_is_the_working_directory_is_refused(earlier_run, tmp_path: Path) -> None:
    """`--out .` inside an earlier run: exit 2, as swapping out the working directory would
    strand whoever stands in it."""
    run = tmp_path / "run"
    shutil.copytree(earlier_run, run)
    assert_one_error_line(opd_sim("run", ORIGINAL, "--out", ".", cwd=run), "working directory")
    assert_one_error_line(opd_sim("report", ".", cwd=run), "working directory")
    assert sorted(p.name for p in run.iterdir()) == sorted(p.name for p in earlier_run.iterdir())


# 5 ---------------------------------------------------------------------------- symlinks


@pytest.mark.parametrize("command", ["run", "compare"])
def test_out_that_is_a_symlink_is_refused(tmp_path: Path, command: str) -> None:
    """--out naming a symlink to an empty directory: exit 2, link and directory untouched."""
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    extra = COMPARE if command == "compare" else ["--no-report"]
    done = opd_sim(command, ORIGINAL, *extra, "--out", str(link))
    assert_one_error_line(done, "is a symbolic link")
    assert link.is_symlink() and list(target.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "target"]


def test_out_below_a_symlink_loop_is_one_clear_line(tmp_path: Path) -> None:
    """--out under a symlink loop: exit 2 with one line, not an internal error."""
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    done = opd_sim("run", ORIGINAL, "--no-report", "--out", str(tmp_path / "a" / "x"))
    assert_one_error_line(done, "cannot resolve the path")


# 6 ------------------------------------------------------------------------- opd-sim report


def _damage(run: Path, how: str) -> Path | None:
    """Damage a copy of a run as ``how`` says; return a file that must stay untouched."""
    import pandas as pd

    if how == "foreign columns":
        pd.DataFrame({"a": [1, 2]}).to_parquet(run / "decisions.parquet")
    elif how == "non-numeric column":
        patients = pd.read_parquet(run / "patients.parquet")
        patients["wait_minutes"] = "soon"
        patients.to_parquet(run / "patients.parquet")
    elif how == "deeply nested summary":
        (run / "summary.json").write_text('{"a": ' * 100_000 + "1" + "}" * 100_000)
    elif how == "nested summary":
        (run / "summary.json").write_text('{"a": ' * 600 + "1" + "}" * 600)
    elif how == "report.html is a directory":
        (run / "report.html").unlink()
        (run / "report.html").mkdir()
    elif how == "report.html is a symlink":
        elsewhere = run.parent / "elsewhere.html"
        elsewhere.write_text("not yours")
        (run / "report.html").unlink()
        (run / "report.html").symlink_to(elsewhere)
        return elsewhere
    return None


REPORT_CASES = {
    "foreign columns": "decisions.parquet: not a decisions frame (missing columns",
    "non-numeric column": "patients.parquet: column wait_minutes is not numeric",
    "deeply nested summary": "summary.json: cannot be read (nested too deeply)",
    "nested summary": "summary.json: cannot be read (nested too deeply)",
    "report.html is a directory": "report.html is a directory",
    "report.html is a symlink": "report.html is a symbolic link",
}


@pytest.mark.parametrize("how", sorted(REPORT_CASES))
def test_report_of_a_bad_run_directory_is_one_clear_line(earlier_run, tmp_path, how) -> None:
    """`opd-sim report DIR` on foreign, deep or unwritable contents: exit 2, one line, no file
    changed (a symlinked report.html is never followed)."""
    run = tmp_path / "run"
    shutil.copytree(earlier_run, run, symlinks=True)
    untouched = _damage(run, how)
    before = {p.name: (p.is_symlink(), p.is_dir() or p.read_bytes()) for p in run.iterdir()}
    done = opd_sim("report", str(run))
    assert_one_error_line(done, REPORT_CASES[how])
    assert {p.name: (p.is_symlink(), p.is_dir() or p.read_bytes()) for p in run.iterdir()} == before
    if untouched is not None:
        assert untouched.read_text() == "not yours"
    assert hidden(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through any permission bits")
def test_report_into_a_directory_it_cannot_write(earlier_run, tmp_path) -> None:
    """A run directory whose parent is read-only: exit 2 with one line, not a PermissionError."""
    parent = tmp_path / "locked"
    shutil.copytree(earlier_run, parent / "run")
    parent.chmod(0o555)
    try:
        assert_one_error_line(opd_sim("report", str(parent / "run")), "cannot write there")
    finally:
        parent.chmod(0o755)


def test_report_rebuilds_the_report_of_a_good_run(earlier_run, tmp_path) -> None:
    """`opd-sim report DIR` swaps in fresh plots and report.html and keeps the data files."""
    run = tmp_path / "run"
    shutil.copytree(earlier_run, run)
    (run / "report.html").write_text("stale")
    summary = (run / "summary.json").read_bytes()
    done = opd_sim("report", str(run))
    assert done.code == 0, done.err
    assert sorted(p.name for p in run.iterdir()) == sorted(p.name for p in earlier_run.iterdir())
    assert "<html" in (run / "report.html").read_text()
    assert (run / "summary.json").read_bytes() == summary
    assert hidden(tmp_path) == []
