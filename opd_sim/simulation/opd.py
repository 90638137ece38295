"""One simulated OPD: a SimPy clock drives the allocation engine through a scenario's days.

Patients are not SimPy processes: each step of a patient's day (booking, cancellation, arrival,
no-show, leaving unseen, waitlist expiry, end of consultation) is a callback on a scheduled
event, and each doctor is a small state machine poked whenever a patient may have become ready.
Records go to plain lists; frames are built once, after the run.

A doctor is on duty from the opening of each of their sessions, plus the lateness drawn for it
(an idle doctor at the opening steps away until then; one still consulting is there already).
After the session closes the doctor keeps calling patients whose session has opened (overtime),
unless a colleague of their shared queue is on duty in session: then they go off duty once idle,
and the colleague sees who is left. At midnight a doctor goes off duty until their next session
(one still consulting, once done), except after the last day, when they stay until everyone
present has been seen.
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
    Reason,
    Source,
    TokenStatus,
    make_policy,
)
from opd_sim.scenario import Scenario
from opd_sim.scenario.model import source_key, waitlist_expiry_for
from opd_sim.simulation.calendar import MINUTES_PER_DAY, SlotCalendar
from opd_sim.simulation.collector import collector_paused
from opd_sim.simulation.demand import Requests, draw_requests
from opd_sim.simulation.patients import FollowUpDraws, Patient, mixed_queues, no_show_rule
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
_WAITLISTED_KIND = DecisionKind.WAITLISTED
_WAITED_TOO_LONG = Reason.WAITED_TOO_LONG
_MOVED = (DecisionKind.PROMOTED, DecisionKind.REALLOCATED, DecisionKind.BUMPED,
          DecisionKind.WAITLISTED)  # fmt: skip
# decisions after which a slot may hold fewer seats or a shorter waitlist than before
_FELL = (DecisionKind.CANCELLED, DecisionKind.NO_SHOW, DecisionKind.PROMOTED,
         DecisionKind.EXPIRED, DecisionKind.LEFT)  # fmt: skip


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
        doctors = range(len(scenario.doctors))
        # each doctor's sessions of a day and the next (overtime may run past midnight)
        self._windows = [[self.calendar.windows(d, doctor) + self.calendar.windows(d + 1, doctor)
                          for doctor in doctors] for d in range(self.calendar.days)]  # fmt: skip
        #: per doctor: minutes late for each session, a row per day (zeros: never late)
        self.lateness = self._draw_lateness(scenario)
        # per source, per doctor: the doctors of a shared queue whose times differ (see
        # mixed_queues); patients of theirs carry a time for each
        self._mixed = {source: mixed_queues(scenario, source) for source in Source}
        self._expiry = {s: waitlist_expiry_for(scenario, source_key(s)) for s in Source}
        self._expires = any(minutes is not None for minutes in self._expiry.values())
        self.left_unseen = 0
        self.patients: list[Patient | None] = [None]  # indexed by token id
        self.expired_at_day_end = 0
        self._rows: Iterator[tuple[Any, ...]] = iter(())
        self._next_row: tuple[Any, ...] | None = None
        self._grace = {s: no_show_rule(scenario, s).declare_after_minutes for s in Source}
        self._service_key = SERVICE_ORDERS[scenario.service_order]
        self.rooms = self._make_rooms(scenario)

    def _draw_lateness(self, scenario: Scenario) -> list[np.ndarray]:
        """Each doctor's minutes late for each session of each day, drawn in doctor order from
        the ``lateness`` stream (doctors without ``late_minutes`` draw nothing)."""
        rng, days = self.streams["lateness"], scenario.days
        drawn = []
        for index, doctor in enumerate(scenario.doctors):
            sessions = len(self.calendar.doctor_sessions[index])
            if doctor.late_minutes is None:
                drawn.append(np.zeros((days, sessions)))
            else:
                late = np.asarray(doctor.late_minutes.draw(rng, days * sessions), dtype=float)
                drawn.append(np.maximum(late, 0.0).reshape(days, sessions))
        return drawn

    def _make_rooms(self, scenario: Scenario) -> list[ConsultingRoom]:
        """One room per doctor; doctors naming the same ``queue`` share one waiting room."""
        shared: dict[str, WaitingRoom] = {}
        rooms = []
        for index, doctor in enumerate(scenario.doctors):
            waiting = self._waiting_room() if doctor.queue is None else shared.get(doctor.queue)
            if waiting is None:  # the first doctor of a shared queue
                waiting = shared[str(doctor.queue)] = self._waiting_room()
            rooms.append(ConsultingRoom(index, self.calendar.doctor_ids[index], waiting))
        for room in rooms:  # the doctors calling from the same waiting room, in doctor order
            room.mates = [other for other in rooms if other.queue is room.queue]
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
            # one event per opening time, calling its doctors in doctor order
            openings: dict[float, list[tuple[int, float]]] = {}
            for doctor in range(len(self.rooms)):
                for k, (open_, _close) in enumerate(calendar.windows(day, doctor)):
                    late = float(self.lateness[doctor][day, k])
                    openings.setdefault(open_, []).append((doctor, late))
            for open_ in sorted(openings):
                self._at(open_, self._sessions_open, openings[open_])
            closings: dict[float, list[int]] = {}  # only shared queues' doctors hand over
            for doctor, room in enumerate(self.rooms):
                if len(room.mates) > 1:
                    for _open, close in calendar.windows(day, doctor):
                        closings.setdefault(close, []).append(doctor)
            for close in sorted(closings):
                self._at(close, self._sessions_close, closings[close])
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
            cancel_before, return_after, fraction, patience = row
        requests = self.requests
        source = requests.sources[cohort]
        calendar = self.calendar
        walks_in = requests.unbooked[cohort]
        if walks_in:
            slot_id = self.registration.slot_for(day, at, source)
            doctor = calendar.slot_doctor[slot_id]
        elif source is Source.EMERGENCY:
            slot_id = self._emergency_slot(doctor, day, at)
            doctor = calendar.slot_doctor[slot_id]
        else:
            slot_id = calendar.slot_id(doctor, day, slot_index)
        drawn = requests.consult_by_doctor[cohort]
        by_doctor = None
        if drawn is not None:  # a time per kind of doctor: the doctor's own, and maybe others'
            consult = drawn.consult_for(index, doctor)
            queue = self._mixed[source][doctor]
            if queue is not None:
                by_doctor = {d: drawn.consult_for(index, d) for d in queue}
        self._book(slot_id, source, at, doctor, consult, punctuality, no_show,
                   cancel_before, return_after, fraction, patience, by_doctor,
                   present=walks_in)  # fmt: skip

    def _emergency_slot(self, doctor: int, day: int, at: float) -> int:
        """An emergency's slot: the drawn doctor's slot running now or next; if their day is
        over, the first doctor after them (in doctor order, wrapping) with a slot to come;
        else the drawn doctor's last slot of the day."""
        calendar = self.calendar
        minute = at - day * MINUTES_PER_DAY
        doctors = len(self.rooms)
        for step in range(doctors):
            candidate = (doctor + step) % doctors
            index = calendar.slot_index_at(candidate, minute)
            if index < calendar.slots_per_day(candidate):
                return calendar.slot_id(candidate, day, index)
        return calendar.slot_id(doctor, day, calendar.slots_per_day(doctor) - 1)

    def _book(self, slot_id: int, source: Source, at: float, doctor: int, consult: float,
              punctuality: float, no_show: bool, cancel_before: float, return_after: int,
              return_fraction: float, patience: float = _NAN,
              by_doctor: dict[int, float] | None = None,
              present: bool = False) -> Patient:  # fmt: skip
        """Book a token; ``present``: the patient is here already (turned up unbooked)."""
        token_id = len(self.patients)
        outcome = self.engine.book(slot_id, source, at=at, token_id=token_id)
        # the usual values share one float object each: 24 bytes a patient apiece, in big runs
        patient = Patient(outcome.token, doctor, consult, punctuality or _ZERO, no_show,
                          cancel_before if cancel_before == cancel_before else _NAN,
                          return_after, return_fraction if return_after else _ZERO)  # fmt: skip
        if patience == patience:  # not NaN: the source has patience_minutes
            patient.patience_minutes = patience
        if by_doctor is not None:
            patient.consult_by_doctor = by_doctor
        self.patients.append(patient)
        if len(outcome.decisions) > 1:  # the booking's own decision alone moves nobody else
            self._react(outcome.decisions)
        elif self._expires and outcome.token.status is _WAITLISTED:
            self._plan_expiry(patient)
        self._plan_day(patient, present)
        return patient

    def _follow_up(self, patient: Patient) -> None:
        """Book the FOLLOWUP a seen patient asked for, if its day is within the horizon."""
        calendar = self.calendar
        day = calendar.slot_day[patient.token.slot_id] + patient.return_after_days
        if day >= calendar.days:
            return
        doctor = patient.doctor
        per_day = calendar.slots_per_day(doctor)
        index = min(int(patient.return_slot_fraction * per_day), per_day - 1)
        lead = float(patient.return_after_days)
        draws = self._followup_draws
        taken = draws.take(doctor, lead)
        queue = self._mixed[Source.FOLLOWUP][doctor]
        by_doctor = None
        if queue is not None:
            assert draws.last is not None
            by_doctor = {d: draws.last.consult_for(draws.row, d) for d in queue}
        self._book(calendar.slot_id(doctor, day, index), Source.FOLLOWUP, self.env.now, doctor,
                   *taken, by_doctor)  # fmt: skip

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
            if kind is _WAITLISTED_KIND and self._expires:
                self._plan_expiry(patient)
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
        patient.arrived_at = now = self.env.now
        queue = self.rooms[patient.doctor].queue
        queue.add(patient)
        if patient.patience_minutes == patient.patience_minutes:  # not NaN
            self._at(now + patient.patience_minutes, self._patience_check, patient)
        self._call_in(queue)

    def _patience_check(self, step: _Call) -> None:
        """Leave unseen, if still not called in (and still holding a seat or waiting for one)."""
        patient: Patient = step.arg
        token = patient.token
        if patient.consult_start == patient.consult_start or token.status in FINAL_STATUSES:
            return  # called in, or already gone
        now = self.env.now
        decisions = self.engine.leave(patient.token_id, at=now,
                                      waited_minutes=now - patient.arrived_at).decisions
        patient.left_at = now
        self.left_unseen += 1
        self._react(decisions)

    def _plan_expiry(self, patient: Patient) -> None:
        """A waitlisted token of a source with ``waitlist_expiry_minutes`` expires that long
        after its request, if still waitlisted then."""
        token = patient.token
        minutes = self._expiry[token.source]
        if minutes is not None:
            self._at(token.requested_at + minutes, self._expiry_check, patient)

    def _expiry_check(self, step: _Call) -> None:
        patient: Patient = step.arg
        if patient.token.status is _WAITLISTED:  # else promoted, moved or gone meanwhile
            now = self.env.now
            self._react(self.engine.expire(patient.token_id, at=now,
                                           reason=_WAITED_TOO_LONG).decisions)  # fmt: skip

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

    def _sessions_open(self, step: _Call) -> None:
        """Sessions of some doctors open: each (in doctor order) comes on duty and calls the
        next ready patient, or, if idle and late, comes when the lateness has passed."""
        for doctor, late in step.arg:
            room = self.rooms[doctor]
            room.in_session = True
            if room.current is not None:  # still consulting: on duty already, whatever the draw
                room.leaving = False  # (past midnight too: this session is theirs)
                continue
            if late > 0:
                self._off_duty(room)  # stepped away: not free until they come
                room.late_minutes += late
                self._at(self.env.now + late, self._doctor_comes, room)
            else:
                self._on_duty(room)

    def _doctor_comes(self, step: _Call) -> None:
        """A late doctor arrives for their session."""
        room: ConsultingRoom = step.arg
        if room.current is None:
            self._on_duty(room)

    def _on_duty(self, room: ConsultingRoom) -> None:
        """An idle doctor is on duty: free, and calls the next ready patient. Colleagues of the
        queue whose sessions have closed, idle and staying only to cover, may now go."""
        room.on_duty, room.leaving = True, False
        room.queue.doctor_free(room.index)
        patient = room.queue.call(self.env.now + _EPS)
        if patient is not None:
            self._consult(room, patient)
        if room.in_session:
            for other in room.mates:
                if other.on_duty and not other.in_session and other.current is None:
                    self._off_duty(other)

    def _off_duty(self, room: ConsultingRoom) -> None:
        room.on_duty, room.leaving = False, False
        room.queue.doctor_busy(room.index)

    def _covered(self, room: ConsultingRoom) -> bool:
        """Whether a colleague of the doctor's shared queue is on duty in session, to see the
        patients still waiting once this doctor, past their session, goes."""
        return any(other.on_duty and other.in_session for other in room.mates if other is not room)

    def _sessions_close(self, step: _Call) -> None:
        """Sessions of some doctors of shared queues close: an idle one whose queue a colleague
        in session covers goes off duty; one consulting decides when done."""
        for doctor in step.arg:
            room = self.rooms[doctor]
            room.in_session = False
            if room.on_duty and room.current is None and self._covered(room):
                self._off_duty(room)

    def _consult(self, room: ConsultingRoom, patient: Patient) -> None:
        """The doctor calls the patient in; the consultation's end is scheduled."""
        room.current = patient
        room.queue.doctor_busy(room.index)
        patient.seen_by = room.index
        patient.consult_start = self.env.now
        self.engine.start_consult(patient.token_id)
        by_doctor = patient.consult_by_doctor  # a shared queue's doctors take different times
        minutes = patient.consult_minutes if by_doctor is None else by_doctor[room.index]
        if by_doctor is not None:
            patient.consult_minutes = minutes  # the time it took, with the doctor who saw them
        self.env.schedule(_Call(self._finish, room), NORMAL,  # type: ignore[arg-type]
                          minutes)  # drawn >= 0

    def _finish(self, step: _Call) -> None:
        room: ConsultingRoom = step.arg
        patient = room.current
        assert patient is not None, "a consultation ended with nobody in it"
        room.current = None
        # past midnight, or past their session with a colleague to take over: the doctor goes
        going = room.leaving or (not room.in_session and len(room.mates) > 1
                                 and self._covered(room))  # fmt: skip
        if going:
            self._off_duty(room)
        else:
            room.queue.doctor_free(room.index)
        now = self.env.now
        patient.consult_end = now
        start = patient.consult_start
        day = self.calendar.slot_day[patient.token.slot_id]
        inside = 0.0
        for open_, close in self._windows[day][room.index]:  # the part inside each session
            if start < close and now > open_:
                inside += (now if now < close else close) - (start if start > open_ else open_)
        room.busy_minutes += now - start
        room.busy_in_session_minutes += inside
        room.patients_seen += 1
        self.engine.complete(patient.token_id, at=now)  # its one decision moves nobody else
        if patient.return_after_days:
            self._follow_up(patient)
        if room.current is None and not going:  # nobody called it in meanwhile: it calls
            patient = room.queue.call(now + _EPS)
            if patient is not None:
                self._consult(room, patient)

    def _end_day(self, step: _Call) -> None:
        """Midnight: every token still waitlisted on the day's slots expires; doctors go off duty
        until their next session (those consulting, once done), unless this was the last day."""
        now, day = self.env.now, step.arg
        for doctor_id in self.calendar.doctor_ids:
            self.expired_at_day_end += len(self.engine.expire_day(doctor_id, day, at=now))
        self.registration.close_day(day)
        if day + 1 < self.calendar.days:
            for room in self.rooms:
                if room.current is None:
                    self._off_duty(room)
                else:
                    room.leaving = True

    # ---------------------------------------------------------------- checks

    def unfinished(self) -> list[int]:
        """Token ids not in a final status after the run (empty unless there is a bug)."""
        return [p.token_id for p in self.patients[1:] if p is not None
                and p.token.status not in FINAL_STATUSES]  # fmt: skip

    @property
    def decision_count(self) -> int:
        """Engine decisions made so far."""
        return len(self.engine.log)
