"""The store itself: where it lives, what its schema holds by itself, the audit trail, the order
of requests, and the exact JSON shapes the desk prints.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from opd_sim.cli.app import main
from opd_sim.engine import Engine
from opd_sim.errors import TokenStateError
from opd_sim.store import APPLICATION_ID, SCHEMA_VERSION, Desk
from tests.cli import Result

DAY = "2026-11-24"
Cli = Callable[..., Result]


@pytest.fixture
def desk(db: Path) -> Desk:
    """A desk on a new store: Dr Rao (id 1), slots 1 (09:00) and 2 (09:20) of one seat each."""
    desk = Desk(db, clock=lambda: 1_700_000_000.0)
    desk.add_doctor("Dr Rao")
    desk.add_slot(1, f"{DAY}T09:00", f"{DAY}T09:20", 1)
    desk.add_slot(1, f"{DAY}T09:20", f"{DAY}T09:40", 1)
    yield desk
    desk.close()


def test_new_store_has_schema_version_application_id_and_wal(desk: Desk, db: Path) -> None:
    """A store is created on first use with our application id, schema version and WAL journal."""
    conn = sqlite3.connect(db)
    pragmas = [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in
               ("application_id", "user_version", "journal_mode")]  # fmt: skip
    conn.close()
    assert pragmas == [APPLICATION_ID, SCHEMA_VERSION, "wal"]


@pytest.mark.parametrize(
    "statement",
    [
        'INSERT INTO slot (doctor_id, day, start, "end", capacity)'
        " VALUES (1, '2026-11-24', '2026-11-24T10:00:00', '2026-11-24T11:00:00', 0)",
        'INSERT INTO slot (doctor_id, day, start, "end", capacity)'
        " VALUES (1, '2026-11-24', '2026-11-24T10:00:00', '2026-11-24T09:00:00', 2)",
        'INSERT INTO slot (doctor_id, day, start, "end", capacity)'
        " VALUES (1, '2026-11-24', '2026-11-24T10:00:00', '2026-11-24T11:00:00', 1.5)",
        'INSERT INTO slot (doctor_id, day, start, "end", capacity)'
        " VALUES (9, '2026-11-24', '2026-11-24T10:00:00', '2026-11-24T11:00:00', 2)",
        "INSERT INTO token (seq, slot_id, requested_slot_id, source, patient, status, requested_at)"
        " VALUES (99, 1, 1, 'VIP', 'A', 'ALLOCATED', 0)",
        "INSERT INTO token (seq, slot_id, requested_slot_id, source, patient, status, requested_at)"
        " VALUES (99, 1, 1, 'PAID', 'A', 'PENDING', 0)",
        "INSERT INTO token (seq, slot_id, requested_slot_id, source, patient, status, requested_at)"
        " VALUES (99, 7, 7, 'PAID', 'A', 'ALLOCATED', 0)",
        "INSERT INTO doctor (name) VALUES ('   ')",
    ],
    ids=[
        "capacity-0",
        "end-before-start",
        "capacity-1.5",
        "no-doctor",
        "source",
        "status",
        "no-slot",
        "blank-name",
    ],
)
def test_schema_itself_refuses_impossible_rows(desk: Desk, db: Path, statement: str) -> None:
    """CHECK and foreign-key constraints hold the rules even against a writer bypassing the desk."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(statement)
    conn.close()


def test_audit_holds_every_decision_with_wall_clock(desk: Desk, db: Path) -> None:
    """Every decision of a bump lands in the audit table with the decision-log fields."""
    desk.book(1, "WALKIN", "Asha")
    booked = desk.book(1, "PAID", "Bala")
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT time, kind, token_id, source, doctor_id, slot_id, related_token_id,"
        " seats_held, capacity, recorded_at FROM audit ORDER BY id"
    ).fetchall()
    conn.close()
    assert [row[:9] for row in rows] == [
        (1_700_000_000.0, "ALLOCATED", 1, "WALKIN", 1, 1, None, 1, 1),
        (1_700_000_000.0, "ALLOCATED", 2, "PAID", 1, 1, 1, 1, 1),
        (1_700_000_000.0, "BUMPED", 1, "WALKIN", 1, 1, 2, 1, 1),
        (1_700_000_000.0, "REALLOCATED", 1, "WALKIN", 1, 2, 2, 1, 1),
    ]
    assert [d["kind"] for d in booked["decisions"]] == ["ALLOCATED", "BUMPED", "REALLOCATED"]
    assert all(row[9].endswith("+00:00") and row[9].startswith("20") for row in rows)


