"""Exogenous demand: every ONLINE, PAID, WALKIN and EMERGENCY request, drawn before the clock.

Requests do not depend on what the engine decides, so they are drawn once, in batches, from
their own streams before the clock starts; FOLLOWUP requests arise later from consultations.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from opd_sim.engine import Source
from opd_sim.scenario import Scenario
from opd_sim.scenario.model import AdvanceBookings, source_key
from opd_sim.simulation.calendar import MINUTES_PER_DAY, SlotCalendar
from opd_sim.simulation.patients import Attributes, draw_attributes

__all__ = ["Cohort", "Requests", "draw_requests"]


@dataclass(slots=True)
class Cohort:
    """The requests of one source: when, for which day, doctor and slot, and the patients' draws.

    ``doctor`` and ``slot_index`` are -1 where they are chosen when the request is made.
    ``on_the_day``: the patients turn up unbooked and book on arrival, as walk-ins do.
    """

    source: Source
    requested_at: np.ndarray  # absolute minutes; negative: booked before the simulated days
    day: np.ndarray
    doctor: np.ndarray
    slot_index: np.ndarray
    lead_days: np.ndarray
    attributes: Attributes
    on_the_day: bool = False


class Requests:
    """Every exogenous request in the order it reaches the engine.

    Kept as numpy columns in request order and handed out by :meth:`rows` as tuples of plain
    Python values, a block at a time: reading numpy values one by one is slow, and the whole
    table as Python objects took about 350 bytes a request. ``order`` pairs each request with
    its cohort and its index within that cohort; ``times`` are the requests' times, ascending.
    """

    BLOCK = 4096  # rows made Python values at a time

    def __init__(self, cohorts: list[Cohort], times: Any, order: Any) -> None:
        pairs = np.asarray(order, dtype=np.int64).reshape(-1, 2)
        which, within = pairs[:, 0], pairs[:, 1]
        self.times = np.asarray(times, dtype=np.float64)
        self.sources = [cohort.source for cohort in cohorts]
        #: per cohort: its patients turn up unbooked and book on arrival, as walk-ins do
        self.unbooked = [c.on_the_day or c.source is Source.WALKIN for c in cohorts]
        #: per cohort: the attributes whose 2-D ``consult`` holds a time per kind of doctor
        self.consult_by_doctor = [c.attributes if c.attributes.consult.ndim == 2 else None
                                  for c in cohorts]  # fmt: skip
        offsets = np.cumsum([0] + [len(c.requested_at) for c in cohorts])[:-1]
        position = offsets[which] + within if len(pairs) else np.zeros(0, dtype=np.int64)

        def column(pick: Any, dtype: Any) -> np.ndarray:
            parts = [np.asarray(pick(c), dtype=dtype) for c in cohorts]
            merged = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
            return merged[position]

        def consult(c: Cohort) -> np.ndarray:
            drawn = c.attributes.consult
            return drawn if drawn.ndim == 1 else np.full(len(drawn), np.nan)

        self._columns = [
            self.times, which, column(lambda c: c.day, np.int64),
            column(lambda c: c.doctor, np.int64), column(lambda c: c.slot_index, np.int64),
            column(consult, np.float64), within,
            column(lambda c: c.attributes.punctuality, np.float64),
            column(lambda c: c.attributes.no_show, bool),
            column(lambda c: c.attributes.cancel_before, np.float64),
            column(lambda c: c.attributes.return_after, np.int64),
            column(lambda c: c.attributes.return_slot_fraction, np.float64),
            column(lambda c: c.attributes.patience, np.float64),
        ]  # fmt: skip

    def __len__(self) -> int:
        return len(self.times)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Each request in order: (requested_at, cohort index, day, doctor, slot_index,
        consult, index within cohort, punctuality, no_show, cancel_before,
        return_after, return_slot_fraction, patience). ``consult`` is NaN where the patient
        carries a time for every kind of doctor (the doctor is chosen on arrival, or shares a
        queue with doctors of other times): then it is
        ``consult_by_doctor[cohort].consult_for(index, doctor)``."""
        columns = self._columns
        for start in range(0, len(self.times), self.BLOCK):
            stop = start + self.BLOCK
            yield from zip(*(values[start:stop].tolist() for values in columns), strict=True)


