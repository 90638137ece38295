"""The event stream a replay drives the engine with: slot openings, requests, cancellations and
no-shows, in the order and at the times they happened.

Two places give one. A :class:`~opd_sim.history.records.History` read from a booking store
(:func:`events_from_history`): each token's request (its first decision in the audit log), and
each CANCELLED and NO_SHOW decision's operation, in audit order; the decisions that follow an
operation (BUMPED, REALLOCATED, WAITLISTED, PROMOTED) are its consequences, not events. The store
records no time for a slot's opening, so each slot opens just before the first operation whose
decisions name it or a slot of a larger id (ids are given in opening order), and slots no
decision names open after the last operation. That is the latest opening the audit log allows,
and it changes no decision: a slot nobody was seated in or waited on can only have mattered as
a bumped token's later seat, and a bumped token seated there would have named it.

And a CSV file of another system (:func:`read_requests`), one row per event; docs/replay.md
describes the format. It is checked strictly and read as a stream, up to
:data:`MAX_REQUESTS_BYTES`: a problem is one :class:`~opd_sim.errors.InvalidInput` naming the
row as a spreadsheet numbers it (the header is row 1).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from opd_sim.engine import DecisionKind, Source
from opd_sim.errors import InvalidInput
from opd_sim.history.records import History, HistoryDoctor, HistorySlot
from opd_sim.store.values import parse_capacity, parse_name, parse_time

__all__ = [
    "COLUMNS",
    "EVENT_KINDS",
    "MAX_REQUESTS_BYTES",
    "Event",
    "EventStream",
    "events_from_history",
    "read_requests",
]

#: The kinds of event, as the CSV's ``event`` column spells them.
EVENT_KINDS = ("slot", "book", "cancel", "no_show")
#: The CSV's columns (a header row names them, in any order; every one must be there).
COLUMNS = ("time", "event", "doctor", "slot", "start", "end", "capacity", "token", "source",
           "patient")  # fmt: skip
#: The largest requests file read: 16 MiB, about 200,000 rows, a year of a busy OPD. Its events
#: are held in memory for the replays (a few hundred bytes each).
MAX_REQUESTS_BYTES = 16 * 1024 * 1024
#: Ids are whole numbers a run's frames can hold (32-bit integers, as the simulator's).
_MAX_ID = 2**31 - 1
# the columns each kind of event reads; the others must be empty on its rows (doctor, slot,
# source and patient may repeat the booking's on cancel and no_show rows)
_USED = {
    "slot": {"doctor", "slot", "start", "end", "capacity"},
    "book": {"doctor", "slot", "token", "source", "patient"},
    "cancel": {"doctor", "slot", "token", "source", "patient"},
    "no_show": {"doctor", "slot", "token", "source", "patient"},
}
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, at ``time`` (seconds since the epoch, as the desk's clock).

    ``kind`` is one of :data:`EVENT_KINDS`. Every event names its ``doctor`` and ``slot`` (for a
    cancellation or no-show: the slot the token was requested in); ``start``, ``end`` (ISO 8601
    local date-time text) and ``capacity`` are a slot event's; ``token``, ``source`` (a
    :class:`~opd_sim.engine.Source` name) and ``patient`` the others'; ``seq`` (request order)
    a booking's. ``row`` is the CSV row it was read from, if any.
    """

    time: float
    kind: str
    doctor: int
    slot: int
    token: int | None = None
    source: str | None = None
    patient: str | None = None
    seq: int | None = None
    start: str | None = None
    end: str | None = None
    capacity: int | None = None
    row: int | None = None


@dataclass(frozen=True, slots=True)
class EventStream:
    """The doctors named and the events in order; ``origin`` says where they came from (for
    people), ``actual`` is the history they were read from, if any (a store's; None for a CSV)."""

    doctors: tuple[HistoryDoctor, ...]
    events: tuple[Event, ...]
    origin: str
    actual: History | None = None
    #: times are seconds of the local wall clock (a CSV file's), not the desk's epoch clock
    wall_clock: bool = False

    def counts(self) -> dict[str, int]:
        """How many events of each kind, in :data:`EVENT_KINDS` order."""
        counts = dict.fromkeys(EVENT_KINDS, 0)
        for event in self.events:
            counts[event.kind] += 1
        return counts


