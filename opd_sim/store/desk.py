"""The booking desk: doctors, slots and tokens kept in a SQLite store, decided by the engine.

Each write is one ``BEGIN IMMEDIATE`` transaction: load the state the engine needs (the slot's
doctor's slots of that day and their live tokens), apply one engine operation, write back every
token it changed plus its decisions to the ``audit`` table, commit. Any error rolls it all back.
Results are plain JSON-ready dicts in the shapes the CLI prints with ``--json``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from opd_sim.engine import Engine, Outcome, Source, TokenStatus
from opd_sim.errors import DuplicateId, InvalidInput, UnknownDoctor, UnknownSlot, UnknownToken
from opd_sim.store.connection import connect, resolve_path, transaction
from opd_sim.store.values import parse_capacity, parse_name, parse_time

__all__ = ["Desk"]

Record = dict[str, Any]

# Tokens the engine must see to decide: they hold a seat or wait for one.
_LIVE = (TokenStatus.ALLOCATED.value, TokenStatus.WAITLISTED.value, TokenStatus.COMPLETED.value)

_SLOT_COLUMNS = """
    slot.id, slot.doctor_id, slot.start, slot."end", slot.capacity,
    (SELECT count(*) FROM token
      WHERE token.slot_id = slot.id AND token.status IN ('ALLOCATED', 'COMPLETED')) AS allocated
