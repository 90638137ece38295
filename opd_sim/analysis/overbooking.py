"""Overbooking: which slots held more patients than their seats, by doctor and by hour of day.

Read from the slots frame, whose ``overbooked_by`` is how far past its capacity a slot's seats
ever went (emergencies are seated past capacity; a policy such as ``noshow-overbook`` sells
extra seats on purpose). Counts are summed over every replication in the frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["overbooking_by_doctor", "overbooking_by_hour"]

_MINUTES_PER_DAY = 1440


def _overbooking(slots: pd.DataFrame, by: pd.Series | np.ndarray) -> pd.DataFrame:
    over = slots["overbooked_by"].to_numpy(dtype=np.int64)
    parts = pd.DataFrame({"slots": 1, "slots_over_capacity": (over > 0).astype(np.int64),
                          "seats_over_capacity": over}, index=slots.index)  # fmt: skip
    return parts.groupby(by, observed=False).sum().astype(np.int64)


def overbooking_by_doctor(slots: pd.DataFrame) -> pd.DataFrame:
    """One row per doctor (every doctor of the frame's categories, in scenario order): the
    ``slots`` created, the ``slots_over_capacity`` and the ``seats_over_capacity`` (the sum of
    ``overbooked_by``), summed over replications."""
    table = _overbooking(slots, slots["doctor_id"])
    table.index.name = "doctor_id"
    return table


def overbooking_by_hour(slots: pd.DataFrame) -> pd.DataFrame:
    """One row per hour of day in which slots start (9 for 09:00-09:59): ``slots``,
    ``slots_over_capacity`` and ``seats_over_capacity``, summed over replications and days."""
    hour = (slots["start"].to_numpy(dtype=np.float64) % _MINUTES_PER_DAY) // 60
    table = _overbooking(slots, pd.Series(hour.astype(np.int64), index=slots.index,
                                          name="hour"))  # fmt: skip
    table.index.name = "hour"
    return table
