"""Doctors' working time: patients seen, minutes consulting, idle and overtime, utilisation.

Computed from the patients frame (who consulted, from when to when: ``seen_by``,
``consult_start``, ``consult_end``) and the slots frame (each doctor's slot windows). A doctor's
sessions are the union of its slots' windows; consulting outside them (past a session's close,
into a break or after the day's last slot) is overtime. These are the summary's ``by_doctor``
numbers, which the simulator counts in its consulting rooms; tests hold the two equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["doctor_workload"]

_COLUMNS = ["patients_seen", "busy_minutes", "session_minutes", "busy_in_session_minutes",
            "idle_minutes", "overtime_minutes", "after_last_slot_minutes",
            "utilisation"]  # fmt: skip


def _windows(slots: pd.DataFrame) -> np.ndarray:
    """The (open, close) of one doctor's sessions: its slots' windows, touching ones merged."""
    spans = slots[["start", "end"]].to_numpy(dtype=np.float64)
    spans = spans[np.argsort(spans[:, 0], kind="stable")]
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.array(merged, dtype=np.float64).reshape(-1, 2)


def _overlap(starts: np.ndarray, ends: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Minutes of each [start, end] inside the windows."""
    inside = (np.minimum(ends[:, None], windows[None, :, 1])
              - np.maximum(starts[:, None], windows[None, :, 0]))  # fmt: skip
    return np.clip(inside, 0.0, None).sum(axis=1)


def _one_doctor(seen: pd.DataFrame, slots: pd.DataFrame) -> dict[str, float]:
    """One doctor in one replication."""
    windows = _windows(slots)
    starts = seen["consult_start"].to_numpy(dtype=np.float64)
    ends = seen["consult_end"].to_numpy(dtype=np.float64)
    inside = float(_overlap(starts, ends, windows).sum()) if len(seen) else 0.0
    last_close = slots.groupby("day")["end"].max()  # the end of each day's last slot
    closes = last_close.reindex(seen["day"]).to_numpy(dtype=np.float64)
    after = np.clip(ends - np.maximum(starts, closes), 0.0, None).sum() if len(seen) else 0.0
    busy = float((ends - starts).sum())
    session = float((windows[:, 1] - windows[:, 0]).sum())
    return {"patients_seen": len(seen), "busy_minutes": busy, "session_minutes": session,
            "busy_in_session_minutes": inside, "idle_minutes": session - inside,
            "overtime_minutes": busy - inside, "after_last_slot_minutes": float(after)}  # fmt: skip


def doctor_workload(patients: pd.DataFrame, slots: pd.DataFrame) -> pd.DataFrame:
    """One row per doctor (the slots frame's doctors, in scenario order), by who consulted
    (``seen_by``, not the slot's doctor: they differ in a shared queue):

    ``patients_seen``; ``busy_minutes`` consulting; ``session_minutes`` of its slots' windows;
    ``busy_in_session_minutes`` consulting inside them; ``idle_minutes`` inside them not
    consulting; ``overtime_minutes`` consulting outside them (a consultation running past a
    close, into a break included); ``after_last_slot_minutes``, the part of that after the
    day's last slot ends; ``utilisation`` = busy in session / session minutes.

    Minutes and counts are summed over the replications in the frames, and ``utilisation`` is
    the ratio of those sums (every replication has the same sessions, so it is the mean of the
    replications' utilisations).
    """
    doctors = list(slots["doctor_id"].cat.categories)
    seen = patients[patients["seen_by"].notna()]
    totals = {doctor: dict.fromkeys(_COLUMNS[:-1], 0.0) for doctor in doctors}
    seen_groups = dict(list(seen.groupby(["replication", "seen_by"], observed=True)))
    for (replication, doctor), own in slots.groupby(["replication", "doctor_id"], observed=True):
        mine = seen_groups.get((replication, doctor), seen.iloc[:0])
        for key, value in _one_doctor(mine, own).items():
            totals[doctor][key] += value
    table = pd.DataFrame.from_dict(totals, orient="index", columns=_COLUMNS[:-1])
    table["patients_seen"] = table["patients_seen"].astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["utilisation"] = table["busy_in_session_minutes"] / table["session_minutes"]
    table.index = pd.CategoricalIndex(doctors, categories=doctors, name="doctor_id")
    return table