def test_request_order_is_global_and_survives_reopening(desk: Desk, db: Path) -> None:
    """seq increases across doctors, days and processes, so waitlist order is kept on reopening."""
    desk.add_doctor("Dr Iyer")
    desk.add_slot(2, "2026-11-25T09:00", "2026-11-25T09:20", 1)
    desk.book(1, "ONLINE", "Asha")
    desk.book(3, "ONLINE", "Bala")  # another doctor and day
    desk.book(1, "WALKIN", "Chitra")  # waits
    with Desk(db) as again:
        again.book(1, "WALKIN", "Dev")  # waits behind Chitra
        assert again.cancel(1)["decisions"][1]["token_id"] == 3
    conn = sqlite3.connect(db)
    seqs = [seq for (seq,) in conn.execute("SELECT seq FROM token ORDER BY id")]
    conn.close()
    assert seqs == [1, 2, 3, 4]


def test_json_shapes_are_exact(cli: Cli) -> None:
    """Each command's --json has exactly the documented keys."""
    doctor = cli("doctor", "add", "--name", "Dr Rao").json
    assert set(doctor) == {"id", "name"}
    assert cli("doctor", "list").json == [doctor]
    slot = cli("slot", "add", "--doctor", "1", "--start", f"{DAY}T09:00", "--end",
               f"{DAY}T09:20", "--capacity", "1").json  # fmt: skip
    assert set(slot) == {"id", "doctor_id", "start", "end", "capacity", "seats_held", "overbooked"}
    assert cli("slot", "list", "--doctor", "1").json == [slot]
    booked = cli("token", "book", "--slot", "1", "--source", "Walkin", "--patient", "Asha").json
    assert set(booked) == {"token", "decisions"}
    assert set(booked["token"]) == {"id", "slot_id", "source", "patient", "status"}
    assert booked["token"]["source"] == "WALKIN"
    (decision,) = booked["decisions"]
    assert list(decision) == [  # the decision record's own fields, in order
        "time", "kind", "token_id", "source", "doctor_id", "slot_id", "related_token_id",
        "reason", "seats_held", "capacity",
    ]  # fmt: skip
    cancelled = cli("token", "cancel", "1").json
    assert cancelled["token"]["status"] == "CANCELLED"
    assert cli("token", "list", "--slot", "1").json == [cancelled["token"]]


def test_db_option_beats_environment_beats_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The store is --db if given, else $OPD_SIM_DB, else ./opd.db in the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPD_SIM_DB", raising=False)
    assert main(["doctor", "add", "--name", "Default"]) == 0
    monkeypatch.setenv("OPD_SIM_DB", str(tmp_path / "env.db"))
    assert main(["doctor", "add", "--name", "Env"]) == 0
    assert main(["doctor", "add", "--name", "Option", "--db", str(tmp_path / "option.db")]) == 0
    names = {}
    for store in ("opd.db", "env.db", "option.db"):
        with Desk(tmp_path / store) as desk:
            names[store] = [d["name"] for d in desk.doctors()]
    assert names == {"opd.db": ["Default"], "env.db": ["Env"], "option.db": ["Option"]}


def test_engine_cancel_twice_names_the_verb() -> None:
    """Engine fix: cancelling twice says "cannot cancel token 1", not "cannot cancelled"."""
    engine = Engine()
    doctor = engine.add_doctor("Dr Rao")
    slot = engine.add_slot(doctor.id, 0, 20, 1)
    token = engine.book(slot.id, "PAID").token
    engine.cancel(token.id)
    with pytest.raises(TokenStateError, match=r"^cannot cancel token 1: it is CANCELLED"):
        engine.cancel(token.id)


# What no desk command may import (a booking starts in at most twice Python's own start-up:
# benchmarks/bench_desk_startup.py): the simulator's libraries; json, which only --json needs;
# the other commands' modules.
NOT_FOR_THE_DESK = (
    "pandas", "numpy", "simpy", "pydantic", "ruamel", "matplotlib", "tqdm", "json",
    "opd_sim.scenario", "opd_sim.simulation", "opd_sim.cli.info",
    "opd_sim.cli.validate", "opd_sim.cli.simulate", "opd_sim.cli.compare", "opd_sim.cli.sweep",
    "opd_sim.cli.report",
)  # fmt: skip


