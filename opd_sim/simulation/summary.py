"""The summary of a run: the original day summary plus waits, overbooking, overtime, utilisation.

A summary is a plain JSON-ready dict. :func:`summarize` makes one from one replication's frames;
``aggregate`` (from :mod:`opd_sim.analysis.replications`, re-exported here) combines
replications into means with t-based 95 % confidence intervals.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.analysis.replications import aggregate, mean_ci, t_quantile_975
from opd_sim.analysis.waits import Measure, waits_by_source
from opd_sim.engine import Reason
from opd_sim.simulation.calendar import MINUTES_PER_DAY
from opd_sim.simulation.frames import SOURCE_CATEGORIES
from opd_sim.simulation.opd import Opd

__all__ = [
    "aggregate",
    "mean_ci",
    "outcome_counts",
    "summarize",
    "t_quantile_975",
    "wait_statistics",
]

_WAIT_KEYS = ("n", "mean", "p50", "p90", "p95")


def _waits(patients: pd.DataFrame, measure: Measure) -> dict[str, Any]:
    """Overall and by source: the wait statistics of opd_sim.analysis, so that a number means
    the same in a summary as in an analyst's table."""
    table = waits_by_source(patients, measure)
    rows = {name: {key: _plain(table.at[name, key]) for key in _WAIT_KEYS} for name in table.index}
    return {"overall": rows["ALL"], "by_source": {s: rows[s] for s in SOURCE_CATEGORIES}}


def _plain(value: Any) -> Any:
    """A table's number as the summary holds it: int, float, or None for NaN."""
    if isinstance(value, np.integer):
        return int(value)
    return None if math.isnan(value) else float(value)


def _left_unseen(patients: pd.DataFrame) -> dict[str, Any]:
    """Patients who left unseen, overall and by source: how many, and their share of the
    patients who came (``rate``; None where nobody of a source came)."""
    came = patients["arrived_at"].notna()
    left = patients["status"] == "LEFT"
    by_source = {}
    for source in SOURCE_CATEGORIES:
        mine = patients["source"] == source
        arrived, gone = int((came & mine).sum()), int((left & mine).sum())
        by_source[source] = {"n": gone, "rate": gone / arrived if arrived else None}
    arrived, gone = int(came.sum()), int(left.sum())
    return {"n": gone, "rate": gone / arrived if arrived else None, "by_source": by_source}


def outcome_counts(decisions: pd.DataFrame, patients: pd.DataFrame) -> dict[str, Any]:
    """The summary's counts that the frames alone give, in the summary's order: tokens (by
    source, and emergencies), how they ended (statuses), who left unseen, and the decisions
    counted by kind (bumped, reallocated, promoted, overbooked slots); ``expired_waiting_too_long``
    from the decisions' reasons. The summary of a simulated run and of a recorded history
    (:func:`opd_sim.history.history_summary`) both count so."""
    status = patients["status"].value_counts()
    kinds = decisions["kind"].value_counts()
    by_source = patients["source"].value_counts()
    overbooked = decisions.loc[decisions["kind"] == "OVERBOOKED", "slot_id"].nunique()
    return {
        "tokens_booked": len(patients),
        "tokens_by_source": {s: int(by_source.get(s, 0)) for s in SOURCE_CATEGORIES},
        "emergencies": int(by_source.get("EMERGENCY", 0)),
        "completed": int(status.get("COMPLETED", 0)),
        "cancellations": int(status.get("CANCELLED", 0)),
        "no_shows": int(status.get("NO_SHOW", 0)),
        "expired": int(status.get("EXPIRED", 0)),
        "expired_waiting_too_long": int(
            (decisions["reason"] == Reason.WAITED_TOO_LONG.value).sum()
        ),
        "left_unseen": _left_unseen(patients),
        "bumped": int(kinds.get("BUMPED", 0)),
        "reallocated": int(kinds.get("REALLOCATED", 0)),
        "promoted": int(kinds.get("PROMOTED", 0)),
        "overbooked_slots": int(overbooked),
    }


def wait_statistics(patients: pd.DataFrame) -> dict[str, Any]:
    """The summary's ``waits`` and ``delays`` of ``patients`` (those seen among them)."""
    return {"waits": _waits(patients, "wait_minutes"),
            "delays": _waits(patients, "delay_minutes")}  # fmt: skip


def summarize(opd: Opd, decisions: pd.DataFrame, patients: pd.DataFrame,
              warmup_minutes: float = 0.0, cooldown_minutes: float = 0.0
              ) -> dict[str, Any]:  # fmt: skip
    """The summary of one replication from its frames.

    Waits leave out patients who arrived within ``warmup_minutes`` of their day's first session
    opening, or within ``cooldown_minutes`` of its last session closing (the steady-state
    mode); every count covers the whole run.
    """
    measured = patients
    if warmup_minutes > 0 or cooldown_minutes > 0:
        sessions = opd.calendar.sessions_of_day
        minute_of_day = patients["arrived_at"] - patients["day"] * MINUTES_PER_DAY
        inside = ((minute_of_day - sessions[0][0] >= warmup_minutes)
                  & (sessions[-1][1] - minute_of_day > cooldown_minutes))  # fmt: skip
        measured = patients[inside]
    by_doctor = {}
    for room in opd.rooms:
        session_minutes = opd.calendar.session_minutes_per_day(room.index) * opd.calendar.days
        by_doctor[room.doctor_id] = {
            "patients_seen": room.patients_seen,
            "busy_minutes": room.busy_minutes,
            "utilisation": room.busy_in_session_minutes / session_minutes,
            "overtime_minutes": room.busy_minutes - room.busy_in_session_minutes,
            "late_minutes": room.late_minutes,
        }
    counts = outcome_counts(decisions, patients)
    ended = list(counts).index("expired") + 1  # the day summary's waitlisted count follows
    return {
        "doctors": len(opd.rooms),
        "slots_created": opd.calendar.slot_count,
        **dict(list(counts.items())[:ended]),
        "waitlisted_remaining": opd.expired_at_day_end,
        **dict(list(counts.items())[ended:]),
        **wait_statistics(measured),
        "utilisation_mean": float(np.mean([d["utilisation"] for d in by_doctor.values()])),
        "overtime_minutes_total": float(sum(d["overtime_minutes"] for d in by_doctor.values())),
        "by_doctor": by_doctor,
    }
