"""Figures drawn and frames written by forked helper processes (`opd-sim run --workers N`) are
those of one process, byte for byte, and so is every file of the run; a helper's failure, or
the writer's, ends the helpers and fails the write, leaving nothing behind."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
import time
from pathlib import Path

import pytest

from opd_sim.forking import Awaited, forked_helpers, inherited
from opd_sim.reporting.plots import PLOTS, draw_figure, draw_plots
from opd_sim.run_output import write_run
from opd_sim.simulation import manifest
from tests.cli import run_cli
from tests.simulation.conftest import SCENARIOS, shipped_run

needs_two_cpus = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="helpers are only forked with two CPUs or more"
)


@pytest.fixture(scope="module")
def day():
    """The original OPD day, two replications: every figure has something to draw."""
    return shipped_run("original_opd_day", replications=2)


def _figure(name: str) -> bytes:
    """A helper's task: a figure of the frames it inherited."""
    decisions, patients, slots = inherited()
    return draw_figure(name, decisions, patients, slots, replications=2)


@needs_two_cpus
def test_forked_helpers_draw_the_bytes_drawn_here(day) -> None:
    frames = (day.decisions, day.patients, day.slots)
    with forked_helpers(2, frames) as helpers:
        assert helpers is not None  # really drawn elsewhere, not left to this process
        figures = Awaited({name: helpers.submit(_figure, name) for name in PLOTS})
        assert list(figures) == list(PLOTS) and len(figures) == len(PLOTS)
        drawn = {name: figures[name] for name in figures}
    assert drawn == draw_plots(*frames, replications=2)
    assert multiprocessing.active_children() == []


def test_one_worker_leaves_the_work_to_this_process(day) -> None:
    with forked_helpers(1, (day.decisions, day.patients, day.slots)) as helpers:
        assert helpers is None
    with pytest.raises(RuntimeError, match="not forked"):
        inherited()


@needs_two_cpus
def test_a_task_failing_in_a_helper_fails_its_reader(day) -> None:
    """The helper's exception reaches whoever reads that result; the others still come."""
    patients = day.patients.drop(columns=["wait_minutes"])  # waits cannot be drawn without it
    with forked_helpers(2, (day.decisions, patients, day.slots)) as helpers:
        assert helpers is not None
        figures = Awaited({name: helpers.submit(_figure, name) for name in PLOTS})
        with pytest.raises(KeyError, match="wait_minutes"):
            figures["waits_by_source.png"]
        assert figures["slot_fill.png"] == draw_figure("slot_fill.png", day.decisions, patients,
                                                       day.slots, replications=2)  # fmt: skip
    assert multiprocessing.active_children() == []


@needs_two_cpus
def test_an_error_while_helpers_work_ends_them(day) -> None:
    """An exception in the block (a full disk, say) propagates and leaves no helper behind."""
    with pytest.raises(OSError, match="no space"), forked_helpers(2, day) as helpers:
        assert helpers is not None
        helpers.submit(_figure, "doctor_time.png")
        raise OSError("no space left on device")
    assert multiprocessing.active_children() == []


def _pid_after(seconds: float) -> int:
    """A helper's task: which process ran it, after a while."""
    time.sleep(seconds)
    return os.getpid()


@needs_two_cpus
def test_a_result_no_helper_has_begun_is_computed_by_its_reader() -> None:
    """Reading a result whose task is still queued runs it here rather than wait; one begun
    is waited for."""
    with forked_helpers(2, "anything") as helpers:
        assert helpers is not None
        futures = {str(n): helpers.submit(_pid_after, 0.5) for n in range(8)}
        results = Awaited(futures, here=lambda name: _pid_after(0))
        last = results["7"]  # two helpers are busy, so the eighth task is still queued
        first = results["0"]
    assert last == os.getpid() and futures["7"].cancelled()
    assert first != os.getpid()


def test_write_run_shares_every_file_and_analysis() -> None:
    """The work write_run hands out is every figure, every analysis and every frame, once."""
    from opd_sim.reporting.html import ANALYSES
    from opd_sim.run_output import _BY_COST

    assert sorted(_BY_COST) == sorted([*PLOTS, *ANALYSES, "decisions", "patients", "slots"])


def test_write_run_with_helpers_writes_the_files_of_one_process(day, tmp_path: Path) -> None:
    serial = write_run(day, tmp_path / "serial", manifest(day))
    parallel = write_run(day, tmp_path / "parallel", manifest(day), workers=2)
    assert multiprocessing.active_children() == []
    assert _files(serial) == _files(parallel)


def test_a_failed_write_with_helpers_leaves_nothing(day, tmp_path: Path) -> None:
    """A frame the helpers cannot draw fails the whole write: no run directory, no staging."""
    broken = dataclasses.replace(day, patients=day.patients.drop(columns=["wait_minutes"]))
    with pytest.raises(KeyError):
        write_run(broken, tmp_path / "run", manifest(day), workers=2)
    assert list(tmp_path.iterdir()) == []
    assert multiprocessing.active_children() == []


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a run directory, the run's duration (the one thing that may differ)
    blanked out of the manifest and the report."""
    files = {path.name: path.read_bytes() for path in folder.iterdir()}
    for name, duration in (("manifest.json", rb'"elapsed_seconds": [0-9.]+'),
                           ("report.html", rb"<th>elapsed</th><td>[^<]*</td>")):  # fmt: skip
        if name in files:
            files[name], found = re.subn(duration, b"", files[name])
            assert found == 1, name
    return files


@pytest.mark.parametrize("no_report", [False, True], ids=["report", "no-report"])
def test_a_run_with_workers_writes_the_files_of_a_serial_run(tmp_path: Path, no_report) -> None:
    """`opd-sim run --workers 2` (replications and figures in other processes) writes every
    file byte for byte as `--workers 1` does (a real process each)."""
    scenario = str(SCENARIOS / "original_opd_day.yaml")
    extra = ["--no-report"] if no_report else []
    outs = {}
    for workers in ("1", "2"):
        outs[workers] = tmp_path / f"w{workers}"
        done = run_cli("run", scenario, "--replications", "3", "--workers", workers, *extra,
                       "--out", str(outs[workers]), timeout=120)  # fmt: skip
        assert done.code == 0, done.err
    serial, parallel = _files(outs["1"]), _files(outs["2"])
    assert sorted(serial) == sorted(parallel)
    assert ("report.html" in serial) is not no_report
    for name in serial:
        assert serial[name] == parallel[name], name


@needs_two_cpus
@pytest.mark.parametrize("replications", ["1", "3"])
def test_matplotlib_is_loaded_once_for_all_the_processes(tmp_path: Path, replications) -> None:
    """The helpers are forked with matplotlib loaded, whether or not the replications ran in
    worker processes (which gave the writer time to load it meanwhile): no helper imports it
    again (a few tenths of a second of CPU each)."""
    import subprocess
    import sys

    scenario = str(SCENARIOS / "original_opd_day.yaml")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "opd_sim", "run", scenario, "--replications",
         replications, "--workers", "2", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    loads = [line for line in done.stderr.splitlines() if line.endswith("| matplotlib.figure")]
    assert len(loads) == 1, loads
