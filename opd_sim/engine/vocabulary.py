"""The hospital's words as enums: sources with their priorities, token statuses, decision kinds
and the reasons given for decisions."""

from __future__ import annotations

import math
from enum import IntEnum, StrEnum

from opd_sim.errors import InvalidInput, UnknownSource

__all__ = [
    "FINAL_STATUSES",
    "IN_SLOT_STATUSES",
    "SEATED_STATUSES",
    "DecisionKind",
    "Reason",
    "Source",
    "TokenStatus",
    "left_unseen",
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
    LEFT = "LEFT"  # came, waited past their patience and went home unseen: holds no seat


#: Statuses no operation can change.
FINAL_STATUSES = frozenset({
    TokenStatus.CANCELLED, TokenStatus.NO_SHOW, TokenStatus.COMPLETED, TokenStatus.EXPIRED,
    TokenStatus.LEFT,
})  # fmt: skip
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
    EXPIRED = "EXPIRED"  # still waitlisted when the slot's day ended, or after waiting too long
    LEFT = "LEFT"  # a present patient not called within their patience left unseen


class Reason(StrEnum):
    """Why the engine made a decision: one fixed phrase per reason, for people to read.

    The phrase names no token, slot or number: the decision's own fields do (``token_id``,
    ``slot_id``, ``related_token_id``), so a reason is a code with a fixed text. Being a ``str``,
    a decision's reason is JSON-ready and stored as its text; frames keep it as a category.
    Members are listed by the decision kind they go with, in :class:`DecisionKind` order.

    One reason is not a member: a ``LEFT`` decision's reason gives the minutes the patient
    waited, which no field holds (:func:`left_unseen`: ``"left unseen after waiting 31.5
    minutes"``). It is the one reason carrying a number, and so the one whose text varies.
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
    # PROMOTED (related: the token whose cancellation, no-show or leaving freed the seat)
    SEAT_FREED = "best waitlisted token; a seat was freed"
    # CANCELLED
    CANCELLED_SEAT = "cancelled; seat freed"
    CANCELLED_WAITING = "cancelled; left the waitlist"
    # NO_SHOW
    DID_NOT_COME = "did not come; seat freed"
    # COMPLETED
    SEEN = "seen by the doctor"
    # EXPIRED (the driver decides when; the engine records which of these it was)
    DAY_ENDED = "still waitlisted at day end"
    WAITED_TOO_LONG = "waitlisted past the waitlist expiry"
    # LEFT: see left_unseen


def left_unseen(minutes: float) -> str:
    """The reason of a LEFT decision: ``"left unseen after waiting M minutes"``, M being
    ``minutes`` rounded to one decimal, without a trailing ``.0`` (30 -> "30", 31.46 -> "31.5").

    ``minutes`` must be a finite number of 0 or more (InvalidInput otherwise): the time the
    patient waited, which the driver knows (from their arrival) and the engine does not.
    """
    if isinstance(minutes, int | float) and not isinstance(minutes, bool):
        try:
            waited = float(minutes) + 0.0  # (+ 0.0: -0.0 waited no less than 0.0, and reads "0")
        except OverflowError:  # a whole number past every float
            waited = math.inf
        if 0.0 <= waited < math.inf:
            # fixed-point, not "g": 123456.7 minutes must not read "123457" or "1.23457e+05"
            shown = f"{waited:.1f}".removesuffix(".0")
            return f"left unseen after waiting {shown} minutes"
    raise InvalidInput(f"minutes waited must be a finite number of 0 or more, not {minutes!r}")