# ------------------------------------------------------------------------------- from a store


def events_from_history(history: History) -> EventStream:
    """The events that made ``history`` (a store's), in order; see the module's docstring."""
    tokens = {token.id: token for token in history.tokens}
    slots = sorted(history.slots, key=lambda slot: slot.id)
    doctor_of = {slot.id: slot.doctor_id for slot in slots}
    operations: list[tuple[Event, int]] = []  # each with the largest slot id its decisions name
    seen: set[int] = set()
    for decision in history.decisions:
        event: Event | None = None
        if decision.token_id not in seen:
            seen.add(decision.token_id)
            token = tokens.get(decision.token_id)
            if token is None:
                raise InvalidInput(
                    f"{history.origin}: the audit log names token {decision.token_id},"
                    " which the store does not hold"
                )
            slot_id = token.requested_slot_id
            event = Event(decision.time, "book", doctor_of[slot_id], slot_id, token.id,
                          token.source, token.patient, token.seq)  # fmt: skip
        elif decision.kind in (DecisionKind.CANCELLED, DecisionKind.NO_SHOW):
            token = tokens[decision.token_id]
            slot_id = token.requested_slot_id
            kind = "cancel" if decision.kind is DecisionKind.CANCELLED else "no_show"
            event = Event(decision.time, kind, doctor_of[slot_id], slot_id, token.id,
                          token.source, token.patient)  # fmt: skip
        elif decision.kind not in _CONSEQUENCES:
            raise InvalidInput(
                f"{history.origin}: a {decision.kind} decision (token {decision.token_id}) is "
                "not an operation a replay knows: only requests, cancellations and no-shows"
            )
        if event is not None:
            operations.append((event, max(decision.slot_id, event.slot)))
        elif operations:
            last, named = operations[-1]
            operations[-1] = (last, max(named, decision.slot_id))
    events: list[Event] = []
    opened = 0
    for event, named in operations:
        while opened < len(slots) and slots[opened].id <= named:
            events.append(_opening(slots[opened], event.time))
            opened += 1
        events.append(event)
    end = operations[-1][0].time if operations else 0.0
    events.extend(_opening(slot, end) for slot in slots[opened:])
    return EventStream(history.doctors, tuple(events), history.origin, history)


#: Decisions that follow an operation as its consequences (a request's own first decision is
#: the request, whatever its kind).
_CONSEQUENCES = frozenset({DecisionKind.ALLOCATED, DecisionKind.BUMPED, DecisionKind.REALLOCATED,
                           DecisionKind.WAITLISTED, DecisionKind.PROMOTED})  # fmt: skip


def _opening(slot: HistorySlot, time: float) -> Event:
    return Event(time, "slot", slot.doctor_id, slot.id, start=slot.start, end=slot.end,
                 capacity=slot.capacity)  # fmt: skip


# ---------------------------------------------------------------------------- from a CSV file


def read_requests(path: str | os.PathLike[str]) -> EventStream:
    """The events of a requests CSV file (docs/replay.md), checked; InvalidInput naming the row
    and the problem for the first one found. Nothing is written."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as error:
        raise InvalidInput(f"--requests {path}: cannot read it: {error.strerror}") from None
    if not path.is_file():
        raise InvalidInput(f"--requests {path}: not a regular file")
    if info.st_size > MAX_REQUESTS_BYTES:
        raise InvalidInput(
            f"--requests {path}: {info.st_size:,} bytes, more than the {MAX_REQUESTS_BYTES:,}"
            " a requests file may hold; split it by month"
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = _Reader(path)
            events = tuple(reader.events(_rows(file, path)))
    except OSError as error:
        raise InvalidInput(f"--requests {path}: cannot read it: {error.strerror}") from None
    return EventStream(reader.doctor_records(), events, f"requests {path}", wall_clock=True)


def _rows(file: Iterable[str], path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each row with its number (1-based, as a spreadsheet shows it: a quoted line break does
    not start a new row)."""
    reader = csv.reader(file, strict=True)
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise InvalidInput(f"{path}: row {number}: not UTF-8 text") from None
        except csv.Error as error:
            raise InvalidInput(f"{path}: row {number}: not valid CSV ({error})") from None
        yield number, row


