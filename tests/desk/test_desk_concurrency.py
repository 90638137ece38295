"""Many desk counters at once: real ``opd-sim`` processes booking into the same few slots."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from opd_sim.engine import Engine
from opd_sim.errors import OpdSimError
from opd_sim.store import Desk
from tests.cli import run_cli, start_cli

COUNTERS = 12  # processes started together in each wave
WAVES = 3
SOURCES = ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN", "WALKIN", "ONLINE"]


def rebuild(db: Path) -> Engine:
    """The store's whole state, read through the desk's public API, put back into one engine to
    check the engine's own invariants. Request order is the token id: the desk hands out both
    together, in the same order."""
    engine = Engine()
    with Desk(db) as desk:
        for doctor in desk.doctors():
            engine.add_doctor(doctor["name"], doctor_id=doctor["id"])
        for slot in desk.slots():  # a slot's day is the date of its start
            engine.add_slot(slot["doctor_id"], slot["start"], slot["end"], slot["capacity"],
                            day=slot["start"][:10], slot_id=slot["id"])  # fmt: skip
        for token in desk.tokens():
            engine.restore_token(token["id"], token["slot_id"], token["source"],
                                 token["patient"], token["id"], token["status"])  # fmt: skip
    return engine


def overfilled(db: Path) -> list[tuple[int, int, int]]:
    """Slots holding more non-emergency seated tokens than their capacity: (slot, held, seats)."""
    with Desk(db) as desk:
        tokens, slots = desk.tokens(), desk.slots()
    held = [
        (slot["id"], sum(
            1 for t in tokens
            if t["slot_id"] == slot["id"] and t["status"] == "ALLOCATED"
            and t["source"] != "EMERGENCY"
        ), slot["capacity"])
        for slot in slots
    ]  # fmt: skip
    return [row for row in held if row[1] > row[2]]


def test_concurrent_counters_never_overfill_or_lose_bookings(db: Path) -> None:
    """12 processes at a time book into 3 slots: all succeed (no 'database is locked'), no slot
    holds more non-emergency tokens than its capacity, and every acknowledged token is stored."""
    doctor = run_cli("doctor", "add", "--name", "Dr Rao", db=db, json_output=True).json["id"]
    slots = [
        run_cli(
            "slot", "add", "--doctor", str(doctor), "--start", f"2026-11-24T{h}:00",
            "--end", f"2026-11-24T{h}:30", "--capacity", "3", db=db, json_output=True,
        ).json["id"]
        for h in ("09", "10", "11")
    ]  # fmt: skip
    rng = random.Random(8)
    acknowledged: dict[int, str] = {}
    for wave in range(WAVES):
        counters = []
        for n in range(COUNTERS):
            patient = f"w{wave}c{n}"
            argv = [
                "token", "book", "--slot", str(rng.choice(slots[:2])),
                "--source", rng.choice(SOURCES), "--patient", patient,
            ]  # fmt: skip
            counters.append((patient, start_cli(*argv, db=db, json_output=True)))
        for patient, process in counters:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0 and err == "", err  # no "database is locked"
            token = json.loads(out)["token"]
            assert token["patient"] == patient
            acknowledged[token["id"]] = patient
        assert overfilled(db) == []  # after every wave, not only at the end

    assert len(acknowledged) == COUNTERS * WAVES
    stored = {t["id"]: t for t in run_cli("token", "list", db=db, json_output=True).json}
    assert {ident: stored[ident]["patient"] for ident in acknowledged} == acknowledged
    for listed in run_cli("slot", "list", db=db, json_output=True).json:
        ordinary = [
            t for t in stored.values()
            if t["slot_id"] == listed["id"] and t["status"] == "ALLOCATED"
            and t["source"] != "EMERGENCY"
        ]  # fmt: skip
        assert len(ordinary) <= listed["capacity"]
    assert list(rebuild(db).problems()) == []


def test_concurrent_first_use_creates_store_once(tmp_path: Path) -> None:
    """Eight processes opening a store that does not exist yet create it once, and all succeed."""
    db = tmp_path / "fresh.db"
    processes = [
        start_cli("doctor", "add", "--name", f"Dr {n}", db=db, json_output=True) for n in range(8)
    ]
    results = [(*p.communicate(timeout=120), p.returncode) for p in processes]
    assert [(err, code) for _, err, code in results] == [("", 0)] * 8
    listed = run_cli("doctor", "list", db=db, json_output=True).json
    assert sorted(d["id"] for d in listed) == list(range(1, 9))
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_writer_waits_for_lock_and_reader_is_not_blocked(db: Path) -> None:
    """While another counter holds the write lock, a listing answers at once and a booking waits
    for the lock (busy timeout + BEGIN IMMEDIATE) and then succeeds instead of failing."""
    run_cli("doctor", "add", "--name", "Dr Rao", db=db, json_output=True)
    run_cli(
        "slot", "add", "--doctor", "1", "--start", "2026-11-24T09:00",
        "--end", "2026-11-24T09:20", "--capacity", "2", db=db, json_output=True,
    )  # fmt: skip
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        waiting = start_cli(
            "token", "book", "--slot", "1", "--source", "PAID", "--patient", "Asha",
            db=db, json_output=True,
        )  # fmt: skip
        listing = run_cli("token", "list", db=db, json_output=True)
        assert (listing.code, listing.json) == (0, [])  # read while the write lock is held
        time.sleep(1.0)
        assert waiting.poll() is None  # still queued behind the lock, not failed
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out, err = waiting.communicate(timeout=60)
    assert (waiting.returncode, err) == (0, "")
    assert json.loads(out)["token"]["status"] == "ALLOCATED"


FIRST_USERS = 16


def _first_use_by_threads(db: Path) -> list[str]:
    """FIRST_USERS threads, released together, each open the store at ``db`` and add a doctor;
    the errors they met (each thread has its own SQLite connection, as processes do)."""
    errors: list[str] = []
    start = threading.Barrier(FIRST_USERS)

    def counter(n: int) -> None:
        start.wait()
        try:
            with Desk(db) as desk:
                desk.add_doctor(f"Dr {n}")
        except OpdSimError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(FIRST_USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_first_use_race_by_threads_refuses_nobody(tmp_path: Path) -> None:
    """25 rounds of 16 connections opening one new store at the same moment: nobody sees a
    half-made store ("not an opd_sim store") or "database is locked"; 16 doctors each time."""
    for round_ in range(25):
        db = tmp_path / f"fresh{round_}.db"
        assert _first_use_by_threads(db) == []
        with Desk(db) as desk:
            assert sorted(d["id"] for d in desk.doctors()) == list(range(1, FIRST_USERS + 1))
        assert _journal_mode(db) == "wal"


@pytest.mark.slow
def test_first_use_race_by_processes_refuses_nobody(tmp_path: Path) -> None:
    """Rounds of 16 real `opd-sim doctor add` started together on a new store path: every one
    exits 0 (writers queue, nobody is refused) and 16 doctors exist."""
    for round_ in range(10):
        db = tmp_path / f"fresh{round_}.db"
        argv = ["doctor", "add", "--name"]
        processes = [
            start_cli(*argv, f"Dr {n}", db=db, json_output=True)
            for n in range(FIRST_USERS)
        ]
        results = [(*p.communicate(timeout=120), p.returncode) for p in processes]
        assert [(err, code) for _, err, code in results] == [("", 0)] * FIRST_USERS
        ids = sorted(d["id"] for d in run_cli("doctor", "list", db=db, json_output=True).json)
        assert ids == list(range(1, FIRST_USERS + 1))
        assert _journal_mode(db) == "wal"


def _journal_mode(db: Path) -> str:
    conn = sqlite3.connect(db)
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    return str(mode)
