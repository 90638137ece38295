"""Tiny frames written by hand, with exactly the simulator's columns and dtypes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.engine import Reason
from opd_sim.simulation import DECISION_COLUMNS, PATIENT_COLUMNS, SLOT_COLUMNS
from opd_sim.simulation.frames import (
    KIND_CATEGORIES,
    REASON_CATEGORIES,
    SOURCE_CATEGORIES,
    STATUS_CATEGORIES,
    reason_categories,
)

DOCTORS = ["a", "b"]
NAN = math.nan


def _categories(frame: pd.DataFrame) -> pd.DataFrame:
    fixed = {"kind": KIND_CATEGORIES, "source": SOURCE_CATEGORIES, "status": STATUS_CATEGORIES,
             "doctor_id": DOCTORS, "seen_by": DOCTORS}  # fmt: skip
    if "reason" in frame.columns:  # the fixed reasons, then texts such as a LEFT's, as runs do
        fixed["reason"] = reason_categories(frame["reason"])
    for column, categories in fixed.items():
        if column in frame.columns:
            frame[column] = pd.Categorical(frame[column], categories=categories)
    return frame


def _reason(row: tuple[Any, ...]) -> str:
    """A row's reason: its eighth item if it has one; else the day-end expiry for EXPIRED, the
    one reason an analysis reads, and any reason for the others."""
    if len(row) > 7:
        return str(row[7])
    return Reason.DAY_ENDED.value if row[2] == "EXPIRED" else REASON_CATEGORIES[0]


def decisions(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """Decisions from ``(replication, time, kind, token_id, source, slot_id, related)`` rows,
    with a reason as an eighth item where it matters (:func:`_reason`); doctor ``a``, day 0,
    seats 1 of capacity 1 (the analysis does not read them)."""
    frame = pd.DataFrame({
        "replication": np.array([r[0] for r in rows], dtype=np.int64),
        "day": np.zeros(len(rows), dtype=np.int64),
        "time": np.array([r[1] for r in rows], dtype=np.float64),
        "kind": [r[2] for r in rows],
        "token_id": np.array([r[3] for r in rows], dtype=np.int64),
        "source": [r[4] for r in rows],
        "doctor_id": ["a"] * len(rows),
        "slot_id": np.array([r[5] for r in rows], dtype=np.int64),
        "related_token_id": pd.array([r[6] for r in rows], dtype="Int64"),
        "reason": [_reason(r) for r in rows],
        "seats_held": np.ones(len(rows), dtype=np.int64),
        "capacity": np.ones(len(rows), dtype=np.int64),
    })  # fmt: skip
    return _categories(frame)[DECISION_COLUMNS]


def patients(*rows: dict[str, Any]) -> pd.DataFrame:
    """Patients from dicts of the columns that matter; the rest get harmless defaults."""
    defaults = {"replication": 0, "doctor_id": "a", "day": 0, "slot_id": 1,
                "requested_slot_id": 1, "requested_at": 0.0, "slot_start": 540.0,
                "arrived_at": NAN, "consult_start": NAN, "consult_end": NAN, "seen_by": None,
                "wait_minutes": NAN, "delay_minutes": NAN, "status": "COMPLETED",
                "times_bumped": 0, "left_at": NAN}  # fmt: skip
    records = [{**defaults, "token_id": i + 1, **row} for i, row in enumerate(rows)]
    frame = pd.DataFrame.from_records(records, columns=PATIENT_COLUMNS)
    for column in ("replication", "token_id", "day", "slot_id", "requested_slot_id",
                   "times_bumped"):  # fmt: skip
        frame[column] = frame[column].astype(np.int64)
    for column in ("requested_at", "slot_start", "arrived_at", "consult_start", "consult_end",
                   "wait_minutes", "delay_minutes", "left_at"):  # fmt: skip
        frame[column] = frame[column].astype(np.float64)
    return _categories(frame)


def slots(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """Slots from ``(replication, doctor_id, day, start, end, capacity, most_seats_held)``;
    seats held at the end equal the most held."""
    frame = pd.DataFrame({
        "replication": np.array([r[0] for r in rows], dtype=np.int64),
        "slot_id": np.arange(1, len(rows) + 1, dtype=np.int64),
        "doctor_id": [r[1] for r in rows],
        "day": np.array([r[2] for r in rows], dtype=np.int64),
        "start": np.array([r[3] for r in rows], dtype=np.float64),
        "end": np.array([r[4] for r in rows], dtype=np.float64),
        "capacity": np.array([r[5] for r in rows], dtype=np.int64),
        "seats_held": np.array([r[6] for r in rows], dtype=np.int64),
        "most_seats_held": np.array([r[6] for r in rows], dtype=np.int64),
    })  # fmt: skip
    frame["overbooked_by"] = np.maximum(frame["most_seats_held"] - frame["capacity"], 0)
    return _categories(frame)[SLOT_COLUMNS]
