"""Many desk counters at once: real ``opd-sim`` processes booking into the same few slots."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from desk_helpers import OPD_SIM, run_opd_sim

from opd_sim.engine import Engine
from opd_sim.errors import OpdSimError
from opd_sim.store import Desk

COUNTERS = 12  # processes started together in each wave
WAVES = 3
SOURCES = ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN", "WALKIN", "ONLINE"]


def rebuild(db: Path) -> Engine:
    """The store's whole state replayed into one engine, to check the engine's own invariants."""
    conn = sqlite3.connect(db)
    engine = Engine()
    for ident, name in conn.execute("SELECT id, name FROM doctor"):
        engine.add_doctor(name, doctor_id=ident)
    for row in conn.execute('SELECT id, doctor_id, day, start, "end", capacity FROM slot'):
        ident, doctor, day, start, end, capacity = row
        engine.add_slot(doctor, start, end, capacity, day=day, slot_id=ident)
    for row in conn.execute(
        "SELECT id, slot_id, source, patient, seq, status, requested_slot_id, requested_at,"
        " times_bumped FROM token ORDER BY seq"
    ):
        engine.restore_token(*row)
    conn.close()
    return engine


def overfilled(db: Path) -> list[tuple[int, int, int]]:
    """Slots holding more non-emergency seated tokens than their capacity: (slot, held, seats)."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT slot.id, count(token.id), slot.capacity FROM slot JOIN token"
        " ON token.slot_id = slot.id AND token.status = 'ALLOCATED' AND token.source != 'EMERGENCY'"
        " GROUP BY slot.id HAVING count(token.id) > slot.capacity"
    ).fetchall()
    conn.close()
    return rows


def test_concurrent_counters_never_overfill_or_lose_bookings(db: Path) -> None:
    """12 processes at a time book into 3 slots: all succeed (no 'database is locked'), no slot
    holds more non-emergency tokens than its capacity, and every acknowledged token is stored."""
    doctor = run_opd_sim(db, "doctor", "add", "--name", "Dr Rao").json["id"]
    slots = [
        run_opd_sim(
            db, "slot", "add", "--doctor", str(doctor), "--start", f"2026-11-24T{h}:00",
            "--end", f"2026-11-24T{h}:30", "--capacity", "3",
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
                OPD_SIM, "token", "book", "--db", str(db), "--json", "--slot",
                str(rng.choice(slots[:2])), "--source", rng.choice(SOURCES), "--patient", patient,
            ]  # fmt: skip
            counters.append((patient, subprocess.Popen(argv, stdout=-1, stderr=-1, text=True)))
        for patient, process in counters:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0 and err == "", err  # no "database is locked"
            token = json.loads(out)["token"]
            assert token["patient"] == patient
            acknowledged[token["id"]] = patient
        assert overfilled(db) == []  # after every wave, not only at the end

    assert len(acknowledged) == COUNTERS * WAVES
    stored = {t["id"]: t for t in run_opd_sim(db, "token", "list").json}
    assert {ident: stored[ident]["patient"] for ident in acknowledged} == acknowledged
    for listed in run_opd_sim(db, "slot", "list").json:
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
    argv = [OPD_SIM, "doctor", "add", "--db", str(db), "--json", "--name"]
    processes = [
        subprocess.Popen([*argv, f"Dr {n}"], stdout=-1, stderr=-1, text=True) for n in range(8)
    ]
    results = [(*p.communicate(timeout=120), p.returncode) for p in processes]
    assert [(err, code) for _, err, code in results] == [("", 0)] * 8
    assert sorted(d["id"] for d in run_opd_sim(db, "doctor", "list").json) == list(range(1, 9))
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_writer_waits_for_lock_and_reader_is_not_blocked(db: Path) -> None:
    """While another counter holds the write lock, a listing answers at once and a booking waits
    for the lock (busy timeout + BEGIN IMMEDIATE) and then succeeds instead of failing."""
    run_opd_sim(db, "doctor", "add", "--name", "Dr Rao")
    run_opd_sim(
        db, "slot", "add", "--doctor", "1", "--start", "2026-11-24T09:00",
        "--end", "2026-11-24T09:20", "--capacity", "2",
    )  # fmt: skip
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        argv = [OPD_SIM, "token", "book", "--db", str(db), "--json"]
        waiting = subprocess.Popen(
            [*argv, "--slot", "1", "--source", "PAID", "--patient", "Asha"],
            stdout=-1, stderr=-1, text=True,
        )  # fmt: skip
        listing = run_opd_sim(db, "token", "list")
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
        argv = [OPD_SIM, "doctor", "add", "--db", str(db), "--json", "--name"]
        processes = [
            subprocess.Popen([*argv, f"Dr {n}"], stdout=-1, stderr=-1, text=True)
            for n in range(FIRST_USERS)
        ]
        results = [(*p.communicate(timeout=120), p.returncode) for p in processes]
        assert [(err, code) for _, err, code in results] == [("", 0)] * FIRST_USERS
        ids = sorted(d["id"] for d in run_opd_sim(db, "doctor", "list").json)
        assert ids == list(range(1, FIRST_USERS + 1))
        assert _journal_mode(db) == "wal"


def _journal_mode(db: Path) -> str:
    conn = sqlite3.connect(db)
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    return str(mode)