class _Reader:
    """Checks the rows one by one, keeping only what later rows are checked against."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.doctors: dict[str, int] = {}  # name -> id, in order of first appearance
        self.names: dict[int, str] = {}  # id -> name
        self.slots: dict[int, tuple[int, int]] = {}  # slot id -> (doctor id, row)
        self.tokens: dict[int, Event] = {}  # token id -> its booking
        self.ended: dict[int, tuple[str, int]] = {}  # token id -> (event, row) that ended it
        self.last: tuple[float, str] | None = None

    def doctor_records(self) -> tuple[HistoryDoctor, ...]:
        return tuple(HistoryDoctor(ident, name) for name, ident in self.doctors.items())

    def fail(self, row: int, problem: str) -> InvalidInput:
        return InvalidInput(f"{self.path}: row {row}: {problem}")

    def events(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[Event]:
        header = next(rows, None)
        if header is None or not any(cell.strip() for cell in header[1]):
            raise self.fail(1, f"no header row; expected the columns {','.join(COLUMNS)}")
        # a spreadsheet may capitalise the header (TIME, Event): names are read in any case
        names = [cell.strip().lower() if cell.strip().isascii() else cell.strip()
                 for cell in header[1]]  # fmt: skip
        unnamed = next((i for i, name in enumerate(names) if not name), None)
        if unnamed is not None:  # e.g. the empty trailing columns a spreadsheet may save
            raise self.fail(1, f"column {unnamed + 1} has no name: remove the empty columns "
                               f"(the columns are {','.join(COLUMNS)})")  # fmt: skip
        missing = [name for name in COLUMNS if name not in names]
        if missing:
            raise self.fail(1, f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)}")
        unknown = [name for name in names if name not in COLUMNS]
        if unknown:
            raise self.fail(1, f"unknown column {unknown[0]!r} (the columns are "
                               f"{','.join(COLUMNS)})")  # fmt: skip
        doubled = [name for name in COLUMNS if names.count(name) > 1]
        if doubled:
            raise self.fail(1, f"column {doubled[0]} appears twice")
        seq = 0
        for number, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue  # a blank row
            if len(cells) != len(names):
                raise self.fail(number, f"{len(cells)} fields, but the header names "
                                        f"{len(names)} columns")  # fmt: skip
            row = {name: cell.strip() for name, cell in zip(names, cells, strict=True)}
            event = self.event(number, row, seq + 1)
            if event.kind == "book":
                seq += 1
            yield event

    def event(self, number: int, row: dict[str, str], seq: int) -> Event:
        kind = row["event"]
        if kind not in EVENT_KINDS:
            raise self.fail(number, f"unknown event {kind!r} (expected one of "
                                    f"{', '.join(EVENT_KINDS)})")  # fmt: skip
        time = self.time(number, row["time"])
        for name in COLUMNS[2:]:
            if row[name] and name not in _USED[kind]:
                raise self.fail(number, f"{name} is not given on {kind} rows")
        if kind == "slot":
            return self.slot(number, row, time)
        token = self.number(number, row, "token")
        if kind == "book":
            return self.book(number, row, time, token, seq)
        booking = self.tokens.get(token)
        if booking is None:
            raise self.fail(number, f"token {token} is not booked on an earlier row")
        ended = self.ended.get(token)
        if ended is not None:
            raise self.fail(number, f"token {token} already had a {ended[0]} on row {ended[1]}")
        for name, value in (("doctor", self.doctor_name(booking.doctor)),
                            ("slot", str(booking.slot)), ("source", booking.source),
                            ("patient", booking.patient)):  # fmt: skip
            if row[name] and not _same(name, row[name], value):
                raise self.fail(number, f"{name} {row[name]!r} is not token {token}'s "
                                        f"({value!r}, booked on row {booking.row})")  # fmt: skip
        self.ended[token] = (kind, number)
        return Event(time, kind, booking.doctor, booking.slot, token, booking.source,
                     booking.patient, row=number)  # fmt: skip

    def time(self, number: int, text: str) -> float:
        if not text:
            raise self.fail(number, "time: missing")
        try:
            stamp = parse_time(text, "time")
        except InvalidInput as error:
            raise self.fail(number, str(error)) from None
        seconds = (datetime.fromisoformat(stamp) - _EPOCH).total_seconds()
        if self.last is not None and seconds < self.last[0]:
            raise self.fail(number, f"time {stamp} is before the previous row's {self.last[1]}; "
                                    "rows must be in time order")  # fmt: skip
        self.last = (seconds, stamp)
        return seconds

    def number(self, number: int, row: dict[str, str], name: str) -> int:
        text = row[name]
        if not text:
            raise self.fail(number, f"{name}: missing")
        if not (text.isascii() and text.isdigit() and len(text) <= 19) or not (
            1 <= int(text) <= _MAX_ID
        ):
            raise self.fail(number, f"{name}: must be a whole number from 1 to {_MAX_ID:,}, "
                                    f"not {text!r}")  # fmt: skip
        return int(text)

    def slot(self, number: int, row: dict[str, str], time: float) -> Event:
        ident = self.number(number, row, "slot")
        if ident in self.slots:
            raise self.fail(number, f"slot {ident} is already opened on row "
                                    f"{self.slots[ident][1]}")  # fmt: skip
        try:
            name = parse_name(row["doctor"], "doctor")
            start = parse_time(row["start"], "start")
            end = parse_time(row["end"], "end")
            capacity = parse_capacity(row["capacity"], "capacity")
        except InvalidInput as error:
            raise self.fail(number, str(error)) from None
        if not end > start:
            raise self.fail(number, f"end {end} is not after start {start}")
        doctor = self.doctors.setdefault(name, len(self.doctors) + 1)
        self.names[doctor] = name
        self.slots[ident] = (doctor, number)
        return Event(time, "slot", doctor, ident, start=start, end=end, capacity=capacity,
                     row=number)  # fmt: skip

    def book(self, number: int, row: dict[str, str], time: float, token: int, seq: int) -> Event:
        slot = self.number(number, row, "slot")
        if slot not in self.slots:
            raise self.fail(number, f"slot {slot} is not opened on an earlier row")
        if token in self.tokens:
            raise self.fail(number, f"token {token} is already booked on row "
                                    f"{self.tokens[token].row}")  # fmt: skip
        doctor = self.slots[slot][0]
        if row["doctor"] and row["doctor"] != self.doctor_name(doctor):
            raise self.fail(number, f"doctor {row['doctor']!r} does not hold slot {slot} "
                                    f"({self.doctor_name(doctor)!r} does)")  # fmt: skip
        if not row["source"]:
            raise self.fail(number, "source: missing")
        try:
            source = Source.parse(row["source"]).name
            patient = parse_name(row["patient"], "patient")
        except InvalidInput as error:
            raise self.fail(number, str(error)) from None
        event = Event(time, "book", doctor, slot, token, source, patient, seq, row=number)
        self.tokens[token] = event
        return event

    def doctor_name(self, doctor: int) -> str:
        return self.names[doctor]


def _same(name: str, given: str, expected: str | None) -> bool:
    if name == "source":  # any case, but ASCII: 'onl\u0131ne'.upper() is 'ONLINE'
        return given.isascii() and given.upper() == (expected or "")
    if name == "slot":
        return given.lstrip("0") == expected
    return given == expected
