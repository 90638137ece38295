"""Where the booking store lives, opening it safely, and one transaction per command.

A store is opened only if it is ours: a missing directory, a directory, a file that is not SQLite,
a SQLite database of another program or a newer schema are refused with :class:`StoreError`
before anything is written, and no file is created when refusing.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from opd_sim.errors import StoreError
from opd_sim.store.schema import check_or_create
from opd_sim.store.sqlite_errors import store_error

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "DEFAULT_PATH",
    "ENV_VAR",
    "connect",
    "resolve_path",
    "transaction",
]

ENV_VAR = "OPD_SIM_DB"
DEFAULT_PATH = "opd.db"
#: How long a command waits for another writer before giving up; writers queue, they do not fail.
BUSY_TIMEOUT_SECONDS = 30.0
_SQLITE_HEADER = b"SQLite format 3\x00"


def resolve_path(db: str | os.PathLike[str] | None = None) -> Path:
    """The store file: ``db`` if given, else ``$OPD_SIM_DB``, else ``./opd.db``."""
    if db is None or db == "":
        db = os.environ.get(ENV_VAR) or DEFAULT_PATH
    return Path(db)


def connect(path: str | os.PathLike[str], create: bool = True) -> sqlite3.Connection:
    """Open the store at ``path``; raise StoreError if it is not usable.

    With ``create`` a missing file, an empty file or an empty SQLite database becomes a new
    store; without it they are refused ("no store at PATH") and nothing is created or written.
    """
    path = Path(path)
    exists = _refuse_unusable(path, create)
    if not exists and not create:
        raise _no_store(path)
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}",
            uri=True,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
        )
    except sqlite3.Error as error:
        raise StoreError(f"cannot open store {path}: {error}") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        if not check_or_create(conn, str(path), create):
            raise _no_store(path)
        _use_wal(conn, path)
        conn.execute("PRAGMA synchronous = FULL")  # an acknowledged booking survives power loss
    except BaseException as error:
        conn.close()
        mapped = store_error(error, path) if isinstance(error, sqlite3.Error) else None
        if mapped is not None:
            raise mapped from None
        raise
    return conn


def _use_wal(conn: sqlite3.Connection, path: Path) -> None:
    """Put the store in WAL mode (readers never block the writer); kept in the file, so only its
    first users switch it.

    The switch upgrades a read lock to an exclusive one, which SQLite never waits for (two
    switchers would deadlock): while another first user reads, it fails at once with "database
    is locked". So retry it here, for as long as the busy timeout lets any other step wait.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() > deadline:
                raise
            import random  # only on this rare path: every command's start-up stays light

            time.sleep(random.uniform(0.002, 0.02))  # jitter: the switchers do not collide again
            continue
        if mode != "wal":  # e.g. a file system without shared memory for the WAL index
            raise StoreError(f"cannot use store {path}: SQLite cannot keep it in WAL mode ({mode})")
        return


def _no_store(path: Path) -> StoreError:
    # a mistyped --db must not look like an empty hospital, nor leave an empty store behind
    return StoreError(
        f"no store at {path} (check --db and $OPD_SIM_DB;"
        " the first `opd-sim doctor add` creates a store)"
    )


def _refuse_unusable(path: Path, create: bool) -> bool:
    """Refuse a path we must not create or open, before anything is written; whether it exists."""
    try:
        parent_is_dir = path.parent.is_dir()
        exists = path.exists()
    except OSError as error:  # e.g. a name too long for the file system
        raise StoreError(f"cannot use store path {str(path)[:80]}: {error.strerror}") from None
    if not parent_is_dir:
        doing = "cannot create store" if create else "no store at"
        raise StoreError(f"{doing} {path}: directory {path.parent} does not exist")
    if exists:
        if path.is_dir():
            raise StoreError(f"store {path} is a directory, not an opd_sim store")
        if not path.is_file():  # a FIFO would block the read below; a device is no store
            raise StoreError(f"store {path} is not a regular file, so not an opd_sim store")
        try:
            with path.open("rb") as file:
                header = file.read(len(_SQLITE_HEADER))
        except OSError as error:
            raise StoreError(f"cannot read store {path}: {error.strerror}") from None
        if header and header != _SQLITE_HEADER:
            raise StoreError(f"{path} is not an opd_sim store (not a SQLite database)")
    return exists


@contextmanager
def transaction(
    conn: sqlite3.Connection, write: bool = True, path: str | os.PathLike[str] | None = None
) -> Iterator[sqlite3.Connection]:
    """One command's transaction: ``BEGIN IMMEDIATE`` for writers (they queue on the busy
    timeout), a plain deferred read for readers; committed on success, rolled back on any error.

    A SQLite error that is the store's condition (damaged, locked past the timeout, read-only,
    disk full), met anywhere in the transaction, becomes a StoreError naming ``path``.
    """
    try:
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        yield conn
        conn.execute("COMMIT")
    except BaseException as error:
        _rollback(conn)
        mapped = store_error(error, path) if isinstance(error, sqlite3.Error) else None
        if mapped is not None:
            raise mapped from None
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite may already have rolled back by itself (e.g. disk full), and a rollback on a damaged
    # file may fail too: the first error is the one to report, and closing rolls back anyway
    if conn.in_transaction:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
