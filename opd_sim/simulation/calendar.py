"""The slot calendar: every doctor's slots of every day, cut from their sessions and registered.

Times are absolute minutes: day ``d`` at minute-of-day ``m`` is ``d * 1440 + m``. A doctor works
the scenario's sessions or their own roster (``doctors[].sessions``), so doctors' slots need not
start at the same minutes; the registration counter reads the day's slots grouped by start time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from opd_sim.engine import Engine
from opd_sim.scenario import Scenario
from opd_sim.scenario.model import day_slots, doctor_sessions

__all__ = ["MINUTES_PER_DAY", "UNLIMITED_SEATS", "SlotCalendar"]

MINUTES_PER_DAY = 1440
#: The capacity of a slot whose doctor has ``seats_per_slot: null``: more than any OPD books.
UNLIMITED_SEATS = 1_000_000
_EPS = 1e-9


@dataclass(slots=True)
class SlotCalendar:
    """Slots by id (lists indexed by slot id; index 0 unused), by (doctor, day), and a day's
    slots grouped by start time across doctors.

    Slot ids are 1, 2, ... in the order doctor, day, session, start time, so the slots of one
    doctor's day are contiguous and sorted. Minute-of-day lists (``starts_of_day`` ...) are per
    doctor index.
    """

    doctor_ids: tuple[str, ...]
    days: int
    sessions_of_day: list[tuple[float, float]]  # the OPD's (open, close), minute-of-day, sorted
    starts_of_day: list[list[float]]  # per doctor: minute-of-day each slot of a day starts
    ends_of_day: list[list[float]]
    doctor_sessions: list[list[tuple[float, float]]]  # per doctor: (open, close), sorted
    slot_start: list[float]
    slot_end: list[float]
    slot_day: list[int]
    slot_doctor: list[int]  # doctor index into doctor_ids
    slot_session_open: list[float]  # absolute opening of the session a slot belongs to
    first_slot: dict[tuple[int, int], int]  # (doctor index, day) -> id of that day's first slot
    # A day's slots grouped by start time, across doctors (the same every day): the group's
    # start minutes ascending, each group's (doctor, slot index) pairs in doctor order, and the
    # minute its last slot ends. The registration counter walks these.
    group_starts: list[float]
    group_slots: list[list[tuple[int, int]]]
    group_ends: list[float]
    slot_group: list[int]  # by slot id: its group within the day (-1 for index 0)
    longest_group: float  # minutes from a group's start to its last slot's end, at most

    @classmethod
    def build(cls, scenario: Scenario, engine: Engine) -> SlotCalendar:
        """Cut each doctor's slots and add the doctors and slots to ``engine``."""
        cuts = [day_slots(scenario, doctor) for doctor in scenario.doctors]
        groups: dict[float, list[tuple[int, int]]] = {}
        ends: dict[float, float] = {}
        for d, cut in enumerate(cuts):
            for k, (start, end, _open) in enumerate(cut):
                groups.setdefault(start, []).append((d, k))
                ends[start] = max(ends.get(start, end), end)
        group_starts = sorted(groups)
        group_of = {start: g for g, start in enumerate(group_starts)}
        calendar = cls(
            doctor_ids=tuple(d.id for d in scenario.doctors), days=scenario.days,
            sessions_of_day=[(s.open, s.close) for s in scenario.sessions],
            starts_of_day=[[start for start, _end, _open in cut] for cut in cuts],
            ends_of_day=[[end for _start, end, _open in cut] for cut in cuts],
            doctor_sessions=[[(s.open, s.close) for s in doctor_sessions(scenario, doctor)]
                             for doctor in scenario.doctors],
            slot_start=[0.0], slot_end=[0.0], slot_day=[-1], slot_doctor=[-1],
            slot_session_open=[0.0], first_slot={},
            group_starts=group_starts, group_slots=[groups[s] for s in group_starts],
            group_ends=[ends[s] for s in group_starts], slot_group=[-1],
            longest_group=max(ends[s] - s for s in group_starts),
        )  # fmt: skip
        for index, doctor in enumerate(scenario.doctors):
            engine.add_doctor(doctor.name or doctor.id, doctor_id=doctor.id)
            seats = doctor.seats_per_slot or UNLIMITED_SEATS
            cut = cuts[index]
            for day in range(scenario.days):
                base = day * MINUTES_PER_DAY
                calendar.first_slot[(index, day)] = len(calendar.slot_start)
                for start, end, open_ in cut:
                    slot = engine.add_slot(doctor.id, base + start, base + end, seats, day=day,
                                           slot_id=len(calendar.slot_start))  # fmt: skip
                    calendar.slot_start.append(slot.start)
                    calendar.slot_end.append(slot.end)
                    calendar.slot_day.append(day)
                    calendar.slot_doctor.append(index)
                    calendar.slot_session_open.append(base + open_)
                    calendar.slot_group.append(group_of[start])
        return calendar

    def slots_per_day(self, doctor: int) -> int:
        """Slots of one doctor on one day."""
        return len(self.starts_of_day[doctor])

    @property
    def slot_count(self) -> int:
        """Slots of every doctor and day."""
        return len(self.slot_start) - 1

    def slot_id(self, doctor: int, day: int, index: int) -> int:
        """The id of slot ``index`` (0-based, time order) of ``doctor``'s ``day``."""
        return self.first_slot[(doctor, day)] + index

    def slot_index_at(self, doctor: int, minute_of_day: float) -> int:
        """The index of the doctor's slot running at ``minute_of_day``, else of the next one to
        start. Returns ``slots_per_day(doctor)`` when none is running or still to come."""
        starts = self.starts_of_day[doctor]
        index = bisect_right(starts, minute_of_day) - 1
        if index < 0:
            return 0
        if minute_of_day < self.ends_of_day[doctor][index] - _EPS:
            return index
        return index + 1

    def group_at(self, minute_of_day: float) -> int:
        """The earliest group of slots (by start) still running at ``minute_of_day``, else the
        next to start; ``len(group_starts)`` when none is running or to come. A group runs until
        its last slot ends."""
        starts, ends = self.group_starts, self.group_ends
        # an earlier group may outlast a later one (a slot cut short by its session's close),
        # but none that started more than the longest group lasts: a few groups to read
        index = bisect_left(starts, minute_of_day - self.longest_group - _EPS)
        while index < len(starts) and not minute_of_day < ends[index] - _EPS:
            index += 1
        return index

    def windows(self, day: int, doctor: int) -> list[tuple[float, float]]:
        """The absolute (open, close) of each of the doctor's sessions on ``day``."""
        base = day * MINUTES_PER_DAY
        return [(base + open_, base + close) for open_, close in self.doctor_sessions[doctor]]

    def session_minutes_per_day(self, doctor: int) -> float:
        """Minutes the doctor is on duty in one day's sessions."""
        return sum(close - open_ for open_, close in self.doctor_sessions[doctor])

