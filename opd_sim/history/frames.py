"""A recorded history as the simulator's frames and summary, so that the report, the analysis
and the notebooks read real days as they read simulated ones.

The columns, dtypes and categories are exactly the simulator's
(:mod:`opd_sim.simulation.frames`). What the booking desk cannot know is null: it records who
booked, where they sat and what became of their seat, but not when patients arrived or were
seen, so ``arrived_at``, ``consult_start``, ``consult_end``, ``wait_minutes``,
``delay_minutes`` and ``left_at`` are NaN and ``seen_by`` is null.

Times are minutes since midnight of the first slot's day, as the simulator counts them. Slot
times are the hospital's wall-clock text; request and decision times are the desk's clock
(seconds since the epoch), turned into wall-clock time in this machine's local time zone (the
``TZ`` variable chooses another), so that they agree with the slots when exporting where the
desk booked. ``day`` counts days from the first slot's day (0); a booking made before it has a
negative time. ``doctor_id`` holds the store's doctor ids as text (``"1"``, ``"2"``, categories
in id order); the doctors' names are in the summary's ``doctor_names`` and the manifest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.engine import Engine
from opd_sim.errors import InvalidInput
from opd_sim.history.records import History
from opd_sim.simulation.frames import (
    KIND_CATEGORIES,
    NULLABLE_WHOLE,
    SOURCE_CATEGORIES,
    STATUS_CATEGORIES,
    WHOLE,
    reason_categories,
)
from opd_sim.simulation.summary import outcome_counts, wait_statistics

__all__ = ["doctor_categories", "history_frames", "history_summary", "minutes_since"]

_MINUTE = 60.0
_WALL_EPOCH = datetime(1970, 1, 1)
#: The largest id a frame's 32-bit integer columns hold.
_MAX_FRAME_ID = int(np.iinfo(WHOLE).max)


def doctor_categories(history: History) -> list[str]:
    """The ``doctor_id`` categories of a history's frames: its doctors' ids as text, in id
    order."""
    return [str(doctor.id) for doctor in sorted(history.doctors, key=lambda d: d.id)]


def _origin(history: History) -> datetime:
    """Midnight of the first slot's day (any midnight for a history without slots: nothing is
    timed then)."""
    days = [slot.day for slot in history.slots]
    return datetime.fromisoformat(min(days)) if days else datetime(2000, 1, 1)


def minutes_since(origin: datetime, moment: str | float, wall_clock: bool = False) -> float:
    """Minutes from ``origin`` (naive local wall-clock time) to ``moment``: a local wall-clock
    ISO text, or seconds since the epoch read in the local time zone (``wall_clock``: seconds
    since 1970-01-01T00:00 of the local wall clock, as a requests file's times are counted)."""
    if isinstance(moment, str):
        when = datetime.fromisoformat(moment)
    elif wall_clock:
        return (moment - (origin - _WALL_EPOCH).total_seconds()) / _MINUTE
    else:
        when = datetime.fromtimestamp(moment)
    return (when - origin).total_seconds() / _MINUTE


def _check_ids(history: History) -> None:
    """InvalidInput (exit 2) for a slot or token id a frame's 32-bit columns cannot hold."""
    for what, ids in (("slot", [s.id for s in history.slots]),
                      ("token", [t.id for t in history.tokens])):  # fmt: skip
        largest = max(ids, default=0)
        if largest > _MAX_FRAME_ID:
            raise InvalidInput(f"{history.origin}: {what} id {largest} is larger than a run's "
                               f"frames hold ({_MAX_FRAME_ID:,})")  # fmt: skip


def _category(values: Iterable[Any], categories: Sequence[str]) -> pd.Categorical:
    return pd.Categorical([None if v is None else str(v) for v in values],
                          categories=list(categories))  # fmt: skip


def _whole(values: Iterable[Any]) -> np.ndarray:
    return np.asarray(list(values), dtype=WHOLE)


def _minutes(values: Iterable[float]) -> np.ndarray:
    return np.asarray(list(values), dtype=np.float64)


def _seats_held(history: History) -> dict[Any, int]:
    """Each slot's seats held now, as the engine counts them with every token restored as the
    store saved it (the engine is the one home of which statuses hold a seat)."""
    engine = Engine()
    for doctor in history.doctors:
        engine.add_doctor(doctor.name, doctor_id=doctor.id)
    for slot in history.slots:
        engine.add_slot(slot.doctor_id, slot.start, slot.end, slot.capacity, day=slot.day,
                        slot_id=slot.id)  # fmt: skip
    for t in sorted(history.tokens, key=lambda token: token.seq):
        engine.restore_token(t.id, t.slot_id, t.source, t.patient, t.seq, t.status,
                             t.requested_slot_id, t.requested_at, t.times_bumped)  # fmt: skip
    return {slot.id: engine.seats_held(slot.id) for slot in history.slots}


def history_frames(history: History) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(decisions, patients, slots) of a recorded history, as one replication (0) of the
    simulator's frames; see the module's docstring for times, days and doctors."""
    _check_ids(history)
    clock = history.wall_clock
    origin = _origin(history)
    first_day = origin.date()
    doctors = doctor_categories(history)
    slots = sorted(history.slots, key=lambda s: s.id)
    slot_day = {s.id: (date.fromisoformat(s.day) - first_day).days for s in slots}
    slot_start = {s.id: minutes_since(origin, s.start) for s in slots}
    slot_doctor = {s.id: s.doctor_id for s in slots}

    log = history.decisions
    reasons = [str(d.reason) for d in log]
    related = pd.array([d.related_token_id for d in log], dtype=NULLABLE_WHOLE)
    decisions = pd.DataFrame({
        "replication": np.zeros(len(log), dtype=WHOLE),
        "day": _whole(slot_day[d.slot_id] for d in log),
        "time": _minutes(minutes_since(origin, d.time, clock) for d in log),
        "kind": _category((str(d.kind) for d in log), KIND_CATEGORIES),
        "token_id": _whole(d.token_id for d in log),
        "source": _category((d.source.name for d in log), SOURCE_CATEGORIES),
        "doctor_id": _category((d.doctor_id for d in log), doctors),
        "slot_id": _whole(d.slot_id for d in log),
        "related_token_id": related,
        "reason": _category(reasons, reason_categories(reasons)),
        "seats_held": _whole(d.seats_held for d in log),
        "capacity": _whole(d.capacity for d in log),
    })  # fmt: skip

    tokens = sorted(history.tokens, key=lambda t: t.id)
    n = len(tokens)
    unknown = np.full(n, np.nan)
    patients = pd.DataFrame({
        "replication": np.zeros(n, dtype=WHOLE),
        "token_id": _whole(t.id for t in tokens),
        "source": _category((t.source for t in tokens), SOURCE_CATEGORIES),
        "doctor_id": _category((slot_doctor[t.slot_id] for t in tokens), doctors),
        "day": _whole(slot_day[t.slot_id] for t in tokens),
        "slot_id": _whole(t.slot_id for t in tokens),
        "requested_slot_id": _whole(t.requested_slot_id for t in tokens),
        "requested_at": _minutes(minutes_since(origin, t.requested_at, clock)
                                 for t in tokens),
        "slot_start": _minutes(slot_start[t.slot_id] for t in tokens),
        "arrived_at": unknown,
        "consult_start": unknown.copy(),
        "consult_end": unknown.copy(),
        "seen_by": _category([None] * n, doctors),
        "wait_minutes": unknown.copy(),
        "delay_minutes": unknown.copy(),
        "status": _category((t.status for t in tokens), STATUS_CATEGORIES),
        "times_bumped": _whole(t.times_bumped for t in tokens),
        "left_at": unknown.copy(),
    })  # fmt: skip

    most: dict[Any, int] = {}
    for d in log:  # each decision carries the seats held in its slot right after it
        most[d.slot_id] = max(most.get(d.slot_id, 0), d.seats_held)
    held = _seats_held(history)
    capacity = _whole(s.capacity for s in slots)
    most_held = _whole(most.get(s.id, 0) for s in slots)
    slots_frame = pd.DataFrame({
        "replication": np.zeros(len(slots), dtype=WHOLE),
        "slot_id": _whole(s.id for s in slots),
        "doctor_id": _category((s.doctor_id for s in slots), doctors),
        "day": _whole(slot_day[s.id] for s in slots),
        "start": _minutes(slot_start[s.id] for s in slots),
        "end": _minutes(minutes_since(origin, s.end) for s in slots),
        "capacity": capacity,
        "seats_held": _whole(held[s.id] for s in slots),
        "most_seats_held": most_held,
        "overbooked_by": np.maximum(most_held - capacity, 0).astype(WHOLE),
    })  # fmt: skip
    return decisions, patients, slots_frame


def history_summary(history: History,
                    frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]
                    ) -> dict[str, Any]:  # fmt: skip
    """The simulator's summary keys for a recorded history, from its frames (and its doctors'
    ids and names), plus what only a history has.

    Counts are the simulator's (:func:`opd_sim.simulation.summary.outcome_counts`). Nobody is
    recorded as seen, so the wait and delay statistics are of nobody (``n`` 0, the rest null),
    each doctor's ``patients_seen`` counts COMPLETED tokens (none at the desk) and their busy,
    overtime and late minutes and utilisation are null, as are ``utilisation_mean`` and
    ``overtime_minutes_total``. ``waitlisted_remaining`` counts expiries at a day's end: the
    desk expires nobody, so 0. Only a history has ``origin``, ``consultations_recorded``
    (false), ``still_allocated`` and ``still_waitlisted`` (tokens of those statuses now: with
    them the counts add up to ``tokens_booked``) and ``doctor_names`` (by doctor id).
    """
    decisions, patients, slots = frames
    counts = outcome_counts(decisions, patients)
    status = patients["status"].value_counts()
    seen = patients.loc[patients["status"] == "COMPLETED", "doctor_id"].value_counts()
    by_doctor = {
        str(doctor.id): {"patients_seen": int(seen.get(str(doctor.id), 0)),
                         "busy_minutes": None, "utilisation": None, "overtime_minutes": None,
                         "late_minutes": None}
        for doctor in sorted(history.doctors, key=lambda d: d.id)
    }  # fmt: skip
    ended = list(counts).index("expired") + 1
    days = int(slots["day"].max()) + 1 if len(slots) else 0
    return {
        "origin": history.origin,
        "scenario": None,
        "policy": None,
        "seed": None,
        "replications": 1,
        "days": days,
        "doctors": len(history.doctors),
        "slots_created": len(slots),
        **dict(list(counts.items())[:ended]),
        "waitlisted_remaining": 0,
        **dict(list(counts.items())[ended:]),
        **wait_statistics(patients),
        "utilisation_mean": None,
        "overtime_minutes_total": None,
        "by_doctor": by_doctor,
        "consultations_recorded": False,
        "still_allocated": int(status.get("ALLOCATED", 0)),
        "still_waitlisted": int(status.get("WAITLISTED", 0)),
        "doctor_names": {str(d.id): d.name for d in sorted(history.doctors, key=lambda d: d.id)},
    }
