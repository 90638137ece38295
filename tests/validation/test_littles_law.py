"""Little's law L = lambda W on the decision and patient frames of every shipped scenario.

Over a window from the first arrival to the last departure, Little's law is an identity: the
time-average number present, integrated event by event, equals the arrival rate times the mean
time present. Here L comes from a sweep over events drawn from both frames (arrivals from the
patients frame, departures from the decision log's COMPLETED records) while W comes from the
patients frame alone, so the check also ties the two frames together. The steady-state form
(with sampling error, against M/M/1) is in test_single_queues.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opd_sim.scenario import load_scenario
from opd_sim.simulation import single_run

SHIPPED = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))


def time_average(arrivals: np.ndarray, departures: np.ndarray) -> tuple[float, float, float]:
    """(L, start, end): the time-average number present between the first arrival and the last
    departure, by sweeping +1 / -1 events in time order (departures first at equal times)."""
    times = np.concatenate([arrivals, departures])
    steps = np.concatenate([np.ones(len(arrivals)), -np.ones(len(departures))])
    order = np.lexsort((steps, times))
    times, present = times[order], np.cumsum(steps[order])
    area = float(np.sum(present[:-1] * np.diff(times)))
    start, end = float(times[0]), float(times[-1])
    return area / (end - start), start, end


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_littles_law_holds_on_the_frames(path: Path) -> None:
    """L (event sweep over both frames) equals lambda W, for the queue and for the whole visit."""
    result = single_run(load_scenario(path))
    patients, decisions = result.patients, result.decisions
    seen = patients[patients["status"] == "COMPLETED"].set_index("token_id")
    assert len(seen) > 0
    completed = decisions[decisions["kind"] == "COMPLETED"].set_index("token_id")["time"]
    departures = completed.reindex(seen.index)
    assert departures.notna().all()

    for leave, stay in ((seen["consult_start"], seen["wait_minutes"]),
                        (departures, seen["consult_end"] - seen["arrived_at"])):  # fmt: skip
        number, start, end = time_average(seen["arrived_at"].to_numpy(), leave.to_numpy())
        rate = len(seen) / (end - start)
        assert number == pytest.approx(rate * float(pd.Series(stay).mean()), rel=1e-9)
