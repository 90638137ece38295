"""Patients who left unseen: who came, who went home before being called in, and how long they
had waited when they gave up.

Read from the patients frame alone: a patient who left has status LEFT and a ``left_at``; the
minutes they waited are ``left_at - arrived_at``. Counts are summed and percentiles pooled over
every replication in the frame (:func:`opd_sim.analysis.per_replication` keeps them apart).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from opd_sim.analysis._frames import LEFT_STATUS, SOURCES

__all__ = ["left_unseen"]

_COLUMNS = ("came", "left_unseen", "rate", "waited_mean_minutes", "waited_p50_minutes",
               "waited_p90_minutes")  # fmt: skip


def _row(came: np.ndarray, left: np.ndarray, waited: np.ndarray) -> dict[str, float]:
    arrived, gone = int(came.sum()), int(left.sum())
    minutes = waited[left]
    p50, p90 = np.percentile(minutes, [50, 90]) if gone else (math.nan, math.nan)
    return {"came": arrived, "left_unseen": gone, "rate": gone / arrived if arrived else math.nan,
            "waited_mean_minutes": float(minutes.mean()) if gone else math.nan,
            "waited_p50_minutes": float(p50), "waited_p90_minutes": float(p90)}  # fmt: skip


def left_unseen(patients: pd.DataFrame) -> pd.DataFrame:
    """One row per source (all five, in priority order) and an ``ALL`` row: the patients who
    ``came`` (``arrived_at`` set), how many of them ``left_unseen`` (status LEFT: not called
    in within their ``patience_minutes``), the ``rate`` (left unseen / came, as the summary's
    ``left_unseen.rate``; NaN where nobody came), and the minutes those who left had waited
    when they went home (``left_at - arrived_at``): ``waited_mean_minutes``,
    ``waited_p50_minutes``, ``waited_p90_minutes`` (NaN where nobody left).

    Percentiles interpolate linearly between order statistics, as :func:`wait_statistics`
    does. A patient who left is not among the waits of patients seen
    (:func:`waits_by_source`): where many leave, those waits look shorter than the waiting
    room was.
    """
    came = patients["arrived_at"].notna().to_numpy()
    left = (patients["status"].astype(str) == LEFT_STATUS).to_numpy()
    waited = (patients["left_at"] - patients["arrived_at"]).to_numpy(dtype=np.float64)
    source = patients["source"].astype(str).to_numpy()
    rows = {}
    for name in SOURCES:
        mine = source == name
        rows[name] = _row(came & mine, left & mine, waited)
    rows["ALL"] = _row(came, left, waited)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(_COLUMNS))
    table[["came", "left_unseen"]] = table[["came", "left_unseen"]].astype(np.int64)
    table.index.name = "source"
    return table
