"""One OPD's recorded history as plain records: its doctors, slots, tokens and decisions.

The booking store holds exactly these four things (tables ``doctor``, ``slot``, ``token``,
``audit``); a replay under another policy makes them anew. Times are as the desk keeps them:
slot ``start``/``end`` are local wall-clock ISO 8601 text (``YYYY-MM-DDTHH:MM:SS``), request and
decision times are seconds since the epoch (the desk's clock). Frames convert both to minutes
since midnight of the first slot's day, as the simulator counts time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opd_sim.engine import Decision

__all__ = ["History", "HistoryDoctor", "HistorySlot", "HistoryToken"]


@dataclass(frozen=True, slots=True)
class HistoryDoctor:
    """A doctor as the store keeps one."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class HistorySlot:
    """A slot as the store keeps one: ``day`` is the date part of ``start``."""

    id: int
    doctor_id: int
    day: str
    start: str
    end: str
    capacity: int


@dataclass(frozen=True, slots=True)
class HistoryToken:
    """A token as it ends up: the slot it holds or waits on, its status and how often it was
    bumped; ``requested_at`` is the time of its request (seconds since the epoch)."""

    id: int
    seq: int
    slot_id: int
    requested_slot_id: int
    source: str
    patient: str
    status: str
    times_bumped: int
    requested_at: float


@dataclass(frozen=True, slots=True)
class History:
    """Everything recorded about one OPD, decisions in the order they were made."""

    doctors: tuple[HistoryDoctor, ...]
    slots: tuple[HistorySlot, ...]
    tokens: tuple[HistoryToken, ...]
    decisions: tuple[Decision, ...] = field(default=())
    #: where the history came from, for people: "store opd.db", "replay of opd.db under fifo"
    origin: str = ""
    #: the schema version of the store it was read from (0: not read from a store)
    schema_version: int = 0
    #: request and decision times are seconds since 1970-01-01T00:00 of the local wall clock
    #: (a requests CSV file's, and its replays'), not the desk's clock (seconds since the epoch,
    #: read in the local time zone)
    wall_clock: bool = False
