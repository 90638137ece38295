"""The patients waiting for a doctor, kept in service order so the next one is found at once.

When doctors cannot keep up, thousands are present at a time; scanning them all for each call
made a run quadratic (hours, for a file that validates). Here a heap holds the patients whose
session has opened and a second one, by opening time, those who came early. Entries are never
removed in place: one that no longer applies (the patient was called, lost the seat or left) is
dropped when it reaches the top, and a patient who moves gets a new entry (see ``Opd._react``).

The room also knows which of its doctors are free, so an arrival asks one free doctor (the first
in doctor order) rather than every doctor sharing the queue.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import count

from opd_sim.engine import TokenStatus
from opd_sim.simulation.patients import Patient

__all__ = ["WaitingRoom"]

Key = tuple[float, ...]
_ALLOCATED = TokenStatus.ALLOCATED


class WaitingRoom:
    """Present patients not yet called (doctors sharing a queue share one room).

    ``key`` orders patients (smallest first); ``opens`` is when a patient's session opens: no one
    is called before. Both are read again whenever an entry reaches the top, so an entry made
    before a move is put right rather than trusted.
    """

    def __init__(self, key: Callable[[Patient], Key], opens: Callable[[Patient], float]) -> None:
        self._key = key
        self._opens = opens
        self._open: list[tuple[Key, int, Patient]] = []  # by key
        self._early: list[tuple[float, int, Patient]] = []  # by the opening they wait for
        self._order = count()  # ties (one patient entered twice) in entry order, never compared
        #: doctor indices with nobody in their consulting room
        self.free_doctors: set[int] = set()
        self._free_order: list[int] = []  # the same as a heap; busy ones dropped when on top

    def __bool__(self) -> bool:
        return bool(self._open or self._early)

    def doctor_free(self, index: int) -> None:
        """Doctor ``index`` (one of this room's) has nobody in consultation."""
        if index not in self.free_doctors:
            self.free_doctors.add(index)
            heapq.heappush(self._free_order, index)

    def doctor_busy(self, index: int) -> None:
        """Doctor ``index`` has called a patient in."""
        self.free_doctors.discard(index)

    def free_doctor(self) -> int | None:
        """The first free doctor in doctor order, or None if all are busy."""
        order, free = self._free_order, self.free_doctors
        while order and order[0] not in free:
            heapq.heappop(order)
        return order[0] if order else None

    def add(self, patient: Patient) -> None:
        """Enter ``patient`` (again after a move: the entry under the old key is dropped later)."""
        heapq.heappush(self._open, (self._key(patient), next(self._order), patient))

    def call(self, now: float) -> Patient | None:
        """Take out the first patient in order who holds a seat whose session opened by ``now``."""
        early, ready = self._early, self._open
        while early and early[0][0] <= now:
            self.add(heapq.heappop(early)[2])
        while ready:
            key, _, patient = ready[0]
            if patient.consult_start == patient.consult_start or (
                patient.token.status is not _ALLOCATED
            ):  # called already, gone, or waitlisted (entered again if promoted)
                heapq.heappop(ready)
                continue
            current = self._key(patient)
            if key != current:  # moved since this entry was made
                heapq.heapreplace(ready, (current, next(self._order), patient))
                continue
            opens = self._opens(patient)
            heapq.heappop(ready)
            if opens > now:
                heapq.heappush(early, (opens, next(self._order), patient))
                continue
            return patient
        return None
