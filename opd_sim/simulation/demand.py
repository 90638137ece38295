"""Exogenous demand: every ONLINE, PAID, WALKIN and EMERGENCY request, drawn before the clock.

Requests do not depend on what the engine decides, so they are drawn once, in batches, from
their own streams before the clock starts; FOLLOWUP requests arise later from consultations.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

import numpy as np

from opd_sim.engine import Source
from opd_sim.scenario import Scenario
from opd_sim.scenario.model import AdvanceBookings, source_key
from opd_sim.simulation.calendar import MINUTES_PER_DAY, SlotCalendar
from opd_sim.simulation.patients import Attributes, draw_attributes

__all__ = ["Cohort", "Requests", "cohort_rows", "draw_requests"]


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


def cohort_rows(cohort: Cohort) -> list[tuple[Any, ...]]:
    """Each request of a cohort as a tuple of plain Python values: (requested_at, day, doctor,
    slot_index, lead_days, consult, punctuality, no_show, cancel_before, return_after,
    return_slot_fraction); ``consult`` is the request's row of ``attributes.consult`` (one time
    per doctor) when the doctor is not known: kept in numpy, 8 bytes a doctor, not 32."""
    a = cohort.attributes
    consult = a.consult.astype(float) if a.consult.ndim == 1 else np.arange(len(a.consult))
    columns = [cohort.requested_at.astype(float), cohort.day.astype(int),
               cohort.doctor.astype(int), cohort.slot_index.astype(int),
               cohort.lead_days.astype(float), consult,
               a.punctuality.astype(float), a.no_show.astype(bool), a.cancel_before.astype(float),
               a.return_after.astype(int), a.return_slot_fraction.astype(float)]  # fmt: skip
    return list(zip(*(column.tolist() for column in columns), strict=True))


@dataclass(slots=True)
class Requests:
    """All cohorts and the order in which their requests reach the engine."""

    cohorts: list[Cohort]
    times: list[float]  # request times, ascending
    order: list[tuple[int, int]]  # (cohort index, index within cohort), aligned with times


def _advance(scenario: Scenario, calendar: SlotCalendar, demand: AdvanceBookings,
             rng: np.random.Generator) -> tuple[np.ndarray, ...]:  # fmt: skip
    """ONLINE or PAID: Poisson(per_day) bookings a day, each lead_days before the first opening."""
    counts = rng.poisson(demand.per_day, size=scenario.days)
    n = int(counts.sum())
    day = np.repeat(np.arange(scenario.days), counts)
    lead = np.maximum(np.asarray(demand.lead_days.draw(rng, n), dtype=float), 0.0)
    doctor = rng.integers(len(calendar.doctor_ids), size=n)
    slot_index = rng.integers(calendar.slots_per_day, size=n)
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


def _slot_starting(calendar: SlotCalendar, minute_of_day: float) -> int:
    """The index of the slot of a day starting at ``minute_of_day`` (the scenario checked one
    does): the nearest start, the earlier of two as near."""
    starts = calendar.starts_of_day
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
                for row in [(b.day, doctor_index[b.doctor], _slot_starting(calendar, b.time),
                             b.lead_days)] * b.count]  # fmt: skip
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
    times, day = _poisson_times(rng, scenario.days, _pieces(calendar, []), rate)
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
    return Requests(
        cohorts=cohorts,
        times=all_times[order].tolist(),
        order=list(zip(which[order].tolist(), within[order].tolist(), strict=True)),
    )
