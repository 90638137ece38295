"""A booking store read back as a :class:`~opd_sim.history.History`: its doctors, slots, tokens
and audit log, the audit rows as the engine's own :class:`~opd_sim.engine.Decision` records.

The store is opened as every desk command opens it (:func:`opd_sim.store.connect` without
``create``), so what it refuses is refused here, with :class:`~opd_sim.errors.StoreError` (exit
2) and before the caller writes anything: a missing store, a directory, a file that is not
SQLite, a SQLite database of another program, a store of a newer schema ("newer than this
opd-sim understands; upgrade opd-sim"). Reading writes nothing to a current store. An older
store (schema version 1) is migrated on opening, all or nothing, exactly as the next booking
would migrate it: the audit table's columns are then the decision record's field names. The
four tables are read in one transaction, so one snapshot, even while the desk is booking.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from opd_sim.engine import Decision, DecisionKind, Reason, Source
from opd_sim.errors import StoreError
from opd_sim.history.records import History, HistoryDoctor, HistorySlot, HistoryToken
from opd_sim.store.connection import connect, transaction

__all__ = ["read_store"]

_REASONS = {reason.value: reason for reason in Reason}


def read_store(path: str | os.PathLike[str]) -> History:
    """Everything the store at ``path`` holds, decisions in audit order (the order made).

    Raises StoreError (exit 2) for anything but a usable opd_sim store; see the module's
    docstring for what opening may write (only the migration of an older store).
    """
    conn = connect(path, create=False)
    try:
        with transaction(conn, write=False, path=path):
            return _read(conn, path)
    finally:
        conn.close()


def _read(conn: sqlite3.Connection, path: str | os.PathLike[str]) -> History:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    doctors = tuple(HistoryDoctor(ident, name) for ident, name in
                    conn.execute("SELECT id, name FROM doctor ORDER BY id"))  # fmt: skip
    slots = tuple(HistorySlot(*row) for row in conn.execute(
        'SELECT id, doctor_id, day, start, "end", capacity FROM slot ORDER BY id'))
    tokens = tuple(HistoryToken(*row) for row in conn.execute(
        "SELECT id, seq, slot_id, requested_slot_id, source, patient, status, times_bumped,"
        " requested_at FROM token ORDER BY id"))  # fmt: skip
    fields = ", ".join(Decision._fields)
    decisions = []
    for ident, *row in conn.execute(f"SELECT id, {fields} FROM audit ORDER BY id"):
        try:
            decisions.append(_decision(tuple(row)))
        except (ValueError, KeyError, TypeError) as error:  # a row edited by hand, say
            raise StoreError(f"{os.fspath(path)}: audit row {ident} is damaged ({error}): "
                             "the store holds a value no desk writes") from None
    return History(doctors, slots, tokens, tuple(decisions), origin=f"store {os.fspath(path)}",
                   schema_version=version)  # fmt: skip


def _decision(row: tuple[Any, ...]) -> Decision:
    """An audit row as the decision the engine returned: kinds, sources and reasons as enums
    (a text that is no fixed reason, e.g. a LEFT decision's minutes, stays text)."""
    time, kind, token, source, doctor, slot, related, reason, held, capacity = row
    return Decision(float(time), DecisionKind(kind), token, Source[source], doctor, slot,
                    related, _REASONS.get(reason, reason), held, capacity)  # fmt: skip
