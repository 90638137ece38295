"""Waits and delays by source: how long patients sat before the doctor called them in.

Two measures, both columns of the patients frame: ``wait_minutes`` (consultation start minus
arrival) is the patient's experience of the waiting room and the measure for walk-ins;
``delay_minutes`` (consultation start minus the later of arrival and slot start) is the delay
past the appointment, the measure appointment-scheduling studies report for booked patients,
whose wait includes their own earliness. A delay is negative for a patient called in before
their slot starts.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from opd_sim.analysis._frames import SOURCES

__all__ = ["MEASURES", "WITHIN_MINUTES", "wait_statistics", "waits_by_source"]

Measure = Literal["wait_minutes", "delay_minutes"]

#: The patients frame's columns a wait table can be made of.
MEASURES: tuple[Measure, ...] = ("wait_minutes", "delay_minutes")
#: Thresholds of the "seen within" shares, minutes.
WITHIN_MINUTES = (15, 30, 60)


def wait_statistics(minutes: np.ndarray | pd.Series) -> dict[str, Any]:
    """``n``, ``mean``, ``p50``, ``p90``, ``p95``, ``max`` and the shares seen within 15, 30
    and 60 minutes (``share_within_15_minutes``, ...) of the values that are not NaN.

    Percentiles interpolate linearly between order statistics (numpy's default). With no
    values ``n`` is 0 and every other entry is None.
    """
    values = np.asarray(minutes, dtype=np.float64)
    values = values[~np.isnan(values)]
    shares = [f"share_within_{m}_minutes" for m in WITHIN_MINUTES]
    if not len(values):
        return {"n": 0, "mean": None, "p50": None, "p90": None, "p95": None, "max": None,
                **dict.fromkeys(shares)}  # fmt: skip
    p50, p90, p95 = np.percentile(values, [50, 90, 95])
    return {
        "n": len(values), "mean": float(values.mean()), "p50": float(p50), "p90": float(p90),
        "p95": float(p95), "max": float(values.max()),
        **{share: float((values <= m).mean()) for share, m in zip(shares, WITHIN_MINUTES,
                                                                   strict=True)},
    }  # fmt: skip


def waits_by_source(patients: pd.DataFrame, measure: Measure = "wait_minutes") -> pd.DataFrame:
    """One row per source (all five, in priority order) and an ``ALL`` row: the
    :func:`wait_statistics` of ``measure`` over the patients seen.

    Pooled over every replication in the frame (percentiles of all patients together); for
    one row set per replication use :func:`opd_sim.analysis.per_replication`.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    minutes = patients[measure].to_numpy(dtype=np.float64)
    source = patients["source"].astype(str).to_numpy()
    rows = {name: wait_statistics(minutes[source == name]) for name in SOURCES}
    rows["ALL"] = wait_statistics(minutes)
    table = pd.DataFrame.from_dict(rows, orient="index").astype(float)
    table["n"] = table["n"].astype(np.int64)
    table.index.name = "source"
    return table
