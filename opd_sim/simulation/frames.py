"""The decision, patient and slot frames, built once from a run's records, with fixed dtypes.

Categoricals carry fixed category lists (every source, kind, reason and status, used or not), so
frames of different runs concatenate and compare without dtype surprises. One reason is not
fixed: leaving unseen gives the minutes waited ("left unseen after waiting 31.5 minutes"), so
such texts follow the fixed reasons in order of first appearance (:func:`reason_categories`
makes frames of several runs agree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.engine import Decision, DecisionKind, Reason, Source, TokenStatus
from opd_sim.simulation.opd import Opd

__all__ = [
    "DECISION_COLUMNS",
    "KIND_CATEGORIES",
    "PATIENT_COLUMNS",
    "REASON_CATEGORIES",
    "SLOT_COLUMNS",
    "SOURCE_CATEGORIES",
    "STATUS_CATEGORIES",
    "decisions_frame",
    "patients_frame",
    "reason_categories",
    "slots_frame",
]

SOURCE_CATEGORIES = [source.name for source in Source]  # in priority order
KIND_CATEGORIES = [kind.value for kind in DecisionKind]
STATUS_CATEGORIES = [status.value for status in TokenStatus]
REASON_CATEGORIES = [reason.value for reason in Reason]  # the texts, in Reason's order
_KIND_CODE = {kind: i for i, kind in enumerate(DecisionKind)}
_REASON_CODE = {reason: i for i, reason in enumerate(Reason)}
_STATUS_CODE = {status: i for i, status in enumerate(TokenStatus)}

#: The decision record's own fields, after the replication and the slot's day.
DECISION_COLUMNS = ["replication", "day", *Decision._fields]
PATIENT_COLUMNS = [
    "replication", "token_id", "source", "doctor_id", "day", "slot_id", "requested_slot_id",
    "requested_at", "slot_start", "arrived_at", "consult_start", "consult_end", "seen_by",
    "wait_minutes", "delay_minutes", "status", "times_bumped", "left_at",
]  # fmt: skip
SLOT_COLUMNS = [
    "replication", "slot_id", "doctor_id", "day", "start", "end", "capacity", "seats_held",
    "most_seats_held", "overbooked_by",
]  # fmt: skip


#: Ids, counts and replication numbers: 4 bytes each (runs are held far below 2**31 tokens, see
#: opd_sim.limits), so a decision row takes under 60 bytes in memory, not 86.
WHOLE = np.int32
NULLABLE_WHOLE = "Int32"


def _category(codes: Any, categories: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=categories)


def _source(codes: Any) -> pd.Categorical:
    return _category(np.asarray(codes, dtype=np.int64) - 1, SOURCE_CATEGORIES)  # value 1..5


def _column(values: Iterable[Any], dtype: Any, n: int) -> np.ndarray:
    """``n`` values straight into an array (no list in between)."""
    return np.fromiter(values, dtype=dtype, count=n)


def _coded(values: Iterable[Any], n: int, code: dict[Any, int],
           categories: list[str]) -> pd.Categorical:  # fmt: skip
    """Enum members as a categorical with a fixed category list."""
    return _category(_column(map(code.__getitem__, values), np.int64, n), categories)


class _ReasonCodes(dict[Any, int]):
    """Reason -> category code: the fixed reasons', and a new code for each other text met
    (``categories`` grows with them). A known reason is looked up at C speed."""

    def __init__(self) -> None:
        super().__init__(_REASON_CODE)
        self.categories = list(REASON_CATEGORIES)

    def __missing__(self, reason: Any) -> int:
        code = self[reason] = len(self.categories)
        self.categories.append(str(reason))
        return code


def _reasons(values: Iterable[Any], n: int) -> pd.Categorical:
    codes = _ReasonCodes()
    return _category(_column(map(codes.__getitem__, values), np.int64, n), codes.categories)


def reason_categories(texts: Iterable[str]) -> list[str]:
    """The reason categories for frames holding ``texts``: every fixed reason, in order, then
    the other texts among ``texts`` in order of first appearance."""
    extra = dict.fromkeys(text for text in texts if text not in _REASON_CODE)
    return [*REASON_CATEGORIES, *extra]


def _decision_columns(opd: Opd) -> dict[str, Callable[[Iterable[Any], int], Any]]:
    """How each field of :class:`~opd_sim.engine.Decision` becomes a typed column, given the
    field's values in log order and their number."""
    doctors = list(opd.calendar.doctor_ids)
    doctor_code = {d: i for i, d in enumerate(doctors)}

    def related(values: Iterable[Any], n: int) -> pd.arrays.IntegerArray:
        tokens = np.array(list(values), dtype=object) if n else np.zeros(0, dtype=object)
        missing = np.array([token is None for token in tokens], dtype=bool)
        data = np.where(missing, 0, tokens).astype(WHOLE)
        return pd.arrays.IntegerArray(data, missing.astype(bool))

    def whole(values: Iterable[Any], n: int) -> np.ndarray:
        return _column(values, WHOLE, n)

    return {
        "time": lambda values, n: _column(values, np.float64, n),
        "kind": lambda values, n: _coded(values, n, _KIND_CODE, KIND_CATEGORIES),
        "token_id": whole,
        "source": lambda values, n: _source(_column(values, np.int64, n)),
        "doctor_id": lambda values, n: _category(
            _column(map(doctor_code.__getitem__, values), np.int64, n), doctors),
        "slot_id": whole,
        "related_token_id": related,
        "reason": _reasons,
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
    columns = {name: converters[name](map(itemgetter(i), log), n)
               for i, name in enumerate(Decision._fields)}  # fmt: skip
    return pd.DataFrame({
        "replication": np.full(n, replication, dtype=WHOLE),
        "day": np.asarray(opd.calendar.slot_day, dtype=WHOLE)[columns["slot_id"]],
        **columns,
    })  # fmt: skip


def patients_frame(opd: Opd, replication: int = 0) -> pd.DataFrame:
    """One row per token: the patient's source, doctor, slot, times and final status."""
    patients = [p for p in opd.patients if p is not None]
    tokens = [p.token for p in patients]
    calendar = opd.calendar
    n = len(patients)
    doctors = list(calendar.doctor_ids)

    def field(items: list[Any], name: str, dtype: Any) -> np.ndarray:
        return _column(map(attrgetter(name), items), dtype, n)

    slot_ids = field(tokens, "slot_id", WHOLE)
    arrived = field(patients, "arrived_at", np.float64)
    start = field(patients, "consult_start", np.float64)
    slot_start = np.asarray(calendar.slot_start, dtype=np.float64)[slot_ids]
    return pd.DataFrame({
        "replication": np.full(n, replication, dtype=WHOLE),
        "token_id": field(tokens, "id", WHOLE),
        "source": _source(field(tokens, "source", np.int64)),
        "doctor_id": _category(field(patients, "doctor", np.int64), doctors),
        "day": np.asarray(calendar.slot_day, dtype=WHOLE)[slot_ids],
        "slot_id": slot_ids,
        "requested_slot_id": field(tokens, "requested_slot_id", WHOLE),
        "requested_at": field(tokens, "requested_at", np.float64),
        "slot_start": slot_start,
        "arrived_at": arrived,
        "consult_start": start,
        "consult_end": field(patients, "consult_end", np.float64),
        "seen_by": _category(field(patients, "seen_by", np.int64), doctors),  # -1: not seen
        "wait_minutes": start - arrived,
        # past the appointment: an early arrival's own earliness is not the OPD's delay
        "delay_minutes": start - np.maximum(arrived, slot_start),
        "status": _coded(map(attrgetter("status"), tokens), n, _STATUS_CODE, STATUS_CATEGORIES),
        "times_bumped": field(tokens, "times_bumped", WHOLE),
        "left_at": field(patients, "left_at", np.float64),  # NaN: did not leave unseen
    })  # fmt: skip


def slots_frame(opd: Opd, replication: int = 0) -> pd.DataFrame:
    """One row per slot created, empty ones included: its doctor, day, times, capacity, the
    seats held at the end of the run and the most held at any moment (from the decision log,
    where each decision carries the seats held in its slot right after it)."""
    calendar, engine = opd.calendar, opd.engine
    n = calendar.slot_count
    log = engine.log
    slot_field, held_field = Decision._fields.index("slot_id"), Decision._fields.index("seats_held")
    # indexed by slot id; a slot no decision touched never held a seat
    most = np.zeros(n + 1, dtype=np.int64)
    np.maximum.at(most, _column(map(itemgetter(slot_field), log), np.int64, len(log)),
                  _column(map(itemgetter(held_field), log), np.int64, len(log)))  # fmt: skip
    slots = [engine.slots[s] for s in range(1, n + 1)]
    capacity = _column(map(attrgetter("capacity"), slots), WHOLE, n)
    most_held = most[1:].astype(WHOLE)
    return pd.DataFrame({
        "replication": np.full(n, replication, dtype=WHOLE),
        "slot_id": np.arange(1, n + 1, dtype=WHOLE),
        "doctor_id": _category(calendar.slot_doctor[1:], list(calendar.doctor_ids)),
        "day": np.array(calendar.slot_day[1:], dtype=WHOLE),
        "start": np.array(calendar.slot_start[1:], dtype=np.float64),
        "end": np.array(calendar.slot_end[1:], dtype=np.float64),
        "capacity": capacity,
        "seats_held": _column(map(engine.seats_held, range(1, n + 1)), WHOLE, n),
        "most_seats_held": most_held,
        "overbooked_by": np.maximum(most_held - capacity, 0).astype(WHOLE),
    })  # fmt: skip
