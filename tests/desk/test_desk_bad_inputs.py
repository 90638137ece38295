"""Bad input is refused with its exit code and one line on stderr, and the store is untouched."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from desk_helpers import snapshot

from opd_sim.store import APPLICATION_ID, Desk, connect, transaction
from tests.cli import OPD_SIM, Result

DAY = "2026-11-24"
SCENARIO = Path(__file__).parents[2] / "scenarios" / "textbook_mm1.yaml"
CAPACITY = "--capacity: must be a whole number from 1 to 100,000"
SLOT = ["--doctor", "1", "--start", f"{DAY}T09:00", "--end", f"{DAY}T09:20", "--capacity", "2"]


def slot_with(**changes: str) -> list[str]:
    """``slot add`` arguments with some options replaced."""
    args = list(SLOT)
    for name, value in changes.items():
        args[args.index(f"--{name}") + 1] = value
    return ["slot", "add", *args]


CANCELLABLE = "an ALLOCATED or WAITLISTED token can be cancelled"
SEATED = "an ALLOCATED token can be marked a"
BOOK = ["token", "book", "--slot", "1", "--source", "PAID", "--patient", "Asha"]

# (argv, exit code, fragment of the one-line message, through a real subprocess too)
BAD_INPUTS = [
    (["doctor", "add", "--name", "  "], 2, "--name: must not be empty", True),
    (["doctor", "add", "--name", "X", "--id", "1"], 2, "doctor id 1 is already in use", False),
    (["doctor", "add", "--name", "X", "--id", "one"], 2, "not a whole-number id: 'one'", False),
    (["doctor", "add", "--name", "X", "--id", "0"], 2, "--id: must be 1 or more", False),
    (["doctor", "add"], 2, "the following arguments are required: --name", False),
    (["doctor", "remove"], 2, "argument ACTION: invalid choice: 'remove'", False),
    (slot_with(doctor="9"), 2, "unknown doctor id 9", True),
    (slot_with(start="2026-13-01T09:00"), 2, "--start: '2026-13-01T09:00' is not an ISO", True),
    (slot_with(start="nine o'clock"), 2, '--start: "nine o\'clock" is not an ISO', False),
    (slot_with(end="2026-11-24 25:00"), 2, "--end: '2026-11-24 25:00' is not an ISO", False),
    (slot_with(start=f"{DAY}T09:00+05:30"), 2, "--start: give the local time without", False),
    (slot_with(end=f"{DAY}T08:00"), 2, "--end: 2026-11-24T08:00:00 is not after --start", True),
    (slot_with(end=f"{DAY}T09:00"), 2, "is not after --start 2026-11-24T09:00:00", False),
    (slot_with(capacity="0"), 2, CAPACITY + ", not '0'", True),
    (slot_with(capacity="-3"), 2, CAPACITY, False),
    (slot_with(capacity="2.5"), 2, CAPACITY, False),
    (slot_with(capacity="two"), 2, CAPACITY, False),
    (slot_with(capacity="²"), 2, CAPACITY, False),
    (slot_with(capacity="9" * 23), 2, CAPACITY, False),
    (slot_with(doctor=str(2**64)), 2, "id out of range", False),
    (["slot", "list", "--doctor", "9"], 2, "unknown doctor id 9", False),
    ([*BOOK[:3], "99", *BOOK[4:]], 2, "unknown slot id 99", True),
    ([*BOOK[:5], "VIP", *BOOK[6:]], 2, "unknown source 'VIP' (expected one of EMERGENCY", True),
    ([*BOOK[:7], ""], 2, "--patient: must not be empty", False),
    ([*BOOK[:3], "first", *BOOK[4:]], 2, "argument --slot: not a whole-number id", False),
    (["token", "cancel", "99"], 2, "unknown token id 99", True),
    (["token", "cancel", "3"], 3, f"token 3: it is CANCELLED; only {CANCELLABLE}", True),
    (["token", "no-show", "3"], 3, f"token 3: it is CANCELLED; only {SEATED} no-show", True),
    (["token", "no-show", "2"], 3, f"token 2: it is WAITLISTED; only {SEATED} no-show", False),
    (["token", "list", "--slot", "99"], 2, "unknown slot id 99", False),
    (["token", "refund", "1"], 2, "invalid choice: 'refund'", False),
    # names: printable text only (control, format, line and paragraph separators are refused)
    (["doctor", "add", "--name", "Dr\u2028Rao"], 2, "--name: contains U+2028 (a line sep", True),
    (["doctor", "add", "--name", "Dr\vRao"], 2, "--name: contains U+000B (a control char", False),
    (["doctor", "add", "--name", "Dr\fRao"], 2, "--name: contains U+000C (a control char", False),
    (["doctor", "add", "--name", "Dr Rao\n"], 2, "--name: contains U+000A (a control", False),
    (["doctor", "add", "--name", "\x1b[31mDr Rao"], 2, "--name: contains U+001B (a cont", True),
    (["doctor", "add", "--name", "Dr \u202eoaR"], 2, "--name: contains U+202E (a format", False),
    (["doctor", "add", "--name", "\u200bDr Rao"], 2, "--name: contains U+200B (a format", False),
    ([*BOOK[:7], "Asha\u2029"], 2, "--patient: contains U+2029 (a paragraph separator", False),
    ([*BOOK[:7], "As\x00ha"], 2, "--patient: contains U+0000 (a control character", False),
    # sources: ASCII letters, any case, nothing that .upper() merely maps onto a source
    ([*BOOK[:5], "pa\u0131d", *BOOK[6:]], 2, "unknown source 'pa\u0131d' (expected one", True),
    ([*BOOK[:5], " paid", *BOOK[6:]], 2, "unknown source ' paid' (expected one of", False),
    # ids and capacities: ASCII digits only
    (slot_with(capacity="1_0"), 2, CAPACITY + ", not '1_0'", True),
    (slot_with(capacity="+2"), 2, CAPACITY + ", not '+2'", False),
    (slot_with(capacity=" 2"), 2, CAPACITY + ", not ' 2'", False),
    (slot_with(doctor="1_0"), 2, "argument --doctor: not a whole-number id: '1_0'", False),
    (["doctor", "add", "--name", "X", "--id", "\u0667"], 2, "--id: not a whole-number id", True),
    (["doctor", "add", "--name", "X", "--id", "+7"], 2, "--id: not a whole-number id: '+7'", False),
    ([*BOOK[:3], "\uff11", *BOOK[4:]], 2, "--slot: not a whole-number id: '\uff11'", False),
    (["token", "cancel", "\u0661"], 2, "argument TOKEN: not a whole-number id: '\u0661'", False),
    (["token", "list", "--slot", " 1"], 2, "argument --slot: not a whole-number id: ' 1'", False),
    # bytes that are not UTF-8 reach Python as lone surrogates: refused, naming the argument
    (["doctor", "add", "--name", "\udcff"], 2, "--name: '\\xff' is not valid UTF-8 text", True),
    ([*BOOK[:7], "P\udce9rez"], 2, "--patient: 'P\\xe9rez' is not valid UTF-8 text", True),
    ([*BOOK[:6], "--patient=P\udce9rez"], 2, "--patient: 'P\\xe9rez' is not valid", False),
    (["token", "list", "--db", "x\udcff.db"], 2, "--db: 'x\\xff.db' is not valid UTF-8", True),
    (["token", "cancel", "--json", "\udcff"], 2, "argument 4: '\\xff' is not valid UTF-8", False),
    # an echoed argument never splits the one line (found by tests/desk/test_desk_fuzz.py)
    (["doctor", "add", "--name", "\n\udcff"], 2, "--name: '\\n\\xff' is not valid UTF-8", False),
]


@pytest.fixture
def store(db: Path) -> Path:
    """A store with doctor 1, slot 1 of one seat, token 1 seated, 2 waitlisted, 3 cancelled."""
    with Desk(db) as desk:
        desk.add_doctor("Dr Rao")
        desk.add_slot(1, f"{DAY}T09:00", f"{DAY}T09:20", 1)
        desk.book(1, "PAID", "Asha")
        desk.book(1, "WALKIN", "Bala")
        desk.book(1, "ONLINE", "Chitra")
        desk.cancel(3)
    return db


@pytest.mark.parametrize(
    ("argv", "code", "message", "real"),
    [pytest.param(*case, id=" ".join(case[0])[:60]) for case in BAD_INPUTS],
)
def test_bad_input_refused_and_store_unchanged(
    store: Path,
    cli: Callable[..., Result],
    opd: Callable[..., Result],
    argv: list[str],
    code: int,
    message: str,
    real: bool,
) -> None:
    """Each bad input gives its exit code and one line naming the problem; the store file keeps
    every byte and row (checked in-process, and through the real console script for a sample)."""
    before = snapshot(store)
    for run in (cli, opd) if real else (cli,):
        result = run(*argv)
        assert (result.code, result.out) == (code, "")
        assert result.err.count("\n") == 1 and result.err.startswith("opd-sim: error: ")
        assert message in result.err
        assert "Traceback" not in result.err
        assert snapshot(store) == before


def _text_file(path: Path) -> None:
    path.write_text("patients.csv, not a store\n")


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE inventory (item TEXT)")
    conn.commit()
    conn.close()


def _newer_store(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 99")
    conn.execute("CREATE TABLE future (x)")
    conn.commit()
    conn.close()


def _corrupt(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_text_file, "is not an opd_sim store (not a SQLite database)"),
        (_foreign_sqlite, "is a SQLite database but not an opd_sim store"),
        (_newer_store, "has store schema version 99, newer than this opd-sim understands (2)"),
        (_corrupt, "is not an opd_sim store"),
    ],
)
def test_foreign_or_newer_file_is_refused_untouched(
    db: Path, opd: Callable[..., Result], make: Callable[[Path], None], message: str
) -> None:
    """A file that is not an opd_sim store of a known version is refused (exit 2), byte for byte
    unchanged and with no journal or WAL file created beside it."""
    make(db)
    before = db.read_bytes()
    result = opd("doctor", "add", "--name", "Dr Rao")
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and message in result.err
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_missing_directory_is_refused_and_nothing_created(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    """A --db in a directory that does not exist is refused with exit 2; no directory appears."""
    result = cli("doctor", "list", store=tmp_path / "nowhere" / "opd.db")
    assert result.code == 2
    assert result.err.strip().endswith(f"directory {tmp_path / 'nowhere'} does not exist")
    assert list(tmp_path.iterdir()) == []


def test_directory_as_store_is_refused(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """A --db naming a directory is refused with exit 2."""
    result = cli("doctor", "list", store=tmp_path)
    assert result.code == 2 and "is a directory" in result.err


def test_bad_input_creates_no_store(db: Path, cli: Callable[..., Result]) -> None:
    """Input checked before the store is opened: a typo on a first command creates no file."""
    assert cli(*slot_with(capacity="0")).code == 2
    assert cli("token", "book", "--slot", "1", "--source", "VIP", "--patient", "A").code == 2
    assert not db.exists()


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["doctor", "add", "--name", b"\xff", "--db", b"new.db"], "--name"),
        ([*BOOK[:6], "--patient", b"P\xe9rez", "--db", b"new.db"], "--patient"),
        (["doctor", "add", "--name", "Dr Rao", "--db", b"x\xff.db"], "--db"),
        (["run", str(SCENARIO), "--no-report", "--out", b"out\xff"], "--out"),
    ],
    ids=["name", "patient", "db", "run-out"],
)
def test_undecodable_argument_refused_before_anything_is_created(
    tmp_path: Path, argv: list[str | bytes], option: str
) -> None:
    """A non-UTF-8 argument is refused with exit 2 naming it, before any store or output directory
    is created: nothing appears in the working directory."""
    done = subprocess.run(
        [OPD_SIM, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"opd-sim: error: {option}: '") and "Traceback" not in done.stderr
    assert done.stderr.endswith("is not valid UTF-8 text\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["doctor", "add", "--name", "Dr Rao"], ["doctor", "list"]])
def test_empty_db_option_is_refused_not_defaulted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """`--db ''` is a mistake (an unset variable), not a request for $OPD_SIM_DB or ./opd.db."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPD_SIM_DB", str(tmp_path / "env.db"))
    done = subprocess.run(
        [OPD_SIM, *command, "--db", ""], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "opd-sim: error: --db: must not be empty\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    ["Dr Rao", "डॉ. राव", "ഡോ. റാ\u200dവ്", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
     "José Ñúñez", "O'Brien-Smith"],  # Persian with a zero-width non-joiner, written as escapes
)
def test_names_in_any_script_are_kept_as_typed(opd: Callable[..., Result], name: str) -> None:
    """Letters of any script, marks and the joiners U+200C/U+200D (Indic, Persian spelling) are
    names: stored and printed exactly as typed, through the real console script."""
    assert opd("doctor", "add", "--name", name).json == {"id": 1, "name": name}
    assert opd("doctor", "list", json_output=False).out.splitlines()[1] == f"1   {name}"


