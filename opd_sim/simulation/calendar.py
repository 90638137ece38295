"""The slot calendar: every doctor's slots of every day, cut from the sessions and registered.

Times are absolute minutes: day ``d`` at minute-of-day ``m`` is ``d * 1440 + m``. Every doctor
works the same sessions, so slot ``k`` of a day starts at the same minute for all doctors.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from opd_sim.engine import Engine
from opd_sim.scenario import Scenario
from opd_sim.scenario.model import day_slots

__all__ = ["MINUTES_PER_DAY", "UNLIMITED_SEATS", "SlotCalendar"]

MINUTES_PER_DAY = 1440
#: The capacity of a slot whose doctor has ``seats_per_slot: null``: more than any OPD books.
UNLIMITED_SEATS = 1_000_000
_EPS = 1e-9


@dataclass(slots=True)
class SlotCalendar:
    """Slots by id (lists indexed by slot id; index 0 unused) and by (doctor, day).

    Slot ids are 1, 2, ... in the order doctor, day, session, start time, so the slots of one
    doctor's day are contiguous and sorted.
    """

    doctor_ids: tuple[str, ...]
    days: int
    starts_of_day: list[float]  # minute-of-day at which each slot of a day starts
    ends_of_day: list[float]
    sessions_of_day: list[tuple[float, float]]  # (open, close) minute-of-day, sorted
    slot_start: list[float]
    slot_end: list[float]
    slot_day: list[int]
    slot_doctor: list[int]  # doctor index into doctor_ids
    slot_session_open: list[float]  # absolute opening of the session a slot belongs to
    first_slot: dict[tuple[int, int], int]  # (doctor index, day) -> id of that day's first slot

    @classmethod
    def build(cls, scenario: Scenario, engine: Engine) -> SlotCalendar:
        """Cut the scenario's slots and add its doctors and slots to ``engine``."""
        sessions = sorted((s.open, s.close) for s in scenario.sessions)
        cut = day_slots(scenario)
        starts = [start for start, _end, _open in cut]
        ends = [end for _start, end, _open in cut]
        opens = [open_ for _start, _end, open_ in cut]
        calendar = cls(
            doctor_ids=tuple(d.id for d in scenario.doctors), days=scenario.days,
            starts_of_day=starts, ends_of_day=ends, sessions_of_day=sessions,
            slot_start=[0.0], slot_end=[0.0], slot_day=[-1], slot_doctor=[-1],
            slot_session_open=[0.0], first_slot={},
        )  # fmt: skip
        for index, doctor in enumerate(scenario.doctors):
            engine.add_doctor(doctor.name or doctor.id, doctor_id=doctor.id)
            seats = doctor.seats_per_slot or UNLIMITED_SEATS
            for day in range(scenario.days):
                base = day * MINUTES_PER_DAY
                calendar.first_slot[(index, day)] = len(calendar.slot_start)
                for start, end, open_ in zip(starts, ends, opens, strict=True):
                    slot = engine.add_slot(doctor.id, base + start, base + end, seats, day=day,
                                           slot_id=len(calendar.slot_start))  # fmt: skip
                    calendar.slot_start.append(slot.start)
                    calendar.slot_end.append(slot.end)
                    calendar.slot_day.append(day)
                    calendar.slot_doctor.append(index)
                    calendar.slot_session_open.append(base + open_)
        return calendar

    @property
    def slots_per_day(self) -> int:
        """Slots of one doctor on one day."""
        return len(self.starts_of_day)

    @property
    def slot_count(self) -> int:
        """Slots of every doctor and day."""
        return len(self.slot_start) - 1

    def slot_id(self, doctor: int, day: int, index: int) -> int:
        """The id of slot ``index`` (0-based, time order) of ``doctor``'s ``day``."""
        return self.first_slot[(doctor, day)] + index

    def slot_index_at(self, minute_of_day: float) -> int:
        """The index of the slot running at ``minute_of_day``, else of the next one to start.

        Returns ``slots_per_day`` when no slot of the day is running or still to come.
        """
        index = bisect_right(self.starts_of_day, minute_of_day) - 1
        if index < 0:
            return 0
        if minute_of_day < self.ends_of_day[index] - _EPS:
            return index
        return index + 1

    def windows(self, day: int) -> list[tuple[float, float]]:
        """The absolute (open, close) of each session of ``day``."""
        base = day * MINUTES_PER_DAY
        return [(base + open_, base + close) for open_, close in self.sessions_of_day]

    @property
    def session_minutes_per_day(self) -> float:
        """Minutes a doctor is on duty in one day's sessions."""
        return sum(close - open_ for open_, close in self.sessions_of_day)
