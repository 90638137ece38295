"""The allocation engine: one object holding doctors, slots and tokens, deciding who gets a seat.

Pure and deterministic: the caller passes the time with each request and gets back the decisions.
No clock, randomness, files or database; the simulator and the booking desk both drive this.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections.abc import Iterator
from heapq import heappush
from itertools import islice
from operator import attrgetter
from typing import Any
from weakref import proxy

from opd_sim.engine.policies import Policy, make_policy
from opd_sim.engine.ranked import Ranked
from opd_sim.engine.records import (
    NO_WAITLIST,
    DaySlots,
    Decision,
    Doctor,
    Id,
    Outcome,
    Slot,
    Token,
)
from opd_sim.engine.vocabulary import (
    SEATED_STATUSES,
    DecisionKind,
    Reason,
    Source,
    TokenStatus,
    left_unseen,
)
from opd_sim.errors import (
    DuplicateId,
    InvalidInput,
    InvalidSlot,
    TokenStateError,
    UnknownDoctor,
    UnknownSlot,
    UnknownToken,
)

__all__ = ["WALK_LIMIT", "Engine"]

_KEY = attrgetter("key")
_START = attrgetter("start")
_RANK = attrgetter("_rank")
_EMERGENCY = Source.EMERGENCY


# The enum members the engine uses, read once: on Python 3.11 reading a member off its enum
# class goes through EnumType.__getattr__, as slow as a function call, where a module global
# is the cheapest read there is; every decision reads a kind, a reason and a status or two.
_ALLOCATED = TokenStatus.ALLOCATED
_CANCELLED = TokenStatus.CANCELLED
_COMPLETED = TokenStatus.COMPLETED
_EXPIRED = TokenStatus.EXPIRED
_LEFT = TokenStatus.LEFT
_NO_SHOW = TokenStatus.NO_SHOW
_WAITLISTED = TokenStatus.WAITLISTED
_KIND_ALLOCATED = DecisionKind.ALLOCATED
_KIND_BUMPED = DecisionKind.BUMPED
_KIND_CANCELLED = DecisionKind.CANCELLED
_KIND_COMPLETED = DecisionKind.COMPLETED
_KIND_EXPIRED = DecisionKind.EXPIRED
_KIND_LEFT = DecisionKind.LEFT
_KIND_NO_SHOW = DecisionKind.NO_SHOW
_KIND_OVERBOOKED = DecisionKind.OVERBOOKED
_KIND_PROMOTED = DecisionKind.PROMOTED
_KIND_REALLOCATED = DecisionKind.REALLOCATED
_KIND_WAITLISTED = DecisionKind.WAITLISTED
_CANCELLED_SEAT = Reason.CANCELLED_SEAT
_CANCELLED_WAITING = Reason.CANCELLED_WAITING
_DAY_ENDED = Reason.DAY_ENDED
_DID_NOT_COME = Reason.DID_NOT_COME
_DISPLACED = Reason.DISPLACED
_FREE_SEAT = Reason.FREE_SEAT
_FREE_SEAT_MAY_OVERBOOK = Reason.FREE_SEAT_MAY_OVERBOOK
_MOVED_LATER = Reason.MOVED_LATER
_NO_LATER_SEAT = Reason.NO_LATER_SEAT
_PAST_CAPACITY = Reason.PAST_CAPACITY
_SEAT_FREED = Reason.SEAT_FREED
_SEEN = Reason.SEEN
_SLOT_FULL = Reason.SLOT_FULL
_TOOK_BUMPED_SEAT = Reason.TOOK_BUMPED_SEAT
_WAITED_TOO_LONG = Reason.WAITED_TOO_LONG
#: The reasons an EXPIRED decision may give: the driver decides when, the engine records why.
_EXPIRY_REASONS = (_DAY_ENDED, _WAITED_TOO_LONG)


def _expiry_reason(reason: object) -> Reason:
    """``reason`` as the EXPIRED reason it names (a member or its text); InvalidInput if it names
    none."""
    try:
        found = Reason(reason)  # type: ignore[arg-type]  # anything: a bad one is told
    except (ValueError, TypeError):  # no reason's text (TypeError: not even hashable)
        found = None
    if found not in _EXPIRY_REASONS:
        names = ", ".join(f"Reason.{r.name}" for r in _EXPIRY_REASONS)
        raise InvalidInput(f"an expiry's reason must be one of {names}, not {reason!r}")
    return found  # type: ignore[return-value]


#: Up to this many slots in a doctor's day, a bumped token's search for a later seat walks the
#: day's slots (a few microseconds); from it on, it reads the day's slots listed as having room.
WALK_LIMIT = 32

# A decision or an outcome built straight from a tuple of its fields: the NamedTuple's own
# constructor is a Python function, a noticeable part of the cost of a decision.
_new = tuple.__new__
_new_object = object.__new__


class Engine:
    """All allocation state of one OPD, updated in place by book / cancel / no_show / leave /
    complete / expire.

    Every operation returns an :class:`Outcome` (the token and the decisions made, in order) and
    appends the same decisions to :attr:`log`. Drivers (the simulator, the booking desk) ask the
    queries (``has_seat``, ``seats_held``, ``waitlist_length``, ``is_overbooked``, ...) rather
    than read slots or the policy themselves: the rules live here and in the policy only.

    Costs do not grow with the size of a slot or a day: a slot keeps its seated tokens as an
    ordered set (a seat is freed without a search), its waitlist in sorted buckets, and, once
    asked for, its seats held by source and a heap of its seated tokens by key (the bump
    search); a doctor's day of many slots lists those with room in start order, where a bumped
    token's next later seat is found by bisection.
    """

    def __init__(self, policy: Policy | str = "priority-bump", **policy_params: Any) -> None:
        self.policy: Policy = make_policy(policy, policy_params)
        self.doctors: dict[Id, Doctor] = {}
        self.slots: dict[Id, Slot] = {}
        self.tokens: dict[Id, Token] = {}
        self.log: list[Decision] = []  # appended to by the engine only: read it, never edit it
        # log positions naming each token, built lazily by history() up to _indexed (so the
        # hot path of booking pays nothing for it)
        self._mentions: dict[Id, list[int]] = {}
        self._indexed = 0
        # Each doctor's day: its slots sorted by start, and (built by the day's first search
        # for a later seat) the same in the same order but only those listed as having room,
        # where a bumped token looks for its next later seat. From then on every slot of the day
        # with a free seat (fewer seated than seats(slot)) is listed, from the moment it has one
        # (_list_if_roomy); a listed slot that fills stays listed until a search meets it and
        # drops it. So filling a slot, by far the most frequent change, costs nothing here, and
        # a search skips full slots without walking them again and again.
        self._days: dict[tuple[Id, Any], DaySlots] = {}
        self._slots_added = 0  # orders slots of equal start within a day
        self._next_seq = 1
        # the next id to give a doctor, a slot, a token (each past every whole-number id seen)
        self._next_doctor = self._next_slot = self._next_token = 1
        # a request of each source that does not exist yet, to ask the policy about a seat for it
        self._probes = {source: Token(None, source, "", 0, None, None, 0.0, _WAITLISTED)
                        for source in Source}  # fmt: skip
        # The standard hooks' answers are known without asking: seats(slot) is the capacity,
        # may_seat is yes, may_overbook is "an emergency". The hot paths use them directly
        # when the policy keeps the standard hook; a hook it overrides is always called.
        hooks = type(self.policy)
        self._seats_are_capacity = hooks.seats is Policy.seats
        self._anyone_may_sit = hooks.may_seat is Policy.may_seat
        self._emergencies_overbook = hooks.may_overbook is Policy.may_overbook
        # priority_at is the source's priority: the slot's worst_bumpable answers for victim, and
        # a freed seat goes to the head of the waitlist (kept by key) if anyone may sit
        self._fixed_priorities = hooks.priority_at is Policy.priority_at
        self._standard_victim = hooks.victim is Policy.victim and self._fixed_priorities
        self._head_is_promoted = self._anyone_may_sit and self._fixed_priorities
        self._bumpable = self.policy.bumpable  # bound once, not at every search

    # ----------------------------------------------------------------- set-up

    def add_doctor(self, name: str, doctor_id: Id | None = None) -> Doctor:
        """Register a doctor; ids are 1, 2, ... unless given."""
        doctor_id = self._claim_id("doctor", doctor_id, self.doctors)
        doctor = self.doctors[doctor_id] = Doctor(doctor_id, name)
        return doctor

    def add_slot(
        self,
        doctor_id: Id,
        start: Any,
        end: Any,
        capacity: int,
        day: Any = 0,
        slot_id: Id | None = None,
    ) -> Slot:
        """Open a slot of ``capacity`` seats from ``start`` to ``end`` on ``day`` for a doctor."""
        if doctor_id not in self.doctors:
            raise UnknownDoctor(doctor_id)
        if not end > start:
            raise InvalidSlot(f"slot end {end} is not after its start {start}")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise InvalidSlot(f"slot capacity must be a whole number >= 1, not {capacity!r}")
        slots = self.slots
        if slot_id is None and self._next_slot not in slots:  # the usual case
            slot_id = self._next_slot
            self._next_slot = slot_id + 1
        else:
            slot_id = self._claim_id("slot", slot_id, slots)
        slot = slots[slot_id] = Slot(slot_id, doctor_id, start, end, capacity, day)
        self._slots_added += 1
        slot._rank = (start, self._slots_added)
        found = self._days.get((doctor_id, day))
        if found is None:
            found = self._days[(doctor_id, day)] = DaySlots()
        # a weak reference: the day lists its slots, so a strong one back made every slot (and
        # the tokens seated in it) a reference cycle, left for the cyclic collector to find
        # long after the engine was dropped (0.7 s of a 200,000-patient run)
        slot._day = proxy(found)
        day_slots = found.slots
        if not day_slots or not start < day_slots[-1].start:  # added in start order, usually
            day_slots.append(slot)
        else:
            insort(day_slots, slot, key=_START)
        if found.roomy is not None:
            self._list_if_roomy(slot)
        return slot

    def restore_token(
        self,
        token_id: Id,
        slot_id: Id,
        source: Source | str,
        patient: str,
        seq: int,
        status: TokenStatus | str,
        requested_slot_id: Id | None = None,
        requested_at: float = 0.0,
        times_bumped: int = 0,
    ) -> Token:
        """Put back a token exactly as a store saved it, deciding nothing and logging nothing."""
        slot = self._slot(slot_id)
        if token_id in self.tokens:
            raise DuplicateId(f"token id {token_id!r} is already in use")
        token = Token(
            token_id, Source.parse(source), patient, seq, slot_id,
            slot_id if requested_slot_id is None else requested_slot_id,
            requested_at, TokenStatus(status), times_bumped,
        )  # fmt: skip
        self.tokens[token_id] = token
        status = token.status
        if status is _WAITLISTED:
            self._wait(token, slot)
        elif status in SEATED_STATUSES:
            self._seat(token, slot)  # files the seat in the slot's indexes...
            token.status = status  # ...and keeps a COMPLETED token completed
            if not self._seats_are_capacity:  # a policy's seats may count who has been seen
                self._list_if_roomy(slot)
        self._next_seq = max(self._next_seq, seq + 1)
        if isinstance(token_id, int):
            self._next_token = max(self._next_token, token_id + 1)
        return token

    # ------------------------------------------------------------- operations

    def book(
        self,
        slot_id: Id,
        source: Source | str,
        patient: str = "",
        at: float = 0.0,
        token_id: Id | None = None,
        seq: int | None = None,
    ) -> Outcome:
        """Request a seat in a slot; the rules decide allocation, bumping or the waitlist.

        ``seq`` is the request order; a store that holds its own counter passes it (it must be
        later than every request the engine knows), otherwise the engine counts.
        """
        try:
            slot = self.slots[slot_id]
        except KeyError:
            raise UnknownSlot(slot_id) from None
        if source.__class__ is not Source:
            source = Source.parse(source)
        tokens = self.tokens
        if token_id is None and self._next_token not in tokens:  # the usual case
            token_id = self._next_token
            self._next_token = token_id + 1
        else:
            token_id = self._claim_id("token", token_id, tokens)
        if seq is None:
            seq = self._next_seq
        elif seq < self._next_seq:
            raise InvalidInput(f"request order {seq} is not after {self._next_seq - 1}")
        self._next_seq = seq + 1
        # The new token, field by field: a third cheaper than calling Token (whose __init__
        # sets the same fields), and every booking makes one.
        token = tokens[token_id] = _new_object(Token)
        token.id, token.source, token.patient, token.seq = token_id, source, patient, seq
        token.slot_id = token.requested_slot_id = slot_id
        token.requested_at, token.status = at, _WAITLISTED
        token.times_bumped, token.in_consult = 0, False
        token.priority = priority = source._value_
        token.key = (priority, seq)
        policy, seated = self.policy, slot.seated
        if (source is _EMERGENCY if self._emergencies_overbook
                else policy.may_overbook(slot, token)):  # fmt: skip
            # OVERBOOKED means past the slot's capacity, whatever extra seats a policy sells
            full = len(seated) >= min(slot.capacity, policy.seats(slot))
            self._seat(token, slot)
            kind, reason = ((_KIND_OVERBOOKED, _PAST_CAPACITY) if full
                            else (_KIND_ALLOCATED, _FREE_SEAT_MAY_OVERBOOK))  # fmt: skip
        elif (len(seated) < (slot.capacity if self._seats_are_capacity else policy.seats(slot))
              and (self._anyone_may_sit or policy.may_seat(slot, token))):  # _has_seat_for
            if self._seats_are_capacity:  # _seat, written out for the most frequent decision
                token.slot_id, token.status = slot.id, _ALLOCATED
                seated[token] = None
                if slot._held is not None or slot._ranked is not None:
                    self._index_seat(token, slot)
            else:
                self._seat(token, slot)
            kind, reason = _KIND_ALLOCATED, _FREE_SEAT
        else:
            victim = (slot.worst_bumpable(priority, self._bumpable) if self._standard_victim
                      else policy.victim(slot, token))  # fmt: skip
            if victim is not None:
                out = self._bump(victim, token, slot, at)
                self.log.extend(out)
                return _new(Outcome, (token, out))
            self._wait(token, slot)
            kind, reason = _KIND_WAITLISTED, _SLOT_FULL
        decision = _new(Decision, (at, kind, token_id, source, slot.doctor_id, slot.id, None,
                                   reason, len(seated), slot.capacity))  # fmt: skip
        self.log.append(decision)
        return _new(Outcome, (token, [decision]))

    def cancel(self, token_id: Id, at: float = 0.0) -> Outcome:
        """The patient cancels: a held seat frees and the waitlist is promoted."""
        try:
            token = self.tokens[token_id]
        except KeyError:
            raise UnknownToken(token_id) from None
        if token.status is _ALLOCATED:
            return self._release(token, _CANCELLED, _KIND_CANCELLED, at,
                                 _CANCELLED_SEAT)  # fmt: skip
        self._require(token, "cancel", "be cancelled", _ALLOCATED, _WAITLISTED)
        slot = self.slots[token.slot_id]
        slot.waitlist.remove(token)
        token.status = _CANCELLED
        return self._one(at, _KIND_CANCELLED, token, slot, _CANCELLED_WAITING)

    def no_show(self, token_id: Id, at: float = 0.0) -> Outcome:
        """The patient did not come: the seat frees and the waitlist is promoted."""
        try:
            token = self.tokens[token_id]
        except KeyError:
            raise UnknownToken(token_id) from None
        if token.status is not _ALLOCATED:
            self._require(token, "no-show", "be marked a no-show", _ALLOCATED)
        return self._release(token, _NO_SHOW, _KIND_NO_SHOW, at,
                             _DID_NOT_COME)  # fmt: skip

    def leave(self, token_id: Id, at: float, waited_minutes: float) -> Outcome:
        """A present patient not called within their patience leaves unseen (``LEFT``).

        A held seat frees and the waitlist is promoted, as for a cancellation; a waitlisted
        token leaves the waitlist. A patient with the doctor cannot leave unseen. The LEFT
        decision's reason gives ``waited_minutes`` (:func:`~opd_sim.engine.left_unseen`), a
        finite number of 0 or more: the driver knows when the patient came, the engine does not.
        """
        try:
            token = self.tokens[token_id]
        except KeyError:
            raise UnknownToken(token_id) from None
        reason = left_unseen(waited_minutes)
        if token.status is _WAITLISTED:
            slot = self.slots[token.slot_id]
            slot.waitlist.remove(token)
            token.status = _LEFT
            return self._one(at, _KIND_LEFT, token, slot, reason)
        self._require(token, "record the leaving of", "leave unseen", _ALLOCATED, _WAITLISTED)
        if token.in_consult:  # called in: no longer waiting to be
            raise TokenStateError(
                f"cannot record the leaving of token {token.id}: it is ALLOCATED and with the"
                " doctor; only an ALLOCATED token not with the doctor, or a WAITLISTED token, can"
                " leave unseen"
            )
        return self._release(token, _LEFT, _KIND_LEFT, at, reason)

    def start_consult(self, token_id: Id) -> Token:
        """The patient is with the doctor: from now on no policy may bump the token.

        Not an allocation decision, so nothing is logged; :meth:`complete` ends the consultation.
        """
        try:
            token = self.tokens[token_id]
        except KeyError:
            raise UnknownToken(token_id) from None
        if token.status is not _ALLOCATED:
            self._require(token, "start the consultation of", "start a consultation", _ALLOCATED)
        token.in_consult = True
        if not self._seats_are_capacity:  # a policy's seats may count who is with the doctor
            self._list_if_roomy(self.slots[token.slot_id])
        return token

    def complete(self, token_id: Id, at: float = 0.0) -> Outcome:
        """The consultation is done; the token keeps its seat and can no longer be bumped."""
        try:
            token = self.tokens[token_id]
        except KeyError:
            raise UnknownToken(token_id) from None
        if token.status is not _ALLOCATED:
            self._require(token, "complete", "be completed", _ALLOCATED)
        token.status = _COMPLETED
        token.in_consult = False
        slot = self.slots[token.slot_id]
        if not self._seats_are_capacity:  # a policy's seats may count who has been seen
            self._list_if_roomy(slot)
        # _one, written out: every patient seen makes one
        decision = _new(Decision, (at, _KIND_COMPLETED, token_id, token.source,
                                   slot.doctor_id, slot.id, None, _SEEN, len(slot.seated),
                                   slot.capacity))  # fmt: skip
        self.log.append(decision)
        return _new(Outcome, (token, [decision]))

    def expire(self, token_id: Id, at: float = 0.0, reason: Reason = _DAY_ENDED) -> Outcome:
        """A waitlisted token leaves the waitlist unserved: its day is over (``DAY_ENDED``), or it
        waited longer than the waitlist allows (``WAITED_TOO_LONG``). The driver decides when;
        ``reason``, one of these two (or its text), says why."""
        try:
            token = self.tokens[token_id]
        except KeyError:
            raise UnknownToken(token_id) from None
        if reason is not _DAY_ENDED:
            reason = _expiry_reason(reason)
        if token.status is not _WAITLISTED:
            self._require(token, "expire", "expire", _WAITLISTED)
        slot = self.slots[token.slot_id]
        slot.waitlist.remove(token)
        token.status = _EXPIRED
        return self._one(at, _KIND_EXPIRED, token, slot, reason)

    def expire_waitlist(self, slot_id: Id, at: float = 0.0) -> list[Decision]:
        """Expire every token still waiting on a slot, best first; return the decisions."""
        slot = self._slot(slot_id)
        decisions: list[Decision] = []
        for token in list(slot.waitlist):
            decisions.extend(self.expire(token.id, at).decisions)
        return decisions

    def expire_day(self, doctor_id: Id, day: Any, at: float = 0.0) -> list[Decision]:
        """The doctor's day is over: expire every token still waiting on its slots, slot by slot
        in time order, best first; return the decisions."""
        if doctor_id not in self.doctors:
            raise UnknownDoctor(doctor_id)
        decisions: list[Decision] = []
        found = self._days.get((doctor_id, day))
        for slot in found.slots if found is not None else ():
            if slot.waitlist:
                decisions.extend(self.expire_waitlist(slot.id, at))
        return decisions

    # ---------------------------------------------------------------- queries

    def has_seat(self, slot_id: Id, source: Source | str) -> bool:
        """Whether a new request of ``source`` would take a free seat of the slot now (under the
        policy: reserved seats count as taken for other sources)."""
        return self._has_seat_for(self._slot(slot_id), self._probes[Source.parse(source)])

    def free_seats(self, slot_id: Id) -> int:
        """Seats still free in a slot under the policy (0 when full or overbooked)."""
        slot = self._slot(slot_id)
        return max(0, self.policy.seats(slot) - len(slot.seated))

    def seats_held(self, slot_id: Id) -> int:
        """Tokens holding a seat of the slot (ALLOCATED or COMPLETED), emergencies included."""
        return len(self._slot(slot_id).seated)

    def is_overbooked(self, slot_id: Id) -> bool:
        """Whether the slot holds more tokens than its capacity."""
        slot = self._slot(slot_id)
        return len(slot.seated) > slot.capacity

    def waitlist_length(self, slot_id: Id) -> int:
        """Tokens waiting on the slot."""
        return len(self._slot(slot_id).waitlist)

    def history(self, token_id: Id) -> list[Decision]:
        """Every logged decision about a token or naming it as the related token, in order.

        Looks the token up in an index of the log, extended by the decisions logged since the
        last call, so a long log is read once, not once a call."""
        log, mentions = self.log, self._mentions
        for position in range(self._indexed, len(log)):
            decision = log[position]
            mentions.setdefault(decision.token_id, []).append(position)
            related = decision.related_token_id
            if related is not None and related != decision.token_id:
                mentions.setdefault(related, []).append(position)
        self._indexed = len(log)
        return [log[position] for position in mentions.get(token_id, ())]

    def problems(self) -> Iterator[str]:
        """Broken invariants, if any (used by tests; an empty result means consistent state).

        Besides the rules, checks that the engine's indexes agree with the slots' own tokens:
        the seats held by source, each day's slots with a free seat, the bump heap."""
        where: dict[Id, str] = {}
        for slot in self.slots.values():
            seats = self.policy.seats(slot)
            if len(slot.seated) > seats:
                ordinary = sum(1 for t in slot.seated if t.source is not _EMERGENCY)
                if ordinary > seats:
                    yield f"slot {slot.id} holds {ordinary} non-emergency tokens > its seats"
            waiting = list(slot.waitlist)
            if waiting and any(self._has_seat_for(slot, t) for t in waiting):
                yield f"slot {slot.id} has a free seat for a waitlisted token"
            if waiting != sorted(waiting, key=_KEY) or len(waiting) != len(slot.waitlist):
                yield f"slot {slot.id} waitlist is out of order"
            for place, tokens in (("seated", list(slot.seated)), ("waitlist", waiting)):
                for token in tokens:
                    if token.id in where:
                        yield f"token {token.id} is in {where[token.id]} and {place} of {slot.id}"
                    where[token.id] = f"{place} of {slot.id}"
                    if token.slot_id != slot.id:
                        yield f"token {token.id} is in slot {slot.id} but says {token.slot_id}"
            yield from self._index_problems(slot, seats)
        for token in self.tokens.values():
            seated = token.status in SEATED_STATUSES
            expected = "seated" if seated else "waitlist" if token.status is _WAITLISTED else None
            found = where.get(token.id, "").split(" ")[0] or None
            if found != expected:
                yield f"token {token.id} is {token.status} but found in {found}"
        for (doctor_id, day), day_slots in self._days.items():
            listed = [slot for slot in day_slots.slots if slot._listed]
            if list(day_slots.roomy or ()) != listed:
                yield f"doctor {doctor_id}'s slots listed as having room on day {day} are misfiled"

    def _index_problems(self, slot: Slot, seats: int) -> Iterator[str]:
        if slot._held is not None:
            held = [0] * len(slot._held)
            for token in slot.seated:
                held[token.priority] += 1
            if held != slot._held:
                yield f"slot {slot.id} counts {slot._held} seats held by source, not {held}"
        if slot._day.roomy is not None and len(slot.seated) < seats and not slot._listed:
            yield f"slot {slot.id} has a free seat but is not listed as having room"
        index = slot._ranked
        if index is not None and any(
            (-token.priority, -token.seq) not in index[0] or index[1].get(token.seq) is not token
            for token in slot.seated
        ):
            yield f"slot {slot.id}'s bump index lacks a seated token"

    # ---------------------------------------------------------------- helpers

    def _has_seat_for(self, slot: Slot, token: Token) -> bool:
        policy = self.policy
        return (len(slot.seated) < (slot.capacity if self._seats_are_capacity
                                    else policy.seats(slot))
                and (self._anyone_may_sit or policy.may_seat(slot, token)))  # fmt: skip

    def _seat(self, token: Token, slot: Slot) -> None:
        """Seat ``token`` in ``slot`` and file it in the slot's indexes."""
        token.slot_id = slot.id
        token.status = _ALLOCATED
        slot.seated[token] = None
        if slot._held is not None or slot._ranked is not None:
            self._index_seat(token, slot)
        if not self._seats_are_capacity:  # a policy's seats may grow with who is seated
            self._list_if_roomy(slot)

    def _index_seat(self, token: Token, slot: Slot) -> None:
        """File a new seat in the slot's indexes that exist (see Slot)."""
        if slot._held is not None:
            slot._held[token.priority] += 1
        index = slot._ranked
        if index is not None:
            heap, by_seq = index
            heappush(heap, (-token.priority, -token.seq))
            by_seq[token.seq] = token
            if len(heap) > 2 * len(slot.seated) + 16:  # mostly tokens gone: rebuilt when next asked
                slot._ranked = None

    def _unseat(self, token: Token, slot: Slot) -> None:
        """Take ``token`` out of its seat in ``slot`` (its status is the caller's to set)."""
        del slot.seated[token]
        if slot._held is not None:
            slot._held[token.priority] -= 1
        if not slot._listed and slot._day.roomy is not None:
            self._list_if_roomy(slot)

    def _wait(self, token: Token, slot: Slot) -> None:
        """Put ``token`` on the slot's waitlist (the caller set its status)."""
        if slot.waitlist is NO_WAITLIST:
            slot.waitlist = Ranked(_KEY)
        slot.waitlist.add(token)

    def _list_if_roomy(self, slot: Slot) -> None:
        """List the slot among its day's slots with room if it has a free seat now (once the
        day's list is built)."""
        roomy = slot._day.roomy
        if (roomy is not None and not slot._listed
                and len(slot.seated) < (slot.capacity if self._seats_are_capacity
                                        else self.policy.seats(slot))):  # fmt: skip
            slot._listed = True
            roomy.add(slot)

    def _roomy(self, day: DaySlots) -> Ranked[Slot]:
        """The day's slots listed as having room, built at its first search: those with a free
        seat now."""
        if day.roomy is None:
            roomy = [slot for slot in day.slots
                     if len(slot.seated) < (slot.capacity if self._seats_are_capacity
                                            else self.policy.seats(slot))]  # fmt: skip
            for slot in roomy:
                slot._listed = True
            day.roomy = Ranked(_RANK, roomy)
        return day.roomy

    def _bump(self, victim: Token, token: Token, slot: Slot, at: float) -> list[Decision]:
        """``token`` takes ``victim``'s seat; the victim moves to a later seat or the waitlist.
        Returns the three decisions, in order."""
        # seated first, so the slot never shows the room it has for a moment in between
        self._seat(token, slot)
        self._unseat(victim, slot)
        victim.times_bumped += 1
        doctor_id, slot_id, capacity = slot.doctor_id, slot.id, slot.capacity
        held = len(slot.seated)
        token_id, victim_id, source = token.id, victim.id, victim.source
        out = [
            _new(Decision, (at, _KIND_ALLOCATED, token_id, token.source, doctor_id, slot_id,
                            victim_id, _TOOK_BUMPED_SEAT, held, capacity)),
            _new(Decision, (at, _KIND_BUMPED, victim_id, source, doctor_id, slot_id, token_id,
                            _DISPLACED, held, capacity)),
        ]  # fmt: skip
        later = self._later_seat_for(victim, slot)
        if later is not None:
            self._seat(victim, later)
            out.append(_new(Decision, (at, _KIND_REALLOCATED, victim_id, source, later.doctor_id,
                                       later.id, token_id, _MOVED_LATER,
                                       len(later.seated), later.capacity)))  # fmt: skip
        else:
            victim.status = _WAITLISTED
            self._wait(victim, slot)
            out.append(_new(Decision, (at, _KIND_WAITLISTED, victim_id, source, doctor_id, slot_id,
                                       token_id, _NO_LATER_SEAT, held, capacity)))  # fmt: skip
        return out

    def _later_seat_for(self, token: Token, slot: Slot) -> Slot | None:
        """The first slot of the doctor's day starting after ``slot`` with a seat for ``token``.

        A day of up to :data:`WALK_LIMIT` slots is walked from the first slot starting later
        (found by bisection). A larger one reads the day's slots listed as having room instead,
        from the first one starting later; those found full are dropped from the list on the
        way (after the walk: the list is not changed while it is read)."""
        day = slot._day
        if day.roomy is None and len(day.slots) <= WALK_LIMIT:
            slots = day.slots
            for later in islice(slots, bisect_right(slots, slot.start, key=_START), None):
                if self._has_seat_for(later, token):
                    return later
            return None
        found = None
        full: list[Slot] = []
        policy, by_capacity = self.policy, self._seats_are_capacity
        roomy = self._roomy(day)
        for later in roomy.after((slot.start, math.inf)):  # inf: past equal starts too
            if len(later.seated) >= (later.capacity if by_capacity else policy.seats(later)):
                full.append(later)
            elif self._anyone_may_sit or policy.may_seat(later, token):
                found = later
                break
        for gone in full:
            gone._listed = False
            roomy.remove(gone)
        return found

    def _release(self, token: Token, status: TokenStatus, kind: DecisionKind, at: float,
                 reason: str) -> Outcome:  # fmt: skip
        """Free a seated token's seat (the caller checked it is ALLOCATED); promote the waitlist."""
        slot = self.slots[token.slot_id]
        seated = slot.seated
        del seated[token]  # _unseat, written out: every cancellation and no-show frees a seat
        if slot._held is not None:
            slot._held[token.priority] -= 1
        if not slot._listed and slot._day.roomy is not None:
            self._list_if_roomy(slot)
        token.status = status
        out = [_new(Decision, (at, kind, token.id, token.source, slot.doctor_id, slot.id, None,
                               reason, len(seated), slot.capacity))]  # fmt: skip
        if slot.waitlist._len:  # (the length read without a call to Ranked.__len__)
            self._promote(slot, token, at, out)
            self.log.extend(out)
        else:
            self.log.append(out[0])
        return _new(Outcome, (token, out))

    def _promote(self, slot: Slot, freed_by: Token, at: float, out: list[Decision]) -> None:
        """Fill the slot's free seats from its waitlist, best eligible token at ``at`` first."""
        waitlist = slot.waitlist
        # a full slot can seat nobody: stop before scanning the waitlist for a taker
        while waitlist._len and len(slot.seated) < (slot.capacity if self._seats_are_capacity
                                                    else self.policy.seats(slot)):  # fmt: skip
            if self._head_is_promoted:  # the free seat may go to anyone: the waitlist's head
                chosen = waitlist.pop_first()
            else:
                taker = self._best_waiting(slot, at)
                if taker is None:
                    return
                chosen = taker
                waitlist.remove(chosen)
            self._seat(chosen, slot)
            out.append(_new(Decision, (at, _KIND_PROMOTED, chosen.id, chosen.source,
                                       slot.doctor_id, slot.id, freed_by.id, _SEAT_FREED,
                                       len(slot.seated), slot.capacity)))  # fmt: skip

    def _best_waiting(self, slot: Slot, at: float) -> Token | None:
        """The waitlisted token a free seat of the slot goes to at ``at``: of those it may seat,
        the best by (priority at ``at``, request order); None if it may seat none."""
        if self._fixed_priorities:  # the waitlist is in that order already
            return next((t for t in slot.waitlist if self._has_seat_for(slot, t)), None)
        priority_at = self.policy.priority_at
        best: Token | None = None
        best_rank: tuple[int, int] = (0, 0)
        for token in slot.waitlist:  # O(waitlist): ranks that change with time have no index
            rank = (priority_at(token, at), token.seq)
            if (best is None or rank < best_rank) and self._has_seat_for(slot, token):
                best, best_rank = token, rank
        return best

    def _one(self, at: float, kind: DecisionKind, token: Token, slot: Slot,
             reason: str) -> Outcome:  # fmt: skip
        """The outcome of an operation making one decision, logged."""
        decision = _new(Decision, (at, kind, token.id, token.source, slot.doctor_id, slot.id,
                                   None, reason, len(slot.seated), slot.capacity))  # fmt: skip
        self.log.append(decision)
        return _new(Outcome, (token, [decision]))

    def _require(self, token: Token, action: str, outcome: str, *allowed: TokenStatus) -> None:
        """Refuse ``action`` unless the token is in one of the ``allowed`` states; the message
        names those states (not only the one expected first: a waitlisted token can be cancelled).
        """
        if token.status not in allowed:
            states = " or ".join(status.value for status in allowed)
            article = "an" if states[0] in "AEIOU" else "a"
            raise TokenStateError(
                f"cannot {action} token {token.id}: it is {token.status.value};"
                f" only {article} {states} token can {outcome}"
            )

    def _slot(self, slot_id: Id) -> Slot:
        try:
            return self.slots[slot_id]
        except KeyError:
            raise UnknownSlot(slot_id) from None

    def _claim_id(self, kind: str, wanted: Id | None, taken: dict[Id, Any]) -> Id:
        """``wanted`` if free, or the next free whole number; the ``kind``'s counter moves past
        it (kind: "doctor", "slot" or "token")."""
        counter = f"_next_{kind}"
        if wanted is None:
            wanted = getattr(self, counter)
            while wanted in taken:
                wanted += 1
        elif wanted in taken:
            raise DuplicateId(f"{kind} id {wanted!r} is already in use")
        if isinstance(wanted, int) and not isinstance(wanted, bool):
            setattr(self, counter, max(getattr(self, counter), wanted + 1))
        return wanted