def _damage_page(db: Path, table: str) -> None:
    """Overwrite 64 bytes at the start of the b-tree page holding ``table`` (its header and
    first cell pointers), as a bad disk sector or a stray write would."""
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    found = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", (table,)).fetchone()
    conn.close()
    root = found[0] if found else 1  # sqlite_schema itself is rooted at page 1
    offset = (root - 1) * page_size + (100 if root == 1 else 0)  # page 1 starts with the header
    with db.open("r+b") as file:
        file.seek(offset)
        file.write(b"\xab" * 64)


@pytest.mark.parametrize(
    ("table", "argv"),
    [
        ("slot", ["slot", "list"]),
        ("slot", slot_with()),
        ("slot", BOOK),
        ("slot", ["token", "cancel", "1"]),
        ("slot", ["token", "no-show", "1"]),
        ("slot", ["token", "list", "--slot", "1"]),
        ("token", ["token", "list"]),
        ("sqlite_schema", ["doctor", "list"]),
        ("sqlite_schema", ["doctor", "add", "--name", "Dr Iyer"]),
    ],
    ids=lambda value: " ".join(value[:3]) if isinstance(value, list) else value,
)
def test_damaged_store_is_reported_not_a_bug(
    store: Path, opd: Callable[..., Result], table: str, argv: list[str]
) -> None:
    """A store damaged inside a page ("database disk image is malformed") gives exit 2 and one
    line saying the store is damaged, not an internal error; the file keeps every byte."""
    _damage_page(store, table)
    before = store.read_bytes()
    result = opd(*argv)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"opd-sim: error: store {store} is damaged: database disk image is malformed"
        " (restore it from a backup)\n"
    )
    assert store.read_bytes() == before
    assert sorted(p.name for p in store.parent.iterdir()) == [store.name]


