"""The desk refuses to save a state the engine calls inconsistent, even under ``python -O``,
migrates an older store in place, and works on a store made before a status or kind existed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from desk_helpers import snapshot

from opd_sim.engine import Decision
from opd_sim.store import APPLICATION_ID, SCHEMA_VERSION, Desk
from opd_sim.store.schema import TABLES

DAY = "2026-11-24"


def _store_with_two_in_one_seat(db: Path) -> None:
    """A store whose slot of capacity 1 holds two ALLOCATED walk-ins (written behind the desk's
    back, as a broken writer or a hand edit could)."""
    with Desk(db) as desk:
        desk.add_doctor("Dr Rao")
        desk.add_slot(1, f"{DAY}T09:00", f"{DAY}T09:20", 1)
        desk.book(1, "WALKIN", "Asha")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO token (id, seq, slot_id, requested_slot_id, source, patient, status,"
            " times_bumped, requested_at) VALUES (2, 2, 1, 1, 'WALKIN', 'Bala', 'ALLOCATED', 0, 0)"
        )
    conn.close()


def test_an_inconsistent_state_is_never_saved_even_with_assertions_off(tmp_path: Path) -> None:
    """Under ``python -O`` (which strips assert) a booking into a broken slot exits 1 and the
    store is byte-identical: the check is a real one."""
    db = tmp_path / "desk.db"
    _store_with_two_in_one_seat(db)
    before = snapshot(db)
    done = subprocess.run(
        [sys.executable, "-O", "-m", "opd_sim", "token", "book", "--slot", "1", "--source",
         "paid", "--patient", "Chitra", "--db", str(db)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "engine state inconsistent, nothing saved" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert snapshot(db) == before


def test_a_version_1_store_is_migrated_with_its_audit_trail(tmp_path: Path) -> None:
    """A store written by schema version 1 (audit columns slot_allocated, slot_capacity) opens,
    is migrated to the decision record's names, and keeps every audit row."""
    db = tmp_path / "old.db"
    with Desk(db) as desk:
        desk.add_doctor("Dr Rao")
        desk.add_slot(1, f"{DAY}T09:00", f"{DAY}T09:20", 1)
        desk.book(1, "WALKIN", "Asha")
    with sqlite3.connect(db) as conn:  # turn it back into a version 1 store
        conn.execute("ALTER TABLE audit RENAME COLUMN seats_held TO slot_allocated")
        conn.execute("ALTER TABLE audit RENAME COLUMN capacity TO slot_capacity")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with Desk(db) as desk:
        booked = desk.book(1, "PAID", "Bala")
    assert [d["kind"] for d in booked["decisions"]] == ["ALLOCATED", "BUMPED", "WAITLISTED"]
    with sqlite3.connect(db) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        columns = [row[1] for row in conn.execute("PRAGMA table_info(audit)")]
        rows = conn.execute("SELECT kind, seats_held, capacity FROM audit ORDER BY id").fetchall()
    conn.close()
    assert version == SCHEMA_VERSION == 2
    assert columns == ["id", *Decision._fields, "recorded_at"]
    assert rows == [("ALLOCATED", 1, 1), ("ALLOCATED", 1, 1), ("BUMPED", 1, 1),
                    ("WAITLISTED", 1, 1)]  # fmt: skip


def _day_at_the_desk(db: Path) -> list[tuple]:
    """Book, bump, cancel (promoting) and mark a no-show (promoting); the audit trail."""
    with Desk(db, clock=lambda: 1_700_000_000.0) as desk:
        desk.add_doctor("Dr Rao")
        desk.add_slot(1, f"{DAY}T09:00", f"{DAY}T09:20", 1)
        desk.book(1, "WALKIN", "Asha")
        desk.book(1, "PAID", "Bala")  # bumps Asha, who waits (no later slot)
        desk.book(1, "ONLINE", "Chitra")
        desk.cancel(2)  # Chitra (ONLINE) is promoted before Asha (WALKIN)
        desk.no_show(3)  # then Asha
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT kind, token_id, related_token_id, reason FROM audit"
                            " ORDER BY id").fetchall()  # fmt: skip
    conn.close()
    return rows


def test_a_store_made_before_patients_could_leave_unseen_works_as_a_new_one(
    tmp_path: Path,
) -> None:
    """A store made before LEFT existed has token and audit CHECKs without it (the same schema
    version: the desk never writes LEFT, having no command for it). It keeps working exactly as a
    new store, whose CHECKs admit LEFT."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    conn = sqlite3.connect(old)
    for statement in TABLES:  # today's tables as they were made before LEFT
        conn.execute(statement.replace(", 'LEFT'", ""))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.commit()
    conn.close()
    trail = _day_at_the_desk(old)
    assert trail == _day_at_the_desk(new)
    assert [(kind, token) for kind, token, _, _ in trail] == [
        ("ALLOCATED", 1), ("ALLOCATED", 2), ("BUMPED", 1), ("WAITLISTED", 1), ("WAITLISTED", 3),
        ("CANCELLED", 2), ("PROMOTED", 3), ("NO_SHOW", 3), ("PROMOTED", 1),
    ]  # fmt: skip
    for db, admits in ((old, False), (new, True)):
        with sqlite3.connect(db) as conn:
            tables = " ".join(sql for (sql,) in conn.execute("SELECT sql FROM sqlite_schema"
                                                            " WHERE sql IS NOT NULL"))
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.close()
        assert ("'LEFT'" in tables, version) == (admits, SCHEMA_VERSION)
        assert tables.count("'EXPIRED'") == 2  # the status and the kind: the CHECKs are there