"""
_TOKEN_COLUMNS = "id, slot_id, source, patient, status"


class Desk:
    """One booking store, opened (and created on first use) at ``path``; see :func:`resolve_path`.

    Decisions follow the ``priority-bump`` rules of docs/rules.md. ``clock`` gives the engine's
    time for each operation (seconds since the epoch); it is the audit table's ``time`` column.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = resolve_path(path)
        self.clock = clock
        self._conn = connect(self.path)

    def close(self) -> None:
        """Close the store (committed work is already safe on disk)."""
        self._conn.close()

    def __enter__(self) -> Desk:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- doctors

    def add_doctor(self, name: str, doctor_id: int | None = None) -> Record:
        """Register a doctor; the id is the next free one unless given."""
        name = parse_name(name, "name")
        with transaction(self._conn) as conn:
            if doctor_id is not None:
                if doctor_id < 1:
                    raise InvalidInput(f"doctor id must be 1 or more, not {doctor_id}")
                if self._doctor_exists(conn, doctor_id):
                    raise DuplicateId(f"doctor id {doctor_id} is already in use")
            cursor = conn.execute("INSERT INTO doctor (id, name) VALUES (?, ?)", (doctor_id, name))
            return {"id": cursor.lastrowid, "name": name}

    def doctors(self) -> list[Record]:
        """Every doctor, by id."""
        with transaction(self._conn, write=False) as conn:
            rows = conn.execute("SELECT id, name FROM doctor ORDER BY id").fetchall()
        return [{"id": ident, "name": name} for ident, name in rows]

    # ------------------------------------------------------------------ slots

    def add_slot(
        self, doctor_id: int, start: str | datetime, end: str | datetime, capacity: str | int
    ) -> Record:
        """Open a slot for a doctor; the engine checks end after start and capacity of 1 or more."""
        start_text = parse_time(start, "start")
        end_text = parse_time(end, "end")
        seats = parse_capacity(capacity, "capacity")
        with transaction(self._conn) as conn:
            if not self._doctor_exists(conn, doctor_id):
                raise UnknownDoctor(doctor_id)
            # the engine holds the rules; an engine of one slot is enough to apply them
            engine = Engine()
            engine.add_doctor("", doctor_id=doctor_id)
            engine.add_slot(doctor_id, start_text, end_text, seats, day=start_text[:10])
            cursor = conn.execute(
                'INSERT INTO slot (doctor_id, day, start, "end", capacity) VALUES (?, ?, ?, ?, ?)',
                (doctor_id, start_text[:10], start_text, end_text, seats),
            )
            return self._slot(conn, cursor.lastrowid)

    def slots(self, doctor_id: int | None = None) -> list[Record]:
        """Every slot (or one doctor's), earliest first, with seats held and the overbooked flag."""
        with transaction(self._conn, write=False) as conn:
            if doctor_id is not None and not self._doctor_exists(conn, doctor_id):
                raise UnknownDoctor(doctor_id)
            rows = conn.execute(
                f"SELECT {_SLOT_COLUMNS} FROM slot WHERE ?1 IS NULL OR slot.doctor_id = ?1"
                " ORDER BY slot.start, slot.id",
                (doctor_id,),
            ).fetchall()
        return [_slot_record(row) for row in rows]

    # ----------------------------------------------------------------- tokens

    def book(self, slot_id: int, source: str | Source, patient: str) -> Record:
        """Request a seat in a slot for a patient; returns the token and every decision made."""
        source = Source.parse(source)
        patient = parse_name(patient, "patient")
        with transaction(self._conn) as conn:
            engine, before = self._load_day(conn, slot_id)
            token_id, seq = conn.execute(
                "SELECT coalesce(max(id), 0) + 1, coalesce(max(seq), 0) + 1 FROM token"
            ).fetchone()
            # request order is global across the store, not just this doctor's day: the store
            # holds the counter and tells the engine (which sees one day) where it stands
            outcome = engine.book(
                slot_id, source, patient, at=self.clock(), token_id=token_id, seq=seq
            )
            return self._save(conn, engine, before, outcome, new=True)

    def cancel(self, token_id: int) -> Record:
        """The patient cancels: their seat goes to the best waitlisted token, if any."""
        return self._change(token_id, Engine.cancel)

    def no_show(self, token_id: int) -> Record:
        """The patient did not come: their seat goes to the best waitlisted token, if any."""
        return self._change(token_id, Engine.no_show)

    def tokens(self, slot_id: int | None = None) -> list[Record]:
        """Every token (or those now in one slot), by id."""
        with transaction(self._conn, write=False) as conn:
            if slot_id is not None:
                self._slot(conn, slot_id)  # unknown slot: exit 2, not an empty list
            rows = conn.execute(
                f"SELECT {_TOKEN_COLUMNS} FROM token WHERE ?1 IS NULL OR slot_id = ?1 ORDER BY id",
                (slot_id,),
            ).fetchall()
        return [_token_record(row) for row in rows]

    # ---------------------------------------------------------------- helpers

    def _change(self, token_id: int, operation: Callable[[Engine, Any, float], Outcome]) -> Record:
        with transaction(self._conn) as conn:
            row = conn.execute("SELECT slot_id FROM token WHERE id = ?", (token_id,)).fetchone()
            if row is None:
                raise UnknownToken(token_id)
            engine, before = self._load_day(conn, row[0], also_token=token_id)
            outcome = operation(engine, token_id, self.clock())
            return self._save(conn, engine, before, outcome, new=False)

    def _load_day(
        self, conn: sqlite3.Connection, slot_id: int, also_token: int = 0
    ) -> tuple[Engine, dict[int, tuple[Any, ...]]]:
        """An engine holding the slot's doctor's slots of that day and their live tokens (plus
        ``also_token`` whatever its status), and each token's state before the operation.
        """
        found = conn.execute(
            "SELECT slot.doctor_id, slot.day, doctor.name FROM slot"
            " JOIN doctor ON doctor.id = slot.doctor_id WHERE slot.id = ?",
            (slot_id,),
        ).fetchone()
        if found is None:
            raise UnknownSlot(slot_id)
        doctor_id, day, name = found
        engine = Engine()
        engine.add_doctor(name, doctor_id=doctor_id)
        day_slots = conn.execute(
            'SELECT id, start, "end", capacity FROM slot WHERE doctor_id = ? AND day = ?',
            (doctor_id, day),
        ).fetchall()
        for ident, start, end, capacity in day_slots:
            engine.add_slot(doctor_id, start, end, capacity, day=day, slot_id=ident)
        tokens = conn.execute(
            "SELECT token.id, token.slot_id, source, patient, seq, status, requested_slot_id,"
            " requested_at, times_bumped FROM token JOIN slot ON slot.id = token.slot_id"
            " WHERE slot.doctor_id = ? AND slot.day = ? AND (status IN (?, ?, ?) OR token.id = ?)"
            " ORDER BY seq",
            (doctor_id, day, *_LIVE, also_token),
        ).fetchall()
        for row in tokens:
            engine.restore_token(*row)
        return engine, {t.id: _state(t) for t in engine.tokens.values()}

    def _save(
        self,
        conn: sqlite3.Connection,
        engine: Engine,
        before: dict[int, tuple[Any, ...]],
        outcome: Outcome,
        new: bool,
    ) -> Record:
        """Write the new token, every token the operation changed, and its decisions."""
        # the engine's own consistency check: a broken invariant is a bug, and nothing is saved
        problems = list(engine.problems())
        assert not problems, f"engine state inconsistent: {problems}"
        if new:
            token = outcome.token
            conn.execute(
                "INSERT INTO token (id, seq, slot_id, requested_slot_id, source, patient, status,"
                " times_bumped, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (token.id, token.seq, token.slot_id, token.requested_slot_id, token.source.name,
                 token.patient, token.status.value, token.times_bumped, token.requested_at),
            )  # fmt: skip
        changed = [
            (t.status.value, t.slot_id, t.times_bumped, t.id)
            for t in engine.tokens.values()
            if t.id in before and _state(t) != before[t.id]
        ]
        conn.executemany(
            "UPDATE token SET status = ?, slot_id = ?, times_bumped = ? WHERE id = ?", changed
        )
        recorded_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        conn.executemany(
            "INSERT INTO audit (time, kind, token_id, source, doctor_id, slot_id, related_token_id,"
            " reason, slot_allocated, slot_capacity, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (d.time, d.kind.value, d.token_id, d.source.name, d.doctor_id, d.slot_id,
                 d.related_token_id, d.reason, d.slot_allocated, d.slot_capacity, recorded_at)
                for d in outcome.decisions
            ],
        )  # fmt: skip
        token = outcome.token
        return {
            "token": {
                "id": token.id,
                "slot_id": token.slot_id,
                "source": token.source.name,
                "patient": token.patient,
                "status": token.status.value,
            },
            "decisions": [
                {
                    "kind": d.kind.value,
                    "token_id": d.token_id,
                    "slot_id": d.slot_id,
                    "related_token_id": d.related_token_id,
                    "reason": d.reason,
                }
                for d in outcome.decisions
            ],
        }

    @staticmethod
    def _doctor_exists(conn: sqlite3.Connection, doctor_id: int) -> bool:
        return (
            conn.execute("SELECT 1 FROM doctor WHERE id = ?", (doctor_id,)).fetchone() is not None
        )

    @staticmethod
    def _slot(conn: sqlite3.Connection, slot_id: int | None) -> Record:
        row = conn.execute(
            f"SELECT {_SLOT_COLUMNS} FROM slot WHERE slot.id = ?", (slot_id,)
        ).fetchone()
        if row is None:
            raise UnknownSlot(slot_id)
        return _slot_record(row)


def _state(token: Any) -> tuple[Any, ...]:
    return (token.status, token.slot_id, token.times_bumped)


def _slot_record(row: Sequence[Any]) -> Record:
    ident, doctor_id, start, end, capacity, allocated = row
    return {
        "id": ident,
        "doctor_id": doctor_id,
        "start": start,
        "end": end,
        "capacity": capacity,
        "allocated": allocated,
        "overbooked": allocated > capacity,
    }


def _token_record(row: Sequence[Any]) -> Record:
    ident, slot_id, source, patient, status = row
    return {"id": ident, "slot_id": slot_id, "source": source, "patient": patient, "status": status}
