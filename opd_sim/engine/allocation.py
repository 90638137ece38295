"""The allocation engine: one object holding doctors, slots and tokens, deciding who gets a seat.

Pure and deterministic: the caller passes the time with each request and gets back the decisions.
No clock, randomness, files or database; the simulator and the booking desk both drive this.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterator
from operator import attrgetter
from typing import Any

from opd_sim.engine.policies import Policy, make_policy
from opd_sim.engine.records import Decision, Doctor, Id, Outcome, Slot, Token
from opd_sim.engine.vocabulary import SEATED_STATUSES, DecisionKind, Source, TokenStatus
from opd_sim.errors import (
    DuplicateId,
    InvalidInput,
    InvalidSlot,
    TokenStateError,
    UnknownDoctor,
    UnknownSlot,
    UnknownToken,
)

__all__ = ["Engine"]

_KEY = attrgetter("key")
_START = attrgetter("start")
_ALLOCATED = TokenStatus.ALLOCATED
_WAITLISTED = TokenStatus.WAITLISTED
_EMERGENCY = Source.EMERGENCY


class Engine:
    """All allocation state of one OPD, updated in place by book / cancel / no_show / complete.

    Every operation returns an :class:`Outcome` (the token and the decisions made, in order) and
    appends the same decisions to :attr:`log`. Drivers (the simulator, the booking desk) ask the
    queries (``has_seat``, ``seats_held``, ``waitlist_length``, ``is_overbooked``, ...) rather
    than read slots or the policy themselves: the rules live here and in the policy only.
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
        # each doctor's slots of one day, sorted by start: where a bumped token looks for a seat
        self._days: dict[tuple[Id, Any], list[Slot]] = {}
        self._next_seq = 1
        self._next_id = {"doctor": 1, "slot": 1, "token": 1}
        # a request of each source that does not exist yet, to ask the policy about a seat for it
        self._probes = {source: Token(None, source, "", 0, None, None, 0.0, _WAITLISTED)
                        for source in Source}  # fmt: skip

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
        slot_id = self._claim_id("slot", slot_id, self.slots)
        slot = self.slots[slot_id] = Slot(slot_id, doctor_id, start, end, capacity, day)
        insort(self._days.setdefault((doctor_id, day), []), slot, key=_START)
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
        if token.status is _WAITLISTED:
            insort(slot.waitlist, token, key=_KEY)
        elif token.status in SEATED_STATUSES:
            slot.seated.append(token)
        self._next_seq = max(self._next_seq, seq + 1)
        if isinstance(token_id, int):
            self._next_id["token"] = max(self._next_id["token"], token_id + 1)
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
        source = Source.parse(source)
        if token_id is None and self._next_id["token"] not in self.tokens:  # the usual case
            token_id = self._next_id["token"]
            self._next_id["token"] = token_id + 1
        else:
            token_id = self._claim_id("token", token_id, self.tokens)
        if seq is None:
            seq = self._next_seq
        elif seq < self._next_seq:
            raise InvalidInput(f"request order {seq} is not after {self._next_seq - 1}")
        self._next_seq = seq + 1
        token = Token(token_id, source, patient, seq, slot_id, slot_id, at, _WAITLISTED)
        self.tokens[token_id] = token
        out: list[Decision] = []
        policy = self.policy
        if policy.may_overbook(slot, token):  # emergencies, under the standard rules
            # OVERBOOKED means past the slot's capacity, whatever extra seats a policy sells
            full = len(slot.seated) >= min(slot.capacity, policy.seats(slot))
            self._seat(token, slot)
            who = "emergency" if source is _EMERGENCY else f"{source.name} (may overbook)"
            if full:
                self._say(out, at, DecisionKind.OVERBOOKED, token, slot, None,
                          f"{who} seated past capacity")  # fmt: skip
            else:
                self._say(out, at, DecisionKind.ALLOCATED, token, slot, None,
                          f"{who} took a free seat")  # fmt: skip
        elif self._has_seat_for(slot, token):
            self._seat(token, slot)
            self._say(out, at, DecisionKind.ALLOCATED, token, slot, None, "free seat")
        else:
            victim = policy.victim(slot, token)
            if victim is None:
                insort(slot.waitlist, token, key=_KEY)
                self._say(out, at, DecisionKind.WAITLISTED, token, slot, None,
                          f"slot full; no seated token below {token.source.name} "
                          f"(priority {token.priority}) to bump")  # fmt: skip
            else:
                self._bump(victim, token, slot, at, out)
        self.log.extend(out)
        return Outcome(token, out)

    def cancel(self, token_id: Id, at: float = 0.0) -> Outcome:
        """The patient cancels: a held seat frees and the waitlist is promoted."""
        token = self._token(token_id)
        self._require(token, "cancel", "be cancelled", _ALLOCATED, _WAITLISTED)
        if token.status is _WAITLISTED:
            slot = self.slots[token.slot_id]
            slot.waitlist.remove(token)
            token.status = TokenStatus.CANCELLED
            out: list[Decision] = []
            self._say(out, at, DecisionKind.CANCELLED, token, slot, None, "left the waitlist")
            self.log.extend(out)
            return Outcome(token, out)
        return self._release(token, TokenStatus.CANCELLED, DecisionKind.CANCELLED, at,
                             "cancelled; seat freed")  # fmt: skip

    def no_show(self, token_id: Id, at: float = 0.0) -> Outcome:
        """The patient did not come: the seat frees and the waitlist is promoted."""
        token = self._token(token_id)
        self._require(token, "no-show", "be marked a no-show", _ALLOCATED)
        return self._release(token, TokenStatus.NO_SHOW, DecisionKind.NO_SHOW, at,
                             "did not come; seat freed")  # fmt: skip

    def start_consult(self, token_id: Id) -> Token:
        """The patient is with the doctor: from now on no policy may bump the token.

        Not an allocation decision, so nothing is logged; :meth:`complete` ends the consultation.
        """
        token = self._token(token_id)
        self._require(token, "start the consultation of", "start a consultation", _ALLOCATED)
        token.in_consult = True
        return token

    def complete(self, token_id: Id, at: float = 0.0) -> Outcome:
        """The consultation is done; the token keeps its seat and can no longer be bumped."""
        token = self._token(token_id)
        self._require(token, "complete", "be completed", _ALLOCATED)
        token.status = TokenStatus.COMPLETED
        token.in_consult = False
        out: list[Decision] = []
        self._say(out, at, DecisionKind.COMPLETED, token, self.slots[token.slot_id], None, "seen")
        self.log.extend(out)
        return Outcome(token, out)

    def expire(self, token_id: Id, at: float = 0.0) -> Outcome:
        """A waitlisted token whose day is over leaves the waitlist unserved."""
        token = self._token(token_id)
        self._require(token, "expire", "expire", _WAITLISTED)
        slot = self.slots[token.slot_id]
        slot.waitlist.remove(token)
        token.status = TokenStatus.EXPIRED
        out: list[Decision] = []
        self._say(out, at, DecisionKind.EXPIRED, token, slot, None, "still waitlisted at day end")
        self.log.extend(out)
        return Outcome(token, out)

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
        for slot in self._days.get((doctor_id, day), ()):
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
        """Broken invariants, if any (used by tests; an empty result means consistent state)."""
        where: dict[Id, str] = {}
        for slot in self.slots.values():
            if len(slot.seated) > self.policy.seats(slot):
                ordinary = sum(1 for t in slot.seated if t.source is not _EMERGENCY)
                if ordinary > self.policy.seats(slot):
                    yield f"slot {slot.id} holds {ordinary} non-emergency tokens > its seats"
            if slot.waitlist and any(self._has_seat_for(slot, t) for t in slot.waitlist):
                yield f"slot {slot.id} has a free seat for a waitlisted token"
            if slot.waitlist != sorted(slot.waitlist, key=_KEY):
                yield f"slot {slot.id} waitlist is out of order"
            for place, tokens in (("seated", slot.seated), ("waitlist", slot.waitlist)):
                for token in tokens:
                    if token.id in where:
                        yield f"token {token.id} is in {where[token.id]} and {place} of {slot.id}"
                    where[token.id] = f"{place} of {slot.id}"
                    if token.slot_id != slot.id:
                        yield f"token {token.id} is in slot {slot.id} but says {token.slot_id}"
        for token in self.tokens.values():
            seated = token.status in SEATED_STATUSES
            expected = "seated" if seated else "waitlist" if token.status is _WAITLISTED else None
            found = where.get(token.id, "").split(" ")[0] or None
            if found != expected:
                yield f"token {token.id} is {token.status} but found in {found}"

    # ---------------------------------------------------------------- helpers

    def _has_seat_for(self, slot: Slot, token: Token) -> bool:
        return len(slot.seated) < self.policy.seats(slot) and self.policy.may_seat(slot, token)

    def _seat(self, token: Token, slot: Slot) -> None:
        token.slot_id = slot.id
        token.status = _ALLOCATED
        slot.seated.append(token)

    def _bump(self, victim: Token, token: Token, slot: Slot, at: float,
              out: list[Decision]) -> None:  # fmt: skip
        """``token`` takes ``victim``'s seat; the victim moves to a later seat or the waitlist."""
        slot.seated.remove(victim)
        victim.times_bumped += 1
        self._seat(token, slot)
        self._say(out, at, DecisionKind.ALLOCATED, token, slot, victim.id,
                  f"bumped token {victim.id} ({victim.source.name}, priority {victim.priority}) "
                  f"of lower priority")  # fmt: skip
        self._say(out, at, DecisionKind.BUMPED, victim, slot, token.id,
                  f"displaced by token {token.id} ({token.source.name}, priority "
                  f"{token.priority}) of strictly higher priority")  # fmt: skip
        later = self._later_seat_for(victim, slot)
        if later is not None:
            self._seat(victim, later)
            self._say(out, at, DecisionKind.REALLOCATED, victim, later, token.id,
                      f"bumped from slot {slot.id}; next later slot with a free seat")  # fmt: skip
        else:
            victim.status = _WAITLISTED
            insort(slot.waitlist, victim, key=_KEY)
            self._say(out, at, DecisionKind.WAITLISTED, victim, slot, token.id,
                      f"bumped from slot {slot.id}; no later free seat that day")  # fmt: skip

    def _later_seat_for(self, token: Token, slot: Slot) -> Slot | None:
        day = self._days[(slot.doctor_id, slot.day)]
        for later in day[bisect_right(day, slot.start, key=_START):]:
            if self._has_seat_for(later, token):
                return later
        return None

    def _release(self, token: Token, status: TokenStatus, kind: DecisionKind, at: float,
                 reason: str) -> Outcome:  # fmt: skip
        """Free a seated token's seat (the caller checked it is ALLOCATED); promote the waitlist."""
        slot = self.slots[token.slot_id]
        slot.seated.remove(token)
        token.status = status
        out: list[Decision] = []
        self._say(out, at, kind, token, slot, None, reason)
        self._promote(slot, token, at, out)
        self.log.extend(out)
        return Outcome(token, out)

    def _promote(self, slot: Slot, freed_by: Token, at: float, out: list[Decision]) -> None:
        """Fill the slot's free seats from its waitlist, best eligible token first."""
        # a full slot can seat nobody: stop before scanning the waitlist for a taker
        while slot.waitlist and len(slot.seated) < self.policy.seats(slot):
            chosen = next((t for t in slot.waitlist if self._has_seat_for(slot, t)), None)
            if chosen is None:
                return
            slot.waitlist.remove(chosen)
            self._seat(chosen, slot)
            self._say(out, at, DecisionKind.PROMOTED, chosen, slot, freed_by.id,
                      f"best waitlisted token; seat freed by token {freed_by.id}")  # fmt: skip

    def _say(self, out: list[Decision], at: float, kind: DecisionKind, token: Token, slot: Slot,
             related: Id | None, reason: str) -> None:  # fmt: skip
        out.append(Decision(at, kind, token.id, token.source, slot.doctor_id, slot.id, related,
                            reason, len(slot.seated), slot.capacity))  # fmt: skip

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

    def _token(self, token_id: Id) -> Token:
        try:
            return self.tokens[token_id]
        except KeyError:
            raise UnknownToken(token_id) from None

    def _claim_id(self, kind: str, wanted: Id | None, taken: dict[Id, Any]) -> Id:
        if wanted is None:
            wanted = self._next_id[kind]
            while wanted in taken:
                wanted += 1
        elif wanted in taken:
            raise DuplicateId(f"{kind} id {wanted!r} is already in use")
        if isinstance(wanted, int) and not isinstance(wanted, bool):
            self._next_id[kind] = max(self._next_id[kind], wanted + 1)
        return wanted
