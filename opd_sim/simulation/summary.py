"""The summary of a run: the original day summary plus waits, overbooking, overtime, utilisation.

A summary is a plain JSON-ready dict. :func:`summarize` makes one from one replication's frames;
:func:`aggregate` combines replications into means with t-based 95 % confidence intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.simulation.calendar import MINUTES_PER_DAY
from opd_sim.simulation.frames import SOURCE_CATEGORIES
from opd_sim.simulation.opd import Opd

__all__ = ["aggregate", "mean_ci", "summarize", "t_quantile_975"]

# 97.5 % quantiles of Student's t for 1..30 degrees of freedom (beyond: a Cornish-Fisher series)
_T975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157,
    2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922,
    2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831,
    2.048407, 2.045230, 2.042272,
)  # fmt: skip
_Z975 = 1.959963984540054


def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (for 95 % intervals)."""
    if df < 1:
        raise ValueError("a t quantile needs at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z, v = _Z975, float(df)
    return (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3))  # fmt: skip


def mean_ci(values: Sequence[float]) -> tuple[float, float, float] | None:
    """(mean, low, high) of a 95 % t interval for the mean; None without two values."""
    data = [float(v) for v in values if v is not None and not math.isnan(v)]
    if len(data) < 2:
        return None
    mean = sum(data) / len(data)
    sd = math.sqrt(sum((x - mean) ** 2 for x in data) / (len(data) - 1))
    half = t_quantile_975(len(data) - 1) * sd / math.sqrt(len(data))
    return mean, mean - half, mean + half


def _waits(frame: pd.DataFrame) -> dict[str, Any]:
    waits = frame["wait_minutes"].to_numpy()
    waits = waits[~np.isnan(waits)]
    if not len(waits):
        return {"n": 0, "mean": None, "p50": None, "p90": None}
    p50, p90 = np.percentile(waits, [50, 90])
    return {"n": len(waits), "mean": float(waits.mean()), "p50": float(p50), "p90": float(p90)}


def summarize(opd: Opd, decisions: pd.DataFrame, patients: pd.DataFrame,
              warmup_minutes: float = 0.0, cooldown_minutes: float = 0.0
              ) -> dict[str, Any]:  # fmt: skip
    """The summary of one replication from its frames.

    Waits leave out patients who arrived within ``warmup_minutes`` of their day's first session
    opening, or within ``cooldown_minutes`` of its last session closing (the steady-state
    mode); every count covers the whole run.
    """
    status = patients["status"].value_counts()
    kinds = decisions["kind"].value_counts()
    by_source = patients["source"].value_counts()
    measured = patients
    if warmup_minutes > 0 or cooldown_minutes > 0:
        sessions = opd.calendar.sessions_of_day
        minute_of_day = patients["arrived_at"] - patients["day"] * MINUTES_PER_DAY
        inside = ((minute_of_day - sessions[0][0] >= warmup_minutes)
                  & (sessions[-1][1] - minute_of_day > cooldown_minutes))  # fmt: skip
        measured = patients[inside]
    session_minutes = opd.calendar.session_minutes_per_day * opd.calendar.days
    by_doctor = {}
    for room in opd.rooms:
        by_doctor[room.doctor_id] = {
            "patients_seen": room.patients_seen,
            "busy_minutes": room.busy_minutes,
            "utilisation": room.busy_in_session_minutes / session_minutes,
            "overtime_minutes": room.busy_minutes - room.busy_in_session_minutes,
        }
    overbooked = decisions.loc[decisions["kind"] == "OVERBOOKED", "slot_id"].nunique()
    return {
        "doctors": len(opd.rooms),
        "slots_created": opd.calendar.slot_count,
        "tokens_booked": len(patients),
        "tokens_by_source": {s: int(by_source.get(s, 0)) for s in SOURCE_CATEGORIES},
        "emergencies": int(by_source.get("EMERGENCY", 0)),
        "completed": int(status.get("COMPLETED", 0)),
        "cancellations": int(status.get("CANCELLED", 0)),
        "no_shows": int(status.get("NO_SHOW", 0)),
        "expired": int(status.get("EXPIRED", 0)),
        "waitlisted_remaining": opd.expired_at_day_end,
        "bumped": int(kinds.get("BUMPED", 0)),
        "reallocated": int(kinds.get("REALLOCATED", 0)),
        "promoted": int(kinds.get("PROMOTED", 0)),
        "overbooked_slots": int(overbooked),
        "waits": {
            "overall": _waits(measured),
            "by_source": {
                s: _waits(measured[measured["source"] == s]) for s in SOURCE_CATEGORIES
            },
        },
        "utilisation_mean": float(np.mean([d["utilisation"] for d in by_doctor.values()])),
        "overtime_minutes_total": float(sum(d["overtime_minutes"] for d in by_doctor.values())),
        "by_doctor": by_doctor,
    }


def _mean_tree(trees: list[Any]) -> tuple[Any, Any]:
    """(means, ci95) of same-shaped trees: numbers averaged, None skipped."""
    first = trees[0]
    if isinstance(first, dict):
        pairs = {key: _mean_tree([t[key] for t in trees]) for key in first}
        return ({k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()})
    numbers = [t for t in trees if isinstance(t, int | float) and not isinstance(t, bool)]
    if not numbers:
        return None, None
    interval = mean_ci(numbers)
    mean = sum(numbers) / len(numbers)
    return mean, (None if interval is None else [interval[1], interval[2]])


def aggregate(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Replications combined: each number's mean, its 95 % t interval under ``ci95`` (same
    shape), and the replications' own summaries under ``per_replication``."""
    if len(summaries) == 1:
        return dict(summaries[0])
    means, intervals = _mean_tree(summaries)
    return {**means, "ci95": intervals, "per_replication": summaries}
