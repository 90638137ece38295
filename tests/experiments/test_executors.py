"""Replications give identical frames whichever executor runs them: serial, processes, Dask."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from opd_sim.errors import InvalidInput
from opd_sim.experiments import SerialExecutor, open_executor
from opd_sim.experiments.executors import DASK_CONNECT_TIMEOUT_SECONDS
from opd_sim.simulation import multiple_replications
from tests.cli import run_cli
from tests.simulation.conftest import SCENARIOS, shipped

REPLICATIONS = 4


@pytest.fixture(scope="module")
def serial():
    """Four replications of the original OPD day run in this process, the reference."""
    return multiple_replications(shipped("original_opd_day"), REPLICATIONS, seed=11)


def assert_same_run(here, there) -> None:
    """Frames equal cell for cell (dtypes included) and summaries equal."""
    pd.testing.assert_frame_equal(here.decisions, there.decisions)
    pd.testing.assert_frame_equal(here.patients, there.patients)
    assert here.summary == there.summary
    assert here.decision_count == there.decision_count


def test_serial_executor_matches_the_plain_loop(serial) -> None:
    """Submitting through SerialExecutor is the same as the in-process loop."""
    again = multiple_replications(shipped("original_opd_day"), REPLICATIONS, seed=11,
                                  executor=SerialExecutor())  # fmt: skip
    assert_same_run(serial, again)


def test_local_processes_give_identical_frames(serial) -> None:
    """Two worker processes produce exactly the serial frames and summary."""
    with open_executor(workers=2) as pool:
        parallel = multiple_replications(shipped("original_opd_day"), REPLICATIONS, seed=11,
                                         executor=pool)  # fmt: skip
    assert_same_run(serial, parallel)


def test_realistic_days_are_the_same_serial_and_parallel() -> None:
    """The district hospital (rosters, lateness, patience, waitlist expiry, aging, a shared
    queue of doctors of different speeds) gives the same frames on two processes as in one,
    left-unseen reasons (texts with numbers) included."""
    scenario = shipped("district_hospital")
    here = multiple_replications(scenario, 3, seed=5)
    with open_executor(workers=2) as pool:
        there = multiple_replications(scenario, 3, seed=5, executor=pool)
    assert_same_run(here, there)
    assert (here.patients["status"] == "LEFT").any()
    assert (here.decisions["reason"] == "waitlisted past the waitlist expiry").any()


@pytest.mark.slow
def test_a_dask_cluster_on_loopback_gives_identical_frames(serial) -> None:
    """A real Dask LocalCluster (two worker processes on 127.0.0.1) reproduces the serial run."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:  # fmt: skip
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        with open_executor(dask_address=cluster.scheduler_address) as executor:
            remote = multiple_replications(shipped("original_opd_day"), REPLICATIONS, seed=11,
                                           executor=executor)  # fmt: skip
    assert_same_run(serial, remote)


def test_bad_executor_choices_are_input_errors() -> None:
    """Zero workers, or a Dask address nobody listens on, is exit 2 with a clear message."""
    with pytest.raises(InvalidInput, match="workers must be 1 or more"), open_executor(workers=0):
        pass
    pytest.importorskip("dask.distributed")
    with pytest.raises(InvalidInput, match="cannot reach the Dask scheduler"), open_executor(
        dask_address="tcp://127.0.0.1:9"
    ):
        pass


def test_a_malformed_dask_address_is_an_input_error() -> None:
    """`--dask notanaddress` is exit 2, not a crash."""
    pytest.importorskip("dask.distributed")
    with pytest.raises(InvalidInput, match="cannot reach the Dask scheduler"), open_executor(
        dask_address="notanaddress"
    ):
        pass


def test_an_unreachable_dask_scheduler_fails_fast(tmp_path: Path) -> None:
    """`opd-sim run --dask` at a port nobody listens on (a real process): exit 2 with one line
    well inside the 10 seconds it used to wait, nothing written."""
    pytest.importorskip("dask.distributed")
    scenario = str(SCENARIOS / "original_opd_day.yaml")
    # what the process costs before it dials (interpreter, opd_sim, dask, the scenario), timed
    # on this machine now, so a busy machine does not pass for a slow connect
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import dask.distributed, opd_sim.cli.app, "
                    "opd_sim.simulation"], check=True, timeout=60)  # fmt: skip
    start_up = time.monotonic() - started
    started = time.monotonic()
    done = run_cli("run", scenario, "--dask", "tcp://127.0.0.1:1", "--out", str(tmp_path / "out"),
                   timeout=60)
    elapsed = time.monotonic() - started
    assert done.code == 2 and done.err.count("\n") == 1, done.err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in done.err
    assert elapsed - start_up < DASK_CONNECT_TIMEOUT_SECONDS + 3.0, (elapsed, start_up)
    assert list(tmp_path.iterdir()) == []


def test_the_dask_connect_timeout_is_short_and_kept() -> None:
    """Connecting gives up after the documented DASK_CONNECT_TIMEOUT_SECONDS (3 s)."""
    pytest.importorskip("dask.distributed")
    assert DASK_CONNECT_TIMEOUT_SECONDS == 3
    started = time.monotonic()
    with pytest.raises(InvalidInput), open_executor(dask_address="tcp://127.0.0.1:1"):
        pass
    assert time.monotonic() - started < DASK_CONNECT_TIMEOUT_SECONDS + 2


def test_meanwhile_runs_once_while_workers_simulate(serial) -> None:
    """`meanwhile` (what `opd-sim run` loads matplotlib in) is called once in this process when
    the replications run in worker processes, never when they run here, and changes nothing."""
    calls: list[int] = []
    with open_executor(workers=2) as pool:
        parallel = multiple_replications(
            shipped("original_opd_day"), REPLICATIONS, seed=11, executor=pool,
            meanwhile=lambda: calls.append(1),
        )  # fmt: skip
    assert calls == [1]
    assert_same_run(serial, parallel)
    here = multiple_replications(shipped("original_opd_day"), REPLICATIONS, seed=11,
                                 meanwhile=lambda: calls.append(2))  # fmt: skip
    assert calls == [1]
    assert_same_run(serial, here)