def test_sqlite_errors_that_are_our_bugs_are_not_reported_as_the_store(db: Path) -> None:
    """Only the store's own condition becomes StoreError: a broken CHECK or bad SQL inside a
    transaction stays the SQLite error it is (a bug, exit 1), and is rolled back."""
    conn = connect(db)
    with pytest.raises(sqlite3.IntegrityError), transaction(conn) as inside:
        inside.execute("INSERT INTO doctor (name) VALUES ('Dr Rao')")
        inside.execute("INSERT INTO doctor (name) VALUES ('   ')")
    no_table = pytest.raises(sqlite3.OperationalError, match="no such table")
    with no_table, transaction(conn, write=False) as inside:
        inside.execute("SELECT * FROM nowhere")
    assert conn.execute("SELECT count(*) FROM doctor").fetchone() == (0,)
    conn.close()


NO_STORE = "(check --db and $OPD_SIM_DB; the first `opd-sim doctor add` creates a store)"


@pytest.mark.parametrize(
    "argv",
    [
        ["doctor", "list"],
        ["slot", "list"],
        ["token", "list"],
        slot_with(),
        BOOK,
        ["token", "cancel", "1"],
        ["token", "no-show", "1"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_only_doctor_add_creates_a_store(tmp_path: Path, argv: list[str]) -> None:
    """Any other command on a missing store (a mistyped --db, or the default ./opd.db in the wrong
    directory) is exit 2 "no store at PATH" and creates nothing: a typo must not look like an
    empty hospital, nor leave an empty store behind."""
    env = {name: value for name, value in os.environ.items() if name != "OPD_SIM_DB"}
    for db in (["--db", "typo.db"], []):  # --db, and the default ./opd.db
        done = subprocess.run(
            [OPD_SIM, *argv, *db], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        path = db[1] if db else "opd.db"
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr == f"opd-sim: error: no store at {path} {NO_STORE}\n"
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make", ["empty file", "empty SQLite database"])
def test_read_on_an_empty_file_is_no_store_and_leaves_it(
    db: Path, cli: Callable[..., Result], make: str
) -> None:
    """An empty file or empty SQLite database is not a store yet: listing it says so (exit 2)
    without initialising it; `doctor add` would."""
    if make == "empty file":
        db.touch()
    else:
        sqlite3.connect(db).execute("VACUUM").connection.close()
    before = db.read_bytes()
    result = cli("doctor", "list")
    assert (result.code, result.err) == (2, f"opd-sim: error: no store at {db} {NO_STORE}\n")
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_path_with_a_newline_is_echoed_on_one_line(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    """A message naming a --db path with a newline or escape code in it stays one line, with
    those characters escaped."""
    result = cli("doctor", "list", store=tmp_path / "typo\n\x1b[2J.db")
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith(f"opd-sim: error: no store at {tmp_path}/typo\\n\\x1b[2J.db (")
