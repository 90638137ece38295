"""The engine's nouns: doctors, slots, tokens, and the decision record every operation returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heapify, heappop, heappush
from operator import attrgetter
from typing import Any, NamedTuple

from opd_sim.engine.ranked import Ranked
from opd_sim.engine.vocabulary import DecisionKind, Source, TokenStatus

__all__ = ["Decision", "Doctor", "Outcome", "Slot", "Token"]

Id = Any  # ints from the engine's counters, or whatever hashable id a store or scenario brings


@dataclass(slots=True)
class Doctor:
    """A doctor who holds slots."""

    id: Id
    name: str


@dataclass(slots=True, eq=False, init=False)
class Token:
    """One patient's request for a seat, from one source.

    ``key`` is the token's one sort key, ``(priority, request order)``: lower is served first.
    It orders the waitlist, picks whom to bump (the largest key) and whom to promote (the
    smallest); under a policy whose priorities change with time (``Policy.priority_at``), those
    two are picked by (priority at that time, request order) instead, and the waitlist keeps
    its order by key.
    """

    id: Id
    source: Source
    patient: str
    seq: int  # request order: unique and increasing across the engine
    slot_id: Id  # the slot it holds a seat in or waits on
    requested_slot_id: Id
    requested_at: float
    status: TokenStatus
    times_bumped: int = 0
    in_consult: bool = False  # with the doctor now: no policy may bump it
    priority: int = field(init=False)
    key: tuple[int, int] = field(init=False)

    # Written out rather than generated with a __post_init__: every booking builds a token, and
    # one call less (and the priority read straight off the enum) is a good part of its cost.
    def __init__(
        self,
        id: Id,
        source: Source,
        patient: str,
        seq: int,
        slot_id: Id,
        requested_slot_id: Id,
        requested_at: float,
        status: TokenStatus,
        times_bumped: int = 0,
        in_consult: bool = False,
    ) -> None:
        self.id = id
        self.source = source
        self.patient = patient
        self.seq = seq
        self.slot_id = slot_id
        self.requested_slot_id = requested_slot_id
        self.requested_at = requested_at
        self.status = status
        self.times_bumped = times_bumped
        self.in_consult = in_consult
        self.priority = priority = source._value_
        self.key = (priority, seq)


_KEY = attrgetter("key")


#: Up to this many seated tokens, a slot's bump search reads them all: a few microseconds, and
#: no index to keep at each seat (the index's objects also cost the garbage collector).
SCAN_LIMIT = 32


class _NoWaitlist(Ranked[Token]):
    """The waitlist of every slot nobody has waited on yet: empty, and refusing to change."""

    __slots__ = ()

    def add(self, item: Token) -> None:
        raise TypeError("a slot's first waiting token gets the slot a waitlist of its own")

    def __reduce__(self) -> str:
        return "NO_WAITLIST"  # copied or pickled, still the one shared empty waitlist


#: Shared by the slots nobody has waited on (most of them): the engine gives a slot a waitlist
#: of its own when its first token waits, so a slot costs one object less to make and to keep.
NO_WAITLIST: Ranked[Token] = _NoWaitlist(_KEY)


class DaySlots:
    """The engine's index of one doctor's slots of one day: all of them, sorted by start (ties:
    in the order they were added), and, once a bumped token has looked for a later seat that
    day, those listed as having room (the slot's ``_listed``), in the same order."""

    __slots__ = ("__weakref__", "roomy", "slots")  # slots refer to their day weakly

    def __init__(self) -> None:
        self.slots: list[Slot] = []
        self.roomy: Ranked[Slot] | None = None  # None: not built yet, nobody searched the day


#: The day of a slot no engine holds (an engine gives each slot its doctor's day).
_NO_DAY = DaySlots()


@dataclass(slots=True, eq=False, init=False)
class Slot:
    """A doctor's consultation window with a hard capacity.

    ``seated`` holds every token with a seat (ALLOCATED or COMPLETED, emergencies included), in the
    order they took it: a dict used as an ordered set (iterate it, ``len``, ``in``), so a seat is
    freed without a search. ``waitlist`` holds the waiting tokens sorted by token key (a
    :class:`~opd_sim.engine.ranked.Ranked`: iterate it, ``len``, ``in``). Both are the engine's own
    state, as are the indexes below: drivers ask :class:`~opd_sim.engine.Engine` (``seats_held``,
    ``has_seat``, ...) instead, and a policy reads them only.
    """

    id: Id
    doctor_id: Id
    start: Any  # comparable: minutes in the simulator, datetimes at the booking desk
    end: Any
    capacity: int
    day: Any = 0  # re-allocation stays within one doctor's day
    seated: dict[Token, None] = field(default_factory=dict)
    waitlist: Ranked[Token] = NO_WAITLIST  # until the first token waits (see NO_WAITLIST)
    # Indexes the engine keeps beside ``seated`` (it alone changes them). Each is built from
    # ``seated`` when first asked for, then kept at every seat taken or freed: most slots never
    # need one, and fewer objects a slot are less for the cyclic garbage collector to walk.
    # Seats held by source, indexed by priority (1 to 5), so no policy counts the seated tokens.
    _held: list[int] | None = field(default=None, repr=False)
    # The bump search's index: a heap of (-priority, -request order) of the seated tokens, the
    # largest key on top, and the token of each request order (unique across the engine). A
    # token that left its seat stays in both until a search meets it on top (lazy removal).
    # Plain ints in the heap, not tokens: the collector has nothing to walk there.
    _ranked: tuple[list[tuple[int, int]], dict[int, Token]] | None = field(default=None,
                                                                           repr=False)
    # where the slot stands in its doctor's day: its place (start, then the order slots were
    # added), whether it is listed among the day's slots with room, and that list (see Engine)
    _rank: tuple[Any, int] = field(default=(0, 0), repr=False)
    _listed: bool = field(default=False, repr=False)
    _day: DaySlots = field(default=_NO_DAY, repr=False)  # set by the engine that holds the slot

    # Written out, as Token's: the engine makes a slot per doctor and session, often thousands.
    def __init__(
        self,
        id: Id,
        doctor_id: Id,
        start: Any,
        end: Any,
        capacity: int,
        day: Any = 0,
        seated: dict[Token, None] | None = None,
        waitlist: Ranked[Token] = NO_WAITLIST,
    ) -> None:
        self.id = id
        self.doctor_id = doctor_id
        self.start = start
        self.end = end
        self.capacity = capacity
        self.day = day
        self.seated = {} if seated is None else seated
        self.waitlist = waitlist
        self._held = None
        self._ranked = None
        self._rank = (start, 0)
        self._listed = False
        self._day = _NO_DAY

    @property
    def seats_held(self) -> int:
        """Tokens holding a seat, emergencies included."""
        return len(self.seated)

    @property
    def overbooked(self) -> bool:
        """True while the slot holds more tokens than its capacity."""
        return len(self.seated) > self.capacity

    def held_by(self, source: Source) -> int:
        """Seats the slot's tokens of ``source`` hold (ALLOCATED or COMPLETED)."""
        held = self._held
        if held is None:
            held = self._held = [0] * 6
            for token in self.seated:
                held[token.priority] += 1
        return held[source]

    def worst_bumpable(self, priority: int, bumpable: Callable[[Token], bool]) -> Token | None:
        """Among the seated tokens of priority strictly lower than ``priority`` (a larger number)
        for which ``bumpable(token)`` is true, the one with the largest key; None if none is.

        The answer of a scan of every seated token. A slot of up to :data:`SCAN_LIMIT` seated
        tokens is scanned; a larger one reads its heap of seated tokens by key instead: tokens
        that left their seat are dropped when met on top, and seated tokens ``bumpable`` refuses
        (with the doctor, seen, emergencies...) are set aside and pushed back. So the cost grows
        with the refused tokens ranked above the answer, not with the tokens seated.
        """
        seated, index = self.seated, self._ranked
        if index is None:
            if len(seated) <= SCAN_LIMIT:
                worst: Token | None = None
                for candidate in seated:
                    if (candidate.priority > priority
                            and (worst is None or candidate.key > worst.key)
                            and bumpable(candidate)):  # fmt: skip
                        worst = candidate
                return worst
            index = self._ranked = ([(-t.priority, -t.seq) for t in seated],
                                    {t.seq: t for t in seated})  # fmt: skip
            heapify(index[0])
        heap, by_seq = index
        refused: list[tuple[int, int]] = []
        found = None
        while heap:
            entry = heap[0]
            token = by_seq.get(-entry[1])
            if token is None or token not in seated:  # left its seat since it was pushed
                heappop(heap)
                if token is not None:
                    del by_seq[-entry[1]]
            elif -entry[0] <= priority:  # every entry below ranks no lower: nobody qualifies
                break
            elif bumpable(token):
                found = token
                break
            else:
                refused.append(heappop(heap))
        for entry in refused:
            heappush(heap, entry)
        return found

    def worst_bumpable_at(
        self,
        priority: int,
        bumpable: Callable[[Token], bool],
        priority_at: Callable[[Token, Any], int],
        at: Any,
    ) -> Token | None:
        """:meth:`worst_bumpable` with each seated token ranked by its priority at ``at``
        (``priority_at(token, at)``) instead of its own: among the seated tokens whose priority at
        ``at`` is strictly lower than ``priority`` and for which ``bumpable(token)`` is true, the
        one with the largest (priority at ``at``, request order); None if none is.

        Reads every seated token: a priority that changes with time has no index to keep.
        """
        worst: Token | None = None
        worst_rank: tuple[int, int] = (0, 0)
        for candidate in self.seated:
            now = priority_at(candidate, at)
            if (now > priority and (worst is None or (now, candidate.seq) > worst_rank)
                    and bumpable(candidate)):  # fmt: skip
                worst, worst_rank = candidate, (now, candidate.seq)
        return worst


class Decision(NamedTuple):
    """One thing the engine decided about one token, and why.

    ``related_token_id`` names the other token involved: the bumper of a BUMPED token, the bumped
    token of an ALLOCATED-by-bumping token, the token whose seat a PROMOTED token took.
    ``reason`` is a :class:`Reason`, but for a LEFT decision: the text of
    :func:`~opd_sim.engine.vocabulary.left_unseen`, giving the minutes waited.
    ``time`` is the caller's time of the operation (minutes in the simulator, seconds since the
    epoch at the booking desk). The field names are the column names of the decisions frame and
    of the desk's audit table and JSON: both are built from ``Decision._fields``.
    """

    time: float
    kind: DecisionKind
    token_id: Id
    source: Source
    doctor_id: Id
    slot_id: Id
    related_token_id: Id | None
    reason: str  # a Reason: one fixed phrase per reason, no ids (those are fields); LEFT: minutes
    seats_held: int  # seats held in slot_id right after this decision, emergencies included
    capacity: int  # slot_id's capacity

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (enum names as strings)."""
        record = self._asdict()
        record["kind"] = self.kind.value
        record["source"] = self.source.name
        record["reason"] = str(self.reason)
        return record


class Outcome(NamedTuple):
    """What an operation returns: the token it was about and every decision it made, in order."""

    token: Token
    decisions: list[Decision]
