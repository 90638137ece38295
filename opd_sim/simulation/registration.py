"""The registration counter: which doctor's slot a patient who turns up unbooked is given.

The rule (docs/simulator.md): the day's slots are grouped by start time across doctors (a group
runs until its last slot ends). The earliest group still running or to come that has a slot
with a free seat for the patient's source, there the doctor with the fewest seats taken (ties:
doctor order); when every seat of the day is taken, in the earliest group still running (after
the day's last slot, the last group), the doctor with the shortest waitlist (ties: doctor
order), where the engine waitlists the patient. When every doctor works the same sessions, a
group is one slot time of every doctor.

Asking every doctor for every walk-in made routing cost grow with the number of doctors. Here
each group of a day keeps two heaps over its doctors' slots, built when first asked: by seats
taken and by waitlist length. The engine stays the only judge of seats: a heap entry is a hint
that is checked against the engine's answer when it reaches the top. Counts that grew since an
entry was made are put right there and then; counts that fell are pushed afresh by
:meth:`Registration.counts_fell`, which the driver calls after each decision that can lower
them. So every doctor always has an entry no larger than its count, and a top entry that
matches the engine's count is the least of all.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heapify, heappop, heappush, heapreplace

from opd_sim.engine import Engine, Source
from opd_sim.simulation.calendar import MINUTES_PER_DAY, SlotCalendar

__all__ = ["Registration"]

Entry = tuple[int, int, int]  # (count, doctor index, slot id)


class Registration:
    """Sends patients who turn up unbooked to a slot, in time independent of the doctor count."""

    def __init__(self, calendar: SlotCalendar, engine: Engine) -> None:
        self._calendar = calendar
        self._engine = engine
        self._by_seats: dict[tuple[int, int], list[Entry]] = {}  # (day, group) -> heap
        self._by_waitlist: dict[tuple[int, int], list[Entry]] = {}

    def slot_for(self, day: int, now: float, source: Source) -> int:
        """The slot a patient of ``source`` arriving unbooked at minute ``now`` of ``day`` gets."""
        calendar = self._calendar
        groups = len(calendar.group_starts)
        first = calendar.group_at(now - day * MINUTES_PER_DAY)
        if first >= groups:  # after the day's last slot: its last group
            first = groups - 1
        for index in range(first, groups):
            slot_id = self._fewest_seats_taken(day, index, source)
            if slot_id is not None:
                return slot_id
        return self._shortest_waitlist(day, first)

    def counts_fell(self, slot_id: int) -> None:
        """The slot's seats taken or waitlist may have fallen: give it a fresh entry."""
        calendar = self._calendar
        day = calendar.slot_day[slot_id]
        doctor = calendar.slot_doctor[slot_id]
        key = (day, calendar.slot_group[slot_id])
        heap = self._by_seats.get(key)
        if heap is not None:
            heappush(heap, (self._engine.seats_held(slot_id), doctor, slot_id))
        heap = self._by_waitlist.get(key)
        if heap is not None:
            heappush(heap, (self._engine.waitlist_length(slot_id), doctor, slot_id))

    def close_day(self, day: int) -> None:
        """The day is over: nobody is sent to its slots again."""
        for heaps in (self._by_seats, self._by_waitlist):
            for key in [key for key in heaps if key[0] == day]:
                del heaps[key]

    # ------------------------------------------------------------------ helpers

    def _heap(self, heaps: dict[tuple[int, int], list[Entry]], day: int, index: int,
              count: Callable[[int], int]) -> list[Entry]:  # fmt: skip
        heap = heaps.get((day, index))
        if heap is None:
            first_slot = self._calendar.first_slot
            slots = [(d, first_slot[(d, day)] + k) for d, k in self._calendar.group_slots[index]]
            heap = [(count(slot_id), d, slot_id) for d, slot_id in slots]
            heapify(heap)
            heaps[(day, index)] = heap
        return heap

    def _fewest_seats_taken(self, day: int, index: int, source: Source) -> int | None:
        """Among the slots of group ``index``, the one with a free seat for ``source`` and the
        fewest seats taken (ties: doctor order), or None if none has one."""
        engine = self._engine
        seats_held = engine.seats_held
        heap = self._by_seats.get((day, index))
        if heap is None:
            heap = self._heap(self._by_seats, day, index, seats_held)
        while heap:
            taken, doctor, slot_id = heap[0]
            now_taken = seats_held(slot_id)
            if now_taken > taken:  # filled since: put right
                heapreplace(heap, (now_taken, doctor, slot_id))
            elif now_taken < taken:  # emptied since: a fresher entry was pushed
                heappop(heap)
            elif engine.has_seat(slot_id, source):
                return slot_id
            elif engine.free_seats(slot_id) == 0:  # full: pushed again when a seat frees
                heappop(heap)
            else:  # free seats held for other sources (a policy's reservation): ask each doctor
                return self._scan(day, index, source)
        return None

    def _scan(self, day: int, index: int, source: Source) -> int | None:
        """The same answer by asking every doctor (when free seats are not free to everyone)."""
        engine, first_slot = self._engine, self._calendar.first_slot
        best: tuple[int, int] | None = None
        for doctor, k in self._calendar.group_slots[index]:  # in doctor order
            slot_id = first_slot[(doctor, day)] + k
            taken = engine.seats_held(slot_id)
            if (best is None or taken < best[0]) and engine.has_seat(slot_id, source):
                best = (taken, slot_id)
        return None if best is None else best[1]

    def _shortest_waitlist(self, day: int, index: int) -> int:
        """The slot of group ``index`` with the shortest waitlist (ties: doctor order)."""
        waitlist_length = self._engine.waitlist_length
        heap = self._heap(self._by_waitlist, day, index, waitlist_length)
        while True:
            waiting, doctor, slot_id = heap[0]
            now_waiting = waitlist_length(slot_id)
            if now_waiting > waiting:
                heapreplace(heap, (now_waiting, doctor, slot_id))
            elif now_waiting < waiting:
                heappop(heap)
            else:
                return slot_id
