"""The booking desk: doctors, slots and tokens kept in a SQLite store, decided by the engine.

Each write is one ``BEGIN IMMEDIATE`` transaction: load the state the engine needs (the slot's
doctor's slots of that day and the tokens in them), apply one engine operation, write back every
token it changed plus its decisions to the ``audit`` table, commit. Any error rolls it all back.
Reads load an engine the same way and ask it (seats held, overbooked): the rules live in the
engine only. Results are plain JSON-ready dicts in the shapes the CLI prints with ``--json``;
decisions appear under the decision record's own field names, in JSON and in the audit table.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from opd_sim.engine import IN_SLOT_STATUSES, Decision, Engine, Outcome, Policy, Source, make_policy
from opd_sim.errors import (
    BrokenInvariant,
    DuplicateId,
    InvalidInput,
    UnknownDoctor,
    UnknownSlot,
    UnknownToken,
)
from opd_sim.store.connection import connect, resolve_path, transaction
from opd_sim.store.values import parse_capacity, parse_name, parse_time

__all__ = ["Desk"]

Record = dict[str, Any]

# The tokens the engine must see to decide: those sitting in a slot (the engine says which).
_IN_SLOT = tuple(sorted(status.value for status in IN_SLOT_STATUSES))
_TOKEN_COLUMNS = "id, slot_id, source, patient, status"
# engine.restore_token's parameters, in order
_RESTORE_COLUMNS = ("token.id, token.slot_id, source, patient, seq, status, requested_slot_id,"
                    " requested_at, times_bumped")  # fmt: skip
_AUDIT_INSERT = (
    f"INSERT INTO audit ({', '.join(Decision._fields)}, recorded_at)"
    f" VALUES ({', '.join('?' * (len(Decision._fields) + 1))})"
)


class Desk:
    """One booking store, opened (and created on first use) at ``path``; see :func:`resolve_path`.

    With ``create=False`` a missing or empty store is refused (StoreError "no store at PATH")
    instead, and nothing is created: the CLI opens stores so for every command but ``doctor add``.

    Decisions follow ``policy`` (a policy object or a registered name; default the standard
    ``priority-bump`` rules of docs/rules.md). ``clock`` gives the engine's time for each
    operation (seconds since the epoch); it is the audit table's ``time`` column.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        clock: Callable[[], float] = time.time,
        policy: Policy | str = "priority-bump",
        create: bool = True,
    ) -> None:
        self.policy = make_policy(policy)
        self.path = resolve_path(path)
        self.clock = clock
        self._conn = connect(self.path, create)

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
        with self._transaction() as conn:
            if doctor_id is not None:
                if doctor_id < 1:
                    raise InvalidInput(f"doctor id must be 1 or more, not {doctor_id}")
                if self._doctor_exists(conn, doctor_id):
                    raise DuplicateId(f"doctor id {doctor_id} is already in use")
            cursor = conn.execute("INSERT INTO doctor (id, name) VALUES (?, ?)", (doctor_id, name))
            return {"id": cursor.lastrowid, "name": name}

    def doctors(self) -> list[Record]:
        """Every doctor, by id."""
        with self._transaction(write=False) as conn:
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
        with self._transaction() as conn:
            if not self._doctor_exists(conn, doctor_id):
                raise UnknownDoctor(doctor_id)
            # the engine holds the rules; an engine of one slot is enough to apply them
            engine = Engine(self.policy)
            engine.add_doctor("", doctor_id=doctor_id)
            engine.add_slot(doctor_id, start_text, end_text, seats, day=start_text[:10])
            cursor = conn.execute(
                'INSERT INTO slot (doctor_id, day, start, "end", capacity) VALUES (?, ?, ?, ?, ?)',
                (doctor_id, start_text[:10], start_text, end_text, seats),
            )
            return self._slot(conn, cursor.lastrowid)

    def slots(self, doctor_id: int | None = None) -> list[Record]:
        """Every slot (or one doctor's), earliest first, with seats held and the overbooked flag."""
        with self._transaction(write=False) as conn:
            if doctor_id is not None and not self._doctor_exists(conn, doctor_id):
                raise UnknownDoctor(doctor_id)
            engine = self._load(conn, "?1 IS NULL OR slot.doctor_id = ?1", (doctor_id,))
        slots = sorted(engine.slots.values(), key=lambda slot: (slot.start, slot.id))
        return [_slot_record(engine, slot.id) for slot in slots]

    # ----------------------------------------------------------------- tokens

    def book(self, slot_id: int, source: str | Source, patient: str) -> Record:
        """Request a seat in a slot for a patient; returns the token and every decision made."""
        source = Source.parse(source)
        patient = parse_name(patient, "patient")
        with self._transaction() as conn:
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
        with self._transaction(write=False) as conn:
            if slot_id is not None:
                self._slot(conn, slot_id)  # unknown slot: exit 2, not an empty list
            rows = conn.execute(
                f"SELECT {_TOKEN_COLUMNS} FROM token WHERE ?1 IS NULL OR slot_id = ?1 ORDER BY id",
                (slot_id,),
            ).fetchall()
        return [_token_record(row) for row in rows]

    # ---------------------------------------------------------------- helpers

    def _transaction(self, write: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._conn, write, self.path)

    def _change(self, token_id: int, operation: Callable[[Engine, Any, float], Outcome]) -> Record:
        with self._transaction() as conn:
            row = conn.execute("SELECT slot_id FROM token WHERE id = ?", (token_id,)).fetchone()
            if row is None:
                raise UnknownToken(token_id)
            engine, before = self._load_day(conn, row[0], also_token=token_id)
            outcome = operation(engine, token_id, self.clock())
            return self._save(conn, engine, before, outcome, new=False)

    def _load(
        self, conn: sqlite3.Connection, where: str, params: Sequence[Any], also_token: int = 0
    ) -> Engine:
        """An engine holding the slots ``where`` selects (SQL over ``slot``, numbered ``?1``...),
        their doctors, and the tokens sitting in them (plus ``also_token`` whatever its status).
        """
        engine = Engine(self.policy)
        slots = conn.execute(
            'SELECT slot.id, slot.doctor_id, doctor.name, slot.day, slot.start, slot."end",'
            " slot.capacity FROM slot JOIN doctor ON doctor.id = slot.doctor_id"
            f" WHERE {where} ORDER BY slot.id",
            params,
        ).fetchall()
        for ident, doctor_id, name, day, start, end, capacity in slots:
            if doctor_id not in engine.doctors:
                engine.add_doctor(name, doctor_id=doctor_id)
            engine.add_slot(doctor_id, start, end, capacity, day=day, slot_id=ident)
        first = len(params) + 1  # the token query's own parameters follow the slot's
        statuses = ", ".join(f"?{first + i}" for i in range(len(_IN_SLOT)))
        tokens = conn.execute(
            f"SELECT {_RESTORE_COLUMNS} FROM token JOIN slot ON slot.id = token.slot_id"
            f" JOIN doctor ON doctor.id = slot.doctor_id WHERE ({where})"
            f" AND (token.status IN ({statuses}) OR token.id = ?{first + len(_IN_SLOT)})"
            " ORDER BY token.seq",
            (*params, *_IN_SLOT, also_token),
        ).fetchall()
        for row in tokens:
            engine.restore_token(*row)
        return engine

    def _load_day(
        self, conn: sqlite3.Connection, slot_id: int, also_token: int = 0
    ) -> tuple[Engine, dict[int, tuple[Any, ...]]]:
        """An engine holding the slot's doctor's slots of that day and the tokens in them (plus
        ``also_token`` whatever its status), and each token's state before the operation.
        """
        found = conn.execute("SELECT doctor_id, day FROM slot WHERE id = ?", (slot_id,)).fetchone()
        if found is None:
            raise UnknownSlot(slot_id)
        engine = self._load(conn, "slot.doctor_id = ?1 AND slot.day = ?2", found, also_token)
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
        if problems:
            raise BrokenInvariant(f"engine state inconsistent, nothing saved: {problems[:3]}")
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
        decisions = [d.as_dict() for d in outcome.decisions]
        conn.executemany(
            _AUDIT_INSERT,
            [(*(record[name] for name in Decision._fields), recorded_at) for record in decisions],
        )
        token = outcome.token
        return {
            "token": {
                "id": token.id,
                "slot_id": token.slot_id,
                "source": token.source.name,
                "patient": token.patient,
                "status": token.status.value,
            },
            "decisions": decisions,
        }

    @staticmethod
    def _doctor_exists(conn: sqlite3.Connection, doctor_id: int) -> bool:
        return (
            conn.execute("SELECT 1 FROM doctor WHERE id = ?", (doctor_id,)).fetchone() is not None
        )

    def _slot(self, conn: sqlite3.Connection, slot_id: int | None) -> Record:
        engine = self._load(conn, "slot.id = ?1", (slot_id,))
        if slot_id is None or slot_id not in engine.slots:
            raise UnknownSlot(slot_id)
        return _slot_record(engine, slot_id)


def _state(token: Any) -> tuple[Any, ...]:
    return (token.status, token.slot_id, token.times_bumped)


def _slot_record(engine: Engine, slot_id: int) -> Record:
    """A slot as the desk shows it: seats held and overbooked as the engine says."""
    slot = engine.slots[slot_id]
    return {
        "id": slot.id,
        "doctor_id": slot.doctor_id,
        "start": slot.start,
        "end": slot.end,
        "capacity": slot.capacity,
        "seats_held": engine.seats_held(slot_id),
        "overbooked": engine.is_overbooked(slot_id),
    }


def _token_record(row: Sequence[Any]) -> Record:
    ident, slot_id, source, patient, status = row
    return {"id": ident, "slot_id": slot_id, "source": source, "patient": patient, "status": status}
