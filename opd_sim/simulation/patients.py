"""Patients and the attributes drawn for them the moment they are created.

Everything random about a patient (consultation minutes, punctuality, no-show, cancellation,
follow-up, patience) is drawn here, in batches, from the named streams, and never later: so two
policies run on one seed see the same patients (common random numbers), whatever the engine
decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from opd_sim.engine import Source, Token
from opd_sim.scenario import Scenario
from opd_sim.scenario.model import Cancellation, NoShow, punctuality_for, source_key

__all__ = [
    "Attributes",
    "FollowUpDraws",
    "Patient",
    "draw_attributes",
    "mixed_queues",
    "no_show_rule",
]

_NAN = math.nan
_DEFAULT_NO_SHOW = NoShow()
_DEFAULT_CANCELLATION = Cancellation()


@dataclass(slots=True, eq=False)
class Patient:
    """One token's patient: drawn attributes, then what happened to them on the day."""

    token: Token
    doctor: int  # doctor index into the calendar's doctor_ids
    consult_minutes: float
    punctuality_minutes: float  # arrival offset from the slot start (negative: early)
    no_show: bool  # stays away; the no-show is declared after the slot starts
    cancel_before_minutes: float  # cancels this long before the slot start; NaN: does not cancel
    return_after_days: int  # books a FOLLOWUP this many days later when seen; 0: does not
    return_slot_fraction: float  # where in that day the follow-up slot lies, in [0, 1)
    arrived_at: float = _NAN
    consult_start: float = _NAN
    consult_end: float = _NAN
    seen_by: int = -1  # index of the doctor who consulted (a shared queue's any); -1: not seen
    patience_minutes: float = _NAN  # leaves unseen if not called this long after arriving
    left_at: float = _NAN  # when the patient left unseen; NaN: did not leave
    # in a shared queue whose doctors take different times: the minutes with each of them (by
    # doctor index), for whoever calls the patient in; None: ``consult_minutes`` with anyone
    consult_by_doctor: dict[int, float] | None = None

    @property
    def token_id(self) -> int:
        """The engine token this patient holds."""
        return self.token.id


@dataclass(slots=True)
class Attributes:
    """Drawn attributes of a batch of ``n`` patients of one source, as numpy arrays.

    When the doctor is chosen only on arrival (walk-ins), ``consult`` has one column per
    distinct consultation-time distribution among the doctors, and ``consult_column[d]`` is
    doctor ``d``'s column: each patient carries a time for every kind of doctor they might be
    sent to, and two doctors with the same distribution give them the same time (common random
    numbers across doctors, and memory that grows with kinds of doctor, not with doctors).
    """

    consult: np.ndarray
    punctuality: np.ndarray
    stays_away: np.ndarray  # uniform draws behind no_show
    no_show: np.ndarray
    cancel_before: np.ndarray
    return_after: np.ndarray
    return_slot_fraction: np.ndarray
    patience: np.ndarray  # minutes; NaN where the source has no patience_minutes
    consult_column: tuple[int, ...] | None = None  # None: column ``d`` is doctor ``d``'s

    def consult_for(self, row: int, doctor: int) -> float:
        """Patient ``row``'s consultation minutes with doctor ``doctor`` (2-D ``consult``)."""
        column = doctor if self.consult_column is None else self.consult_column[doctor]
        return float(self.consult[row, column])


def _consult_distributions(scenario: Scenario, source: Source) -> list[Any]:
    """Each doctor's consultation-time distribution for patients of ``source``."""
    key = source_key(source)
    return [d.consult_minutes_by_source.get(key, d.consult_minutes) for d in scenario.doctors]


def mixed_queues(scenario: Scenario, source: Source) -> list[tuple[int, ...] | None]:
    """Per doctor index: the doctors of their shared queue when those take patients of
    ``source`` with different consultation-time distributions (then the time depends on who
    calls the patient in), else None."""
    by_doctor = _consult_distributions(scenario, source)
    queues: dict[str, list[int]] = {}
    for index, doctor in enumerate(scenario.doctors):
        if doctor.queue is not None:
            queues.setdefault(doctor.queue, []).append(index)
    mixed: list[tuple[int, ...] | None] = [None] * len(scenario.doctors)
    for members in queues.values():
        if len({by_doctor[d] for d in members}) > 1:
            for d in members:
                mixed[d] = tuple(members)
    return mixed


def no_show_rule(scenario: Scenario, source: Source) -> NoShow:
    """The scenario's no-show rule for a source (none set: nobody stays away)."""
    return scenario.no_show.get(source_key(source), _DEFAULT_NO_SHOW)


def _cancellation_rule(scenario: Scenario, source: Source) -> Cancellation:
    return scenario.cancellation.get(source_key(source), _DEFAULT_CANCELLATION)


