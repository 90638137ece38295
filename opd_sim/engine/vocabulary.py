"""The hospital's words as enums: sources with their priorities, token statuses, decision kinds
and the reasons given for decisions."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from opd_sim.errors import UnknownSource

__all__ = [
    "FINAL_STATUSES",
    "IN_SLOT_STATUSES",
    "SEATED_STATUSES",
    "DecisionKind",
    "Reason",
    "Source",
    "TokenStatus",
]


class Source(IntEnum):
    """Where a token came from; the value is its priority (1 is served first)."""

    EMERGENCY = 1
    PAID = 2
    FOLLOWUP = 3
    ONLINE = 4
    WALKIN = 5

    @property
    def priority(self) -> int:
        """1 (EMERGENCY, highest) to 5 (WALKIN, lowest)."""
        return int(self)

    @classmethod
    def parse(cls, value: object) -> Source:
        """A Source from a Source, its name in any case (``"paid"``) or its priority number.

        A name is matched exactly, in ASCII: ``str.upper`` alone would also turn "pa" U+0131 "d"
        (dotless i) or ligatures such as U+FB01 into a source name the person did not type.
        """
        if value.__class__ is Source:  # the hot path: already a Source
            return value  # type: ignore[return-value]
        if isinstance(value, str):
            if value.isascii() and value.isalpha():
                try:
                    return cls[value.upper()]
                except KeyError:
                    pass
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        names = ", ".join(source.name for source in cls)
        raise UnknownSource(f"unknown source {value!r} (expected one of {names})")


class TokenStatus(StrEnum):
    """Where a token stands now. ALLOCATED and COMPLETED hold a seat; WAITLISTED waits for one."""

    ALLOCATED = "ALLOCATED"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"
    COMPLETED = "COMPLETED"
    EXPIRED = "EXPIRED"


#: Statuses no operation can change.
FINAL_STATUSES = frozenset(
    {TokenStatus.CANCELLED, TokenStatus.NO_SHOW, TokenStatus.COMPLETED, TokenStatus.EXPIRED}
)
#: Statuses that hold a seat of their slot (a COMPLETED token keeps the seat it was seen in).
SEATED_STATUSES = frozenset({TokenStatus.ALLOCATED, TokenStatus.COMPLETED})
#: Statuses of tokens that sit in a slot, seated or waiting: what the engine must know of a slot
#: to decide anything about it.
IN_SLOT_STATUSES = SEATED_STATUSES | {TokenStatus.WAITLISTED}


class DecisionKind(StrEnum):
    """What one engine decision did to one token."""

    ALLOCATED = "ALLOCATED"  # took a seat (a free one, or one freed by bumping related_token)
    OVERBOOKED = "OVERBOOKED"  # an emergency seated past capacity
    BUMPED = "BUMPED"  # lost its seat to related_token
    REALLOCATED = "REALLOCATED"  # a bumped token seated in a later slot of the same doctor and day
    WAITLISTED = "WAITLISTED"  # no seat: waits on the slot's waitlist
    PROMOTED = "PROMOTED"  # from the waitlist into the seat freed by related_token
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"
    COMPLETED = "COMPLETED"  # consultation done; the token keeps its seat
    EXPIRED = "EXPIRED"  # still waitlisted when the slot's day ended


class Reason(StrEnum):
    """Why the engine made a decision: one fixed phrase per reason, for people to read.

    The phrase names no token, slot or number: the decision's own fields do (``token_id``,
    ``slot_id``, ``related_token_id``), so a reason is a code with a fixed text. Being a ``str``,
    a decision's reason is JSON-ready and stored as its text; frames keep it as a category.
    Members are listed by the decision kind they go with, in :class:`DecisionKind` order.
    """

    # ALLOCATED
    FREE_SEAT = "free seat"
    FREE_SEAT_MAY_OVERBOOK = "free seat (may overbook)"  # on the may-overbook path: emergencies
    TOOK_BUMPED_SEAT = "took the seat of a lower-priority token"  # related: the bumped token
    # OVERBOOKED
    PAST_CAPACITY = "seated past capacity (may overbook)"
    # BUMPED (related: the bumping token, as for the bumped token's REALLOCATED or WAITLISTED)
    DISPLACED = "displaced by a token of strictly higher priority"
    # REALLOCATED
    MOVED_LATER = "bumped; moved to the next later slot with a free seat"
    # WAITLISTED
    NO_LATER_SEAT = "bumped; no later free seat that day"
    SLOT_FULL = "slot full; no seated token of lower priority it may bump"
    # PROMOTED (related: the token whose cancellation or no-show freed the seat)
    SEAT_FREED = "best waitlisted token; a seat was freed"
    # CANCELLED
    CANCELLED_SEAT = "cancelled; seat freed"
    CANCELLED_WAITING = "cancelled; left the waitlist"
    # NO_SHOW
    DID_NOT_COME = "did not come; seat freed"
    # COMPLETED
    SEEN = "seen by the doctor"
    # EXPIRED
    DAY_ENDED = "still waitlisted at day end"
