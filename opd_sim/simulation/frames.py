"""The decision, patient and slot frames, built once from a run's records, with fixed dtypes.

Categoricals carry fixed category lists (every source, kind and status, used or not), so frames
of different runs concatenate and compare without dtype surprises.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.engine import Decision, DecisionKind, Source, TokenStatus
from opd_sim.simulation.opd import Opd

__all__ = [
    "DECISION_COLUMNS",
    "KIND_CATEGORIES",
    "PATIENT_COLUMNS",
    "SLOT_COLUMNS",
    "SOURCE_CATEGORIES",
    "STATUS_CATEGORIES",
    "decisions_frame",
    "patients_frame",
    "slots_frame",
]

SOURCE_CATEGORIES = [source.name for source in Source]  # in priority order
KIND_CATEGORIES = [kind.value for kind in DecisionKind]
STATUS_CATEGORIES = [status.value for status in TokenStatus]
_KIND_CODE = {kind: i for i, kind in enumerate(DecisionKind)}
_STATUS_CODE = {status: i for i, status in enumerate(TokenStatus)}

#: The decision record's own fields, after the replication and the slot's day.
DECISION_COLUMNS = ["replication", "day", *Decision._fields]
PATIENT_COLUMNS = [
    "replication", "token_id", "source", "doctor_id", "day", "slot_id", "requested_slot_id",
    "requested_at", "slot_start", "arrived_at", "consult_start", "consult_end", "seen_by",
    "wait_minutes", "delay_minutes", "status", "times_bumped",
]  # fmt: skip
SLOT_COLUMNS = [
    "replication", "slot_id", "doctor_id", "day", "start", "end", "capacity", "seats_held",
    "most_seats_held", "overbooked_by",
]  # fmt: skip


def _category(codes: list[int] | np.ndarray, categories: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=categories)


def _source(codes: list[int]) -> pd.Categorical:
    return _category(np.asarray(codes, dtype=np.int64) - 1, SOURCE_CATEGORIES)  # value 1..5


def _decision_columns(opd: Opd) -> dict[str, Callable[[list[Any]], Any]]:
    """How each field of :class:`~opd_sim.engine.Decision` becomes a typed column."""
    doctors = list(opd.calendar.doctor_ids)
    doctor_code = {d: i for i, d in enumerate(doctors)}

    def related(values: list[Any]) -> pd.arrays.IntegerArray:
        data = np.array([0 if r is None else r for r in values], dtype=np.int64)
        return pd.arrays.IntegerArray(data, np.array([r is None for r in values], dtype=bool))

    def whole(values: list[Any]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    return {
        "time": lambda values: np.asarray(values, dtype=np.float64),
        "kind": lambda values: _category([_KIND_CODE[k] for k in values], KIND_CATEGORIES),
        "token_id": whole,
        "source": lambda values: _source([int(s) for s in values]),
        "doctor_id": lambda values: _category([doctor_code[d] for d in values], doctors),
        "slot_id": whole,
        "related_token_id": related,
        "reason": lambda values: pd.array(values, dtype="string"),
        "seats_held": whole,
        "capacity": whole,
    }


def decisions_frame(opd: Opd, replication: int = 0) -> pd.DataFrame:
    """One row per engine decision, in the order they were made: a column per field of the
    decision record (by name, so a new field cannot shift a column), after the replication and
    the slot's day."""
    log = opd.engine.log
    n = len(log)
    converters = _decision_columns(opd)
    missing = set(Decision._fields) - set(converters)
    if missing:  # a field added to the record without saying how it becomes a column
        raise TypeError(f"no column type for decision fields {sorted(missing)}")
    values: dict[str, list[Any]] = {name: [getattr(d, name) for d in log]
                                     for name in Decision._fields}  # fmt: skip
    slot_ids = np.asarray(values["slot_id"], dtype=np.int64)
    return pd.DataFrame({
        "replication": np.full(n, replication, dtype=np.int64),
        "day": np.asarray(opd.calendar.slot_day, dtype=np.int64)[slot_ids],
        **{name: converters[name](values[name]) for name in Decision._fields},
    })  # fmt: skip


def patients_frame(opd: Opd, replication: int = 0) -> pd.DataFrame:
    """One row per token: the patient's source, doctor, slot, times and final status."""
    patients = [p for p in opd.patients if p is not None]
    calendar = opd.calendar
    n = len(patients)
    tokens = [p.token for p in patients]
    slot_ids = np.array([t.slot_id for t in tokens], dtype=np.int64)
    doctors = list(calendar.doctor_ids)
    arrived = np.array([p.arrived_at for p in patients], dtype=np.float64)
    start = np.array([p.consult_start for p in patients], dtype=np.float64)
    slot_start = np.asarray(calendar.slot_start, dtype=np.float64)[slot_ids]
    nan = math.nan
    return pd.DataFrame({
        "replication": np.full(n, replication, dtype=np.int64),
        "token_id": np.array([t.id for t in tokens], dtype=np.int64),
        "source": _source([int(t.source) for t in tokens]),
        "doctor_id": _category([p.doctor for p in patients], doctors),
        "day": np.asarray(calendar.slot_day, dtype=np.int64)[slot_ids],
        "slot_id": slot_ids,
        "requested_slot_id": np.array([t.requested_slot_id for t in tokens], dtype=np.int64),
        "requested_at": np.array([t.requested_at for t in tokens], dtype=np.float64),
        "slot_start": slot_start,
        "arrived_at": arrived,
        "consult_start": start,
        "consult_end": np.array([p.consult_end for p in patients], dtype=np.float64),
        "seen_by": _category([p.seen_by for p in patients], doctors),  # code -1: not seen
        "wait_minutes": start - arrived if n else np.array([nan] * 0),
        # past the appointment: an early arrival's own earliness is not the OPD's delay
        "delay_minutes": start - np.maximum(arrived, slot_start) if n else np.array([nan] * 0),
        "status": _category([_STATUS_CODE[t.status] for t in tokens], STATUS_CATEGORIES),
        "times_bumped": np.array([t.times_bumped for t in tokens], dtype=np.int64),
    })  # fmt: skip


def slots_frame(opd: Opd, replication: int = 0) -> pd.DataFrame:
    """One row per slot created, empty ones included: its doctor, day, times, capacity, the
    seats held at the end of the run and the most held at any moment (from the decision log,
    where each decision carries the seats held in its slot right after it)."""
    calendar, engine = opd.calendar, opd.engine
    n = calendar.slot_count
    slot_ids = np.arange(1, n + 1, dtype=np.int64)
    most = [0] * (n + 1)  # indexed by slot id; a slot no decision touched never held a seat
    for decision in engine.log:
        if decision.seats_held > most[decision.slot_id]:
            most[decision.slot_id] = decision.seats_held
    capacity = np.array([engine.slots[s].capacity for s in range(1, n + 1)], dtype=np.int64)
    most_held = np.array(most[1:], dtype=np.int64)
    return pd.DataFrame({
        "replication": np.full(n, replication, dtype=np.int64),
        "slot_id": slot_ids,
        "doctor_id": _category(calendar.slot_doctor[1:], list(calendar.doctor_ids)),
        "day": np.array(calendar.slot_day[1:], dtype=np.int64),
        "start": np.array(calendar.slot_start[1:], dtype=np.float64),
        "end": np.array(calendar.slot_end[1:], dtype=np.float64),
        "capacity": capacity,
        "seats_held": np.array([engine.seats_held(s) for s in range(1, n + 1)], dtype=np.int64),
        "most_seats_held": most_held,
        "overbooked_by": np.maximum(most_held - capacity, 0),
    })  # fmt: skip