def draw_attributes(
    scenario: Scenario,
    streams: dict[str, np.random.Generator],
    source: Source,
    doctors: np.ndarray | None,
    lead_days: np.ndarray,
    present: bool = False,
) -> Attributes:
    """Draw the attributes of ``len(lead_days)`` patients of ``source``.

    ``doctors`` holds each patient's doctor index, or is None when the doctor is not yet known
    (then a consultation time is drawn for every kind of doctor: see :class:`Attributes`).
    Each stream is drawn from in one fixed order, so a batch always consumes the same numbers.
    ``present``: the patients turn up unbooked (as walk-ins and emergencies always do), so they
    draw no punctuality. Patients whose doctor shares a queue with doctors of other
    consultation times (see :func:`mixed_queues`) also draw a time for every kind of doctor.
    """
    n = len(lead_days)
    consult_rng = streams["consult"]
    by_doctor = _consult_distributions(scenario, source)
    # doctors with equal distributions share one column of draws (in order of first appearance)
    columns: dict[Any, int] = {}
    column = tuple(columns.setdefault(dist, len(columns)) for dist in by_doctor)
    kinds = list(columns)
    every_kind = doctors is None or any(q is not None for q in mixed_queues(scenario, source))
    consult: np.ndarray
    if every_kind:
        consult = np.empty((n, len(kinds)))
        for j, dist in enumerate(kinds):
            consult[:, j] = dist.draw(consult_rng, n)
    else:
        consult = np.empty(n)
        kind_of = np.asarray(column, dtype=np.int64)[doctors] if n else np.zeros(0, np.int64)
        for j, dist in enumerate(kinds):
            mask = kind_of == j
            count = int(mask.sum())
            if count:
                consult[mask] = dist.draw(consult_rng, count)
    consult = np.maximum(consult, 0.0)

    present_on_booking = present or source in (Source.WALKIN, Source.EMERGENCY)
    if present_on_booking:
        punctuality = np.zeros(n)
    else:
        punctuality = np.asarray(
            punctuality_for(scenario, source_key(source)).draw(streams["punctuality"], n)
        )

    rule = no_show_rule(scenario, source)
    stays_away = streams["noshow"].random(n)
    chance = np.minimum(rule.probability + rule.per_lead_day * lead_days, rule.max)
    no_show = (stays_away < chance) & (source is not Source.EMERGENCY)

    cancel = _cancellation_rule(scenario, source)
    cancel_rng = streams["cancellation"]
    cancels = cancel_rng.random(n) < cancel.probability
    before = np.maximum(np.asarray(cancel.before_minutes.draw(cancel_rng, n)), 0.0)
    cancel_before = np.where(cancels & (source is not Source.EMERGENCY), before, np.nan)

    followup = scenario.demand.followup
    followup_rng = streams["followups"]
    returns = followup_rng.random(n) < followup.probability
    after = np.maximum(np.rint(followup.return_after_days.draw(followup_rng, n)), 1)
    fraction = followup_rng.random(n)
    patience_rule = scenario.patience_minutes.get(source_key(source))
    patience = (np.full(n, np.nan) if patience_rule is None
                else np.maximum(np.asarray(patience_rule.draw(streams["patience"], n)), 0.0))
    return Attributes(
        consult=consult,
        punctuality=punctuality,
        stays_away=stays_away,
        no_show=no_show,
        cancel_before=cancel_before,
        return_after=np.where(returns, after, 0).astype(np.int64),
        return_slot_fraction=fraction,
        patience=patience,
        consult_column=column if every_kind else None,
    )


class FollowUpDraws:
    """Attributes of FOLLOWUP patients, drawn ``block`` patients at a time as they are needed.

    A follow-up's doctor is known only when it is booked, so each block carries a consultation
    time for every kind of doctor (like walk-ins); the no-show chance, which depends on the lead
    time, is applied to the block's uniform draw when the patient is taken.
    """

    def __init__(self, scenario: Scenario, streams: dict[str, np.random.Generator],
                 block: int = 256) -> None:  # fmt: skip
        self._scenario = scenario
        self._streams = streams
        self._block = block
        self._rule = no_show_rule(scenario, Source.FOLLOWUP)
        self._drawn: Attributes | None = None
        self._next = block
        self.last: Attributes | None = None
        self.row = -1

    def take(self, doctor: int, lead_days: float
             ) -> tuple[float, float, bool, float, int, float, float]:  # fmt: skip
        """(consult, punctuality, no_show, cancel_before, return_after, return_fraction,
        patience). :attr:`last` is then the block holding the patient's draws, :attr:`row`
        their row in it."""
        if self._next >= self._block:
            zeros = np.zeros(self._block)
            self._drawn = draw_attributes(self._scenario, self._streams, Source.FOLLOWUP,
                                          None, zeros)  # fmt: skip
            self._next = 0
        drawn, k = self._drawn, self._next
        assert drawn is not None
        self._next += 1
        self.last, self.row = drawn, k
        rule = self._rule
        chance = min(rule.probability + rule.per_lead_day * lead_days, rule.max)
        return (drawn.consult_for(k, doctor), float(drawn.punctuality[k]),
                bool(drawn.stays_away[k] < chance), float(drawn.cancel_before[k]),
                int(drawn.return_after[k]), float(drawn.return_slot_fraction[k]),
                float(drawn.patience[k]))  # fmt: skip