def _advance(scenario: Scenario, calendar: SlotCalendar, demand: AdvanceBookings,
             rng: np.random.Generator) -> tuple[np.ndarray, ...]:  # fmt: skip
    """ONLINE or PAID: Poisson(per_day) bookings a day, each lead_days before the first opening."""
    counts = rng.poisson(demand.per_day, size=scenario.days)
    n = int(counts.sum())
    day = np.repeat(np.arange(scenario.days), counts)
    lead = np.maximum(np.asarray(demand.lead_days.draw(rng, n), dtype=float), 0.0)
    doctor = rng.integers(len(calendar.doctor_ids), size=n)
    # each doctor's own number of slots (the same numbers as one bound when all are equal)
    per_day = np.array([calendar.slots_per_day(d) for d in range(len(calendar.doctor_ids))])
    slot_index = rng.integers(per_day[doctor])
    first_open = calendar.sessions_of_day[0][0]
    requested_at = (day - lead) * MINUTES_PER_DAY + first_open
    return requested_at, day, doctor, slot_index, lead


def _pieces(calendar: SlotCalendar, profile: list[float]) -> list[tuple[float, float, float]]:
    """(start, end, rate factor) minute-of-day pieces of the sessions, cut at each profile hour."""
    first_open = calendar.sessions_of_day[0][0]
    pieces = []
    for open_, close in calendar.sessions_of_day:
        start = open_
        while start < close:
            hour = int((start - first_open) // 60)
            if first_open + (hour + 1) * 60 <= start:  # the division rounded a whole hour down:
                hour += 1  # without this, a fractional opening (63.69...) never moves on
            end = min(close, first_open + (hour + 1) * 60)
            factor = profile[min(hour, len(profile) - 1)] if profile else 1.0
            pieces.append((start, end, factor))
            start = end
    return pieces


def _poisson_times(rng: np.random.Generator, days: int, pieces: list[tuple[float, float, float]],
                   per_hour: float) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Arrival times of a piecewise-constant Poisson process over each day's pieces."""
    lengths = np.array([end - start for start, end, _ in pieces])
    rates = np.array([factor for _, _, factor in pieces]) * per_hour / 60.0
    counts = rng.poisson(np.tile(rates * lengths, days))
    piece = np.repeat(np.arange(len(pieces) * days), counts)
    starts = np.tile(np.array([start for start, _, _ in pieces]), days)
    offsets = np.repeat(np.arange(days) * MINUTES_PER_DAY, len(pieces))
    times = offsets[piece] + starts[piece] + rng.random(len(piece)) * np.tile(lengths, days)[piece]
    times.sort(kind="stable")
    return times, (times // MINUTES_PER_DAY).astype(np.int64)


def _on_the_day(scenario: Scenario, calendar: SlotCalendar,
                streams: dict[str, np.random.Generator]) -> list[Cohort]:  # fmt: skip
    """PAID, FOLLOWUP and ONLINE patients turning up unbooked, each source a Poisson stream."""
    cohorts = []
    for source in (Source.PAID, Source.FOLLOWUP, Source.ONLINE):
        arrivals = scenario.demand.on_the_day.get(source_key(source))
        if arrivals is None:
            continue
        pieces = _pieces(calendar, list(arrivals.hourly_profile))
        times, day = _poisson_times(streams["on_the_day_arrivals"], scenario.days, pieces,
                                    arrivals.per_hour)  # fmt: skip
        none, lead = np.full(len(times), -1), np.zeros(len(times))
        attributes = draw_attributes(scenario, streams, source, None, lead, present=True)
        cohorts.append(Cohort(source, times, day, none, none, lead, attributes, on_the_day=True))
    return cohorts


def _slot_starting(calendar: SlotCalendar, doctor: int, minute_of_day: float) -> int:
    """The index of the doctor's slot of a day starting at ``minute_of_day`` (the scenario
    checked one does): the nearest start, the earlier of two as near."""
    starts = calendar.starts_of_day[doctor]
    after = bisect_left(starts, minute_of_day)  # starts ascend; a day may have 10,000
    near = [k for k in (after - 1, after) if 0 <= k < len(starts)]
    return min(near, key=lambda k: abs(starts[k] - minute_of_day))


def _appointments(scenario: Scenario, calendar: SlotCalendar,
                  streams: dict[str, np.random.Generator]) -> list[Cohort]:  # fmt: skip
    """The fixed schedule of ``demand.appointments``: one cohort per source, in file order."""
    doctor_index = {doctor_id: i for i, doctor_id in enumerate(calendar.doctor_ids)}
    first_open = calendar.sessions_of_day[0][0]
    cohorts = []
    for source in (Source.PAID, Source.FOLLOWUP, Source.ONLINE):
        rows = [row for b in scenario.demand.appointments if b.source == source.name
                for d in [doctor_index[b.doctor]]
                for row in [(b.day, d, _slot_starting(calendar, d, b.time), b.lead_days)] * b.count
                ]  # fmt: skip
        if not rows:
            continue
        day, doctor, slot_index, lead = (np.array(column) for column in zip(*rows, strict=True))
        requested_at = (day - lead) * MINUTES_PER_DAY + first_open
        attributes = draw_attributes(scenario, streams, source, doctor, lead.astype(float))
        cohorts.append(Cohort(source, requested_at.astype(float), day, doctor, slot_index,
                              lead.astype(float), attributes))  # fmt: skip
    return cohorts


def draw_requests(scenario: Scenario, calendar: SlotCalendar,
                  streams: dict[str, np.random.Generator]) -> Requests:  # fmt: skip
    """Draw every exogenous request and its patient, in a fixed stream order."""
    demand = scenario.demand
    doctors = len(calendar.doctor_ids)
    raw: list[tuple[Any, ...]] = []
    for source, bookings, name in ((Source.ONLINE, demand.online, "online_arrivals"),
                                   (Source.PAID, demand.paid, "paid_arrivals")):  # fmt: skip
        raw.append((source, *_advance(scenario, calendar, bookings, streams[name])))
    pieces = _pieces(calendar, list(demand.walkin.hourly_profile))
    times, day = _poisson_times(streams["walkin_arrivals"], scenario.days, pieces,
                                demand.walkin.per_hour)  # fmt: skip
    none = np.full(len(times), -1)
    raw.append((Source.WALKIN, times, day, none, none, np.zeros(len(times))))
    rng = streams["emergency_arrivals"]
    rate = demand.emergency.per_hour
    pieces = _pieces(calendar, list(demand.emergency.hourly_profile))
    times, day = _poisson_times(rng, scenario.days, pieces, rate)
    doctor = rng.integers(doctors, size=len(times))
    none = np.full(len(times), -1)
    raw.append((Source.EMERGENCY, times, day, doctor, none, np.zeros(len(times))))

    cohorts = []
    for source, requested_at, day, doctor, slot_index, lead in raw:
        known = None if source is Source.WALKIN else doctor
        attributes = draw_attributes(scenario, streams, source, known, lead)
        cohorts.append(Cohort(source, requested_at, day, doctor, slot_index, lead, attributes))
    # drawn after every other cohort, and only when asked for, so older seeded runs keep
    # their numbers
    cohorts += _on_the_day(scenario, calendar, streams) + _appointments(scenario, calendar, streams)

    # request order: time, then source priority, then draw order (ties are never random)
    all_times = np.concatenate([c.requested_at for c in cohorts])
    priority = np.concatenate([np.full(len(c.requested_at), int(c.source)) for c in cohorts])
    which = np.concatenate([np.full(len(c.requested_at), i) for i, c in enumerate(cohorts)])
    within = np.concatenate([np.arange(len(c.requested_at)) for c in cohorts])
    order = np.lexsort((within, priority, all_times))
    return Requests(cohorts, all_times[order], np.stack([which[order], within[order]], axis=1))
