"""The hospital's words as enums: sources with their priorities, token statuses, decision kinds."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from opd_sim.errors import UnknownSource

__all__ = [
    "FINAL_STATUSES",
    "IN_SLOT_STATUSES",
    "SEATED_STATUSES",
    "DecisionKind",
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
