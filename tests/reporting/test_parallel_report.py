"""Figures drawn by forked helper processes (`opd-sim run --workers N`) are the figures drawn in
one process, byte for byte, and so is every file of the run; a helper's failure, or the
writer's, ends the helpers and fails the write."""

from __future__ import annotations

import multiprocessing
import os
import re
from pathlib import Path

import pytest

from opd_sim.reporting.page import figure_png
from opd_sim.reporting.plots import PLOTS, draw_plots, drawing, slot_fill
from tests.cli import run_cli
from tests.simulation.conftest import SCENARIOS, shipped_run

needs_two_cpus = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="helpers are only forked with two CPUs or more"
)


@pytest.fixture(scope="module")
def day():
    """The original OPD day, two replications: every figure has something to draw."""
    return shipped_run("original_opd_day", replications=2)


@needs_two_cpus
def test_forked_helpers_draw_the_bytes_drawn_here(day) -> None:
    frames = (day.decisions, day.patients, day.slots)
    with drawing(*frames, workers=2) as figures:
        assert figures is not None  # really drawn elsewhere, not handed back to the caller
        assert list(figures) == list(PLOTS)
        drawn = {name: figures[name] for name in figures}
    assert drawn == draw_plots(*frames, replications=2)
    assert multiprocessing.active_children() == []


def test_one_worker_leaves_the_drawing_to_the_caller(day) -> None:
    with drawing(day.decisions, day.patients, day.slots, workers=1) as figures:
        assert figures is None


@needs_two_cpus
def test_a_figure_failing_in_a_helper_fails_its_reader(day) -> None:
    """The helper's exception reaches whoever reads that figure; the others still come."""
    patients = day.patients.drop(columns=["wait_minutes"])  # waits cannot be drawn without it
    with drawing(day.decisions, patients, day.slots, workers=2) as figures:
        assert figures is not None
        with pytest.raises(KeyError, match="wait_minutes"):
            figures["waits_by_source.png"]
        assert figures["slot_fill.png"] == figure_png(slot_fill(day.slots, replications=2))
    assert multiprocessing.active_children() == []


@needs_two_cpus
def test_an_error_while_drawing_ends_the_helpers(day) -> None:
    """An exception in the block (a full disk, say) propagates and leaves no helper behind."""
    with pytest.raises(OSError, match="no space"), drawing(
        day.decisions, day.patients, day.slots, workers=2
    ):
        raise OSError("no space left on device")
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
