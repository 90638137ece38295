"""One simulated OPD: a SimPy clock drives the allocation engine through a scenario's days.

Patients are not SimPy processes: each step of a patient's day (booking, cancellation, arrival,
no-show, end of consultation) is a callback on a scheduled timeout, and each doctor is a small
state machine poked whenever a patient may have become ready. Records go to plain lists; frames
are built once, after the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from opd_sim.engine import (
    FINAL_STATUSES,
    Decision,
    DecisionKind,
    Engine,
    Policy,
    Source,
    TokenStatus,
    make_policy,
)
from opd_sim.scenario import Scenario
from opd_sim.simulation.calendar import MINUTES_PER_DAY, SlotCalendar
from opd_sim.simulation.collector import collector_paused
from opd_sim.simulation.demand import Requests, draw_requests
from opd_sim.simulation.patients import FollowUpDraws, Patient, no_show_rule
from opd_sim.simulation.registration import Registration
from opd_sim.simulation.rooms import SERVICE_ORDERS, ConsultingRoom
from opd_sim.simulation.streams import make_streams
from opd_sim.simulation.waiting import WaitingRoom

__all__ = ["Opd"]

_EPS = 1e-9
_ZERO, _NAN = 0.0, float("nan")
_ALLOCATED = TokenStatus.ALLOCATED
_ALLOCATED_KIND, _COMPLETED_KIND = DecisionKind.ALLOCATED, DecisionKind.COMPLETED
_WAITLISTED = TokenStatus.WAITLISTED
_MOVED = (DecisionKind.PROMOTED, DecisionKind.REALLOCATED, DecisionKind.BUMPED,
          DecisionKind.WAITLISTED)  # fmt: skip
# decisions after which a slot may hold fewer seats or a shorter waitlist than before
_FELL = (DecisionKind.CANCELLED, DecisionKind.NO_SHOW, DecisionKind.PROMOTED,
         DecisionKind.EXPIRED)  # fmt: skip


class _Call:
    """One callback scheduled on the SimPy clock, with its argument.

    SimPy's loop pops an event and calls each of its ``callbacks`` with it; that is all a step of a
    patient's day needs. A ``Timeout`` plus a ``functools.partial`` per step did the same at about
    twice the cost, and steps are the simulator's most frequent objects.
    """

    __slots__ = ("arg", "callbacks")
    _ok = True  # SimPy's loop checks that a processed event did not fail

    def __init__(self, callback: Any, arg: Any) -> None:
        self.callbacks = [callback]
        self.arg = arg


class Opd:
    """One replication of one scenario. Build it, call :meth:`run`, then read its records.

    ``sequence`` is the replication's ``numpy.random.SeedSequence``; every random number comes
    from the streams spawned from it. ``policy`` is a ready policy object; without one, the
    scenario's ``policy`` is looked up in the registry.
    """

    def __init__(self, scenario: Scenario, sequence: np.random.SeedSequence,
                 policy: Policy | None = None) -> None:  # fmt: skip
        self.scenario = scenario
        self.env = simpy.Environment()
        if policy is None:
            policy = make_policy(scenario.policy.name, dict(scenario.policy.params))
        self.policy = policy
        self.engine = Engine(policy=policy)
        self.policy_description = str(policy)
        self.calendar = SlotCalendar.build(scenario, self.engine)
        self.registration = Registration(self.calendar, self.engine)
        self.streams = make_streams(sequence)
        self.requests: Requests = draw_requests(scenario, self.calendar, self.streams)
        self._followup_draws = FollowUpDraws(scenario, self.streams)
        self._windows = [self.calendar.windows(d) + self.calendar.windows(d + 1)
                         for d in range(self.calendar.days)]  # fmt: skip
        self.patients: list[Patient | None] = [None]  # indexed by token id
        self.expired_at_day_end = 0
        self._rows: Iterator[tuple[Any, ...]] = iter(())
        self._next_row: tuple[Any, ...] | None = None
        self._grace = {s: no_show_rule(scenario, s).declare_after_minutes for s in Source}
        self._service_key = SERVICE_ORDERS[scenario.service_order]
        self.rooms = self._make_rooms(scenario)

    def _make_rooms(self, scenario: Scenario) -> list[ConsultingRoom]:
        """One room per doctor; doctors naming the same ``queue`` share one waiting room."""
        shared: dict[str, WaitingRoom] = {}
        rooms = []
        for index, doctor in enumerate(scenario.doctors):
            waiting = self._waiting_room() if doctor.queue is None else shared.get(doctor.queue)
            if waiting is None:  # the first doctor of a shared queue
                waiting = shared[str(doctor.queue)] = self._waiting_room()
            waiting.doctor_free(index)
            rooms.append(ConsultingRoom(index, self.calendar.doctor_ids[index], waiting))
        return rooms

    def _waiting_room(self) -> WaitingRoom:
        """A room calling patients in the scenario's ``service_order``."""
        starts, opens = self.calendar.slot_start, self.calendar.slot_session_open
        # a partial, not a lambda: one Python call less each time a patient is queued or called
        key = partial(self._service_key, slot_start=starts)  # type: ignore[call-arg]
        return WaitingRoom(key,
                           lambda patient: opens[patient.token.slot_id])  # fmt: skip

    # ------------------------------------------------------------------ driver

    def run(self) -> Opd:
        """Simulate every day to the end (until nothing is left to happen); return self."""
        calendar = self.calendar
        for day in range(calendar.days):
            for open_, _close in calendar.windows(day):
                self._at(open_, self._poke_all)
            self._at((day + 1) * MINUTES_PER_DAY, self._end_day, day)
        self._rows = self.requests.rows()
        self._next_row = next(self._rows, None)
        self._feed()
        with collector_paused():  # millions of long-lived objects, no cycles: see collector
            self.env.run()
        return self

    def _at(self, time: float, callback: Any, arg: Any = None) -> None:
        """Call ``callback(step)`` at absolute minute ``time`` (now, if it is past), where
        ``step.arg`` is ``arg``."""
        env = self.env
        delay = time - env.now
        if delay < 0:
            delay = 0
        env.schedule(_Call(callback, arg), NORMAL, delay)  # type: ignore[arg-type]

    def _feed(self, _step: Any = None) -> None:
        """Make every exogenous request that is due, then wait for the next one."""
        now = self.env.now
        row = self._next_row
        while row is not None and row[0] <= now:
            self._request(row)
            row = next(self._rows, None)
        self._next_row = row
        if row is not None:
            self._at(row[0], self._feed)
        else:  # every request made: the table's memory is free for the frames to come
            self.requests = Requests([], [], [])

    # ---------------------------------------------------------------- bookings

    def _request(self, row: tuple[Any, ...]) -> None:
        at, cohort, day, doctor, slot_index, consult, index, punctuality, no_show, \
            cancel_before, return_after, fraction = row
        requests = self.requests
        source = requests.sources[cohort]
        calendar = self.calendar
        walks_in = requests.unbooked[cohort]
        if walks_in:
            slot_id = self.registration.slot_for(day, at, source)
            doctor = calendar.slot_doctor[slot_id]
            drawn = requests.consult_by_doctor[cohort]
            assert drawn is not None  # the doctor is chosen now: a time per kind of doctor
            consult = drawn.consult_for(index, doctor)
        elif source is Source.EMERGENCY:
            index = min(calendar.slot_index_at(at - day * MINUTES_PER_DAY),
                        calendar.slots_per_day - 1)  # fmt: skip
            slot_id = calendar.slot_id(doctor, day, index)
        else:
            slot_id = calendar.slot_id(doctor, day, slot_index)
        self._book(slot_id, source, at, doctor, consult, punctuality, no_show,
                   cancel_before, return_after, fraction, present=walks_in)

    def _book(self, slot_id: int, source: Source, at: float, doctor: int, consult: float,
              punctuality: float, no_show: bool, cancel_before: float, return_after: int,
              return_fraction: float, present: bool = False) -> Patient:  # fmt: skip
        """Book a token; ``present``: the patient is here already (turned up unbooked)."""
        token_id = len(self.patients)
        outcome = self.engine.book(slot_id, source, at=at, token_id=token_id)
        # the usual values share one float object each: 24 bytes a patient apiece, in big runs
        patient = Patient(outcome.token, doctor, consult, punctuality or _ZERO, no_show,
                          cancel_before if cancel_before == cancel_before else _NAN,
                          return_after, return_fraction if return_after else _ZERO)  # fmt: skip
        self.patients.append(patient)
        if len(outcome.decisions) > 1:  # the booking's own decision alone moves nobody else
            self._react(outcome.decisions)
        self._plan_day(patient, present)
        return patient

    def _follow_up(self, patient: Patient) -> None:
        """Book the FOLLOWUP a seen patient asked for, if its day is within the horizon."""
        calendar = self.calendar
        day = calendar.slot_day[patient.token.slot_id] + patient.return_after_days
        if day >= calendar.days:
            return
        index = min(int(patient.return_slot_fraction * calendar.slots_per_day),
                    calendar.slots_per_day - 1)  # fmt: skip
        doctor = patient.doctor
        lead = float(patient.return_after_days)
        self._book(calendar.slot_id(doctor, day, index), Source.FOLLOWUP, self.env.now, doctor,
                   *self._followup_draws.take(doctor, lead))

    def _react(self, decisions: list[Decision]) -> None:
        """Follow tokens the engine moved: present patients may now be callable; an absent
        patient promoted into a seat must still be declared a no-show. Tell registration of
        slots whose counts fell."""
        patients = self.patients
        for decision in decisions:
            kind = decision.kind
            if kind is _ALLOCATED_KIND or kind is _COMPLETED_KIND:  # the usual decisions
                continue
            if kind in _FELL:
                self.registration.counts_fell(decision.slot_id)
            if kind not in _MOVED:
                continue
            patient = patients[decision.token_id]
            assert patient is not None  # token ids are 1, 2, ...: only index 0 is None
            if patient.arrived_at == patient.arrived_at:  # present (not NaN)
                queue = self.rooms[patient.doctor].queue
                queue.add(patient)  # under its new slot or status
                self._call_in(queue)
            elif patient.no_show and kind is DecisionKind.PROMOTED:
                self._at(self._no_show_due(patient), self._no_show_check, patient)

    # ------------------------------------------------------ a patient's day

    def _plan_day(self, patient: Patient, present: bool = False) -> None:
        """Schedule what the patient does next: cancel, stay away, or come (``present``: the
        patient turned up unbooked and is here already)."""
        token = patient.token
        start = self.calendar.slot_start[token.slot_id]
        if token.source is Source.EMERGENCY:
            self._arrive(patient)
        elif patient.cancel_before_minutes == patient.cancel_before_minutes:  # not NaN
            self._at(start - patient.cancel_before_minutes, self._cancel, patient)
        elif patient.no_show:
            self._at(self._no_show_due(patient), self._no_show_check, patient)
        elif present or token.source is Source.WALKIN:
            self._arrive(patient)
        else:
            self._at(start + patient.punctuality_minutes, self._arrival_check, patient)

    def _no_show_due(self, patient: Patient) -> float:
        token = patient.token
        return self.calendar.slot_start[token.slot_id] + self._grace[token.source]

    def _cancel(self, step: _Call) -> None:
        patient: Patient = step.arg
        if patient.token.status in (_ALLOCATED, _WAITLISTED):
            self._react(self.engine.cancel(patient.token_id, at=self.env.now).decisions)

    def _no_show_check(self, step: _Call) -> None:
        """Declare the no-show once the (current) slot has run ``declare_after_minutes``."""
        patient: Patient = step.arg
        if patient.token.status is not _ALLOCATED:
            return  # waitlisted: declared if ever promoted; final: nothing to do
        due = self._no_show_due(patient)
        if due > self.env.now + _EPS:  # moved to a later slot since this was scheduled
            self._at(due, self._no_show_check, patient)
            return
        self._react(self.engine.no_show(patient.token_id, at=self.env.now).decisions)

    def _arrival_check(self, step: _Call) -> None:
        """Come ``punctuality_minutes`` from the start of the slot held now (told of any move)."""
        patient: Patient = step.arg
        token = patient.token
        if token.status in FINAL_STATUSES:
            return
        due = self.calendar.slot_start[token.slot_id] + patient.punctuality_minutes
        if due > self.env.now + _EPS:
            self._at(due, self._arrival_check, patient)
            return
        self._arrive(patient)

    def _arrive(self, patient: Patient) -> None:
        patient.arrived_at = self.env.now
        queue = self.rooms[patient.doctor].queue
        queue.add(patient)
        self._call_in(queue)

    # ------------------------------------------------------------------ doctors

    def _call_in(self, queue: WaitingRoom) -> None:
        """Free doctors of the queue, in doctor order, call its ready patients in."""
        if not queue.free_doctors:  # the usual case in a busy OPD
            return
        now = self.env.now + _EPS
        while True:
            index = queue.free_doctor()
            if index is None:
                return
            patient = queue.call(now)
            if patient is None:
                return
            self._consult(self.rooms[index], patient)

    def _poke_all(self, _step: Any = None) -> None:
        """A session opens: every free doctor, in doctor order, calls the next ready patient."""
        now = self.env.now + _EPS
        for room in self.rooms:
            if room.current is None:
                patient = room.queue.call(now)
                if patient is not None:
                    self._consult(room, patient)

    def _consult(self, room: ConsultingRoom, patient: Patient) -> None:
        """The doctor calls the patient in; the consultation's end is scheduled."""
        room.current = patient
        room.queue.doctor_busy(room.index)
        patient.seen_by = room.index
        patient.consult_start = self.env.now
        self.engine.start_consult(patient.token_id)
        self.env.schedule(_Call(self._finish, room), NORMAL,  # type: ignore[arg-type]
                          patient.consult_minutes)  # drawn >= 0

    def _finish(self, step: _Call) -> None:
        room: ConsultingRoom = step.arg
        patient = room.current
        assert patient is not None, "a consultation ended with nobody in it"
        room.current = None
        room.queue.doctor_free(room.index)
        now = self.env.now
        patient.consult_end = now
        start = patient.consult_start
        day = self.calendar.slot_day[patient.token.slot_id]
        inside = 0.0
        for open_, close in self._windows[day]:  # the part of start..now inside each session
            if start < close and now > open_:
                inside += (now if now < close else close) - (start if start > open_ else open_)
        room.busy_minutes += now - start
        room.busy_in_session_minutes += inside
        room.patients_seen += 1
        self.engine.complete(patient.token_id, at=now)  # its one decision moves nobody else
        if patient.return_after_days:
            self._follow_up(patient)
        if room.current is None:  # nobody called it in meanwhile: it calls its next patient
            patient = room.queue.call(now + _EPS)
            if patient is not None:
                self._consult(room, patient)

    def _end_day(self, step: _Call) -> None:
        """Midnight: every token still waitlisted on the day's slots expires."""
        now, day = self.env.now, step.arg
        for doctor_id in self.calendar.doctor_ids:
            self.expired_at_day_end += len(self.engine.expire_day(doctor_id, day, at=now))
        self.registration.close_day(day)

    # ---------------------------------------------------------------- checks

    def unfinished(self) -> list[int]:
        """Token ids not in a final status after the run (empty unless there is a bug)."""
        return [p.token_id for p in self.patients[1:] if p is not None
                and p.token.status not in FINAL_STATUSES]  # fmt: skip

    @property
    def decision_count(self) -> int:
        """Engine decisions made so far."""
        return len(self.engine.log)