@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_booking_commands_import_only_what_they_use(db: Path, json_output: bool) -> None:
    """Every desk command runs without importing the simulator's libraries, the other commands'
    modules, or json unless asked for --json (fast start)."""
    script = f"""
import sys
from opd_sim.cli.app import main
db = {str(db)!r}
commands = [
    ["doctor", "add", "--name", "Dr Rao"], ["doctor", "list"],
    ["slot", "add", "--doctor", "1", "--start", "2026-11-24T09:00", "--end", "2026-11-24T09:20",
     "--capacity", "1"],
    ["slot", "list"], ["token", "book", "--slot", "1", "--source", "paid", "--patient", "A"],
    ["token", "no-show", "1"], ["token", "cancel", "1"], ["token", "list"],
]
codes = [main([*argv, "--db", db, *{["--json"] if json_output else []!r}]) for argv in commands]
loaded = sorted(m for m in {NOT_FOR_THE_DESK!r} if m in sys.modules)
print(codes, loaded)
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    loaded = ["json"] if json_output else []
    assert done.stdout.splitlines()[-1] == f"[0, 0, 0, 0, 0, 0, 3, 0] {loaded}"


def test_store_public_surface_is_pinned() -> None:
    """opd_sim.store exports exactly its documented names."""
    import opd_sim.store

    assert opd_sim.store.__all__ == [
        "APPLICATION_ID", "SCHEMA_VERSION", "Desk", "connect", "resolve_path", "transaction"
    ]  # fmt: skip


def test_human_output_of_each_command(cli: Cli) -> None:
    """Without --json each command prints a short line or an aligned table."""
    assert cli("doctor", "add", "--name", "Dr Rao", json_output=False).out == "doctor 1: Dr Rao\n"
    assert cli("doctor", "list", json_output=False).out.splitlines() == ["id  name", "1   Dr Rao"]
    made = cli("slot", "add", "--doctor", "1", "--start", f"{DAY} 09:00", "--end", f"{DAY} 09:20",
               "--capacity", "1", json_output=False)  # fmt: skip
    assert (
        made.out
        == "slot 1: doctor 1, 2026-11-24T09:00:00 to 2026-11-24T09:20:00, 0/1 seats held\n"
    )
    booked = cli("token", "book", "--slot", "1", "--source", "online", "--patient", "Asha",
                 json_output=False)  # fmt: skip
    assert booked.out.splitlines() == [
        "token 1: ALLOCATED in slot 1 (ONLINE, Asha)",
        "  ALLOCATED   token 1 in slot 1: free seat",
    ]
    assert cli("token", "list", "--slot", "1", json_output=False).out.splitlines()[1].split() == [
        "1", "1", "ONLINE", "Asha", "ALLOCATED"
    ]  # fmt: skip
    assert cli("slot", "list", "--doctor", "2", json_output=False).code == 2


def test_human_output_names_the_related_token(cli: Cli) -> None:
    """A reason is a fixed phrase naming no token, so a line names the related token after it:
    the bumped token of the ALLOCATED decision, the bumping one of its sequels, the releasing one
    of a promotion."""
    cli("doctor", "add", "--name", "Dr Rao")
    for start, end in (("09:00", "09:20"), ("09:20", "09:40")):
        cli("slot", "add", "--doctor", "1", "--start", f"{DAY} {start}", "--end", f"{DAY} {end}",
            "--capacity", "1")  # fmt: skip
    cli("token", "book", "--slot", "1", "--source", "walkin", "--patient", "Asha")
    bumped = cli("token", "book", "--slot", "1", "--source", "paid", "--patient", "Bala",
                 json_output=False)  # fmt: skip
    assert bumped.out.splitlines()[1:] == [
        "  ALLOCATED   token 2 in slot 1: took the seat of a lower-priority token (token 1)",
        "  BUMPED      token 1 in slot 1: displaced by a token of strictly higher priority"
        " (by token 2)",
        "  REALLOCATED token 1 in slot 2: bumped; moved to the next later slot with a free seat"
        " (by token 2)",
    ]
    cli("token", "book", "--slot", "2", "--source", "walkin", "--patient", "Dev")
    freed = cli("token", "no-show", "1", json_output=False)
    assert freed.out.splitlines()[1:] == [
        "  NO_SHOW     token 1 in slot 2: did not come; seat freed",
        "  PROMOTED    token 3 in slot 2: best waitlisted token; a seat was freed (by token 1)",
    ]


@pytest.mark.parametrize("make", ["empty file", "empty SQLite database"])
def test_empty_file_or_database_becomes_a_store(db: Path, cli: Cli, make: str) -> None:
    """A zero-byte file or a SQLite database with nothing in it is initialised, not refused."""
    if make == "empty file":
        db.touch()
    else:
        sqlite3.connect(db).execute("VACUUM").connection.close()
    assert cli("doctor", "add", "--name", "Dr Rao").json == {"id": 1, "name": "Dr Rao"}
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()
