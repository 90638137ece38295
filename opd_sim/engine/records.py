"""The engine's nouns: doctors, slots, tokens, and the decision record every operation returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from opd_sim.engine.vocabulary import DecisionKind, Source, TokenStatus

__all__ = ["Decision", "Doctor", "Outcome", "Slot", "Token"]

Id = Any  # ints from the engine's counters, or whatever hashable id a store or scenario brings


@dataclass(slots=True)
class Doctor:
    """A doctor who holds slots."""

    id: Id
    name: str


@dataclass(slots=True, eq=False)
class Token:
    """One patient's request for a seat, from one source.

    ``key`` is the token's one sort key, ``(priority, request order)``: lower is served first.
    It orders the waitlist, picks whom to bump (the largest key) and whom to promote (the smallest).
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

    def __post_init__(self) -> None:
        self.priority = self.source.priority
        self.key = (self.priority, self.seq)


@dataclass(slots=True, eq=False)
class Slot:
    """A doctor's consultation window with a hard capacity.

    ``seated`` holds every token with a seat (ALLOCATED or COMPLETED, emergencies included), in the
    order they took it; ``waitlist`` is kept sorted by token key. Both are the engine's own state:
    drivers ask :class:`~opd_sim.engine.Engine` (``seats_held``, ``has_seat``, ...) instead.
    """

    id: Id
    doctor_id: Id
    start: Any  # comparable: minutes in the simulator, datetimes at the booking desk
    end: Any
    capacity: int
    day: Any = 0  # re-allocation stays within one doctor's day
    seated: list[Token] = field(default_factory=list)
    waitlist: list[Token] = field(default_factory=list)

    @property
    def seats_held(self) -> int:
        """Tokens holding a seat, emergencies included."""
        return len(self.seated)

    @property
    def overbooked(self) -> bool:
        """True while the slot holds more tokens than its capacity."""
        return len(self.seated) > self.capacity


class Decision(NamedTuple):
    """One thing the engine decided about one token, and why.

    ``related_token_id`` names the other token involved: the bumper of a BUMPED token, the bumped
    token of an ALLOCATED-by-bumping token, the token whose seat a PROMOTED token took.
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
    reason: str
    seats_held: int  # seats held in slot_id right after this decision, emergencies included
    capacity: int  # slot_id's capacity

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (enum names as strings)."""
        record = self._asdict()
        record["kind"] = self.kind.value
        record["source"] = self.source.name
        return record


class Outcome(NamedTuple):
    """What an operation returns: the token it was about and every decision it made, in order."""

    token: Token
    decisions: list[Decision]
