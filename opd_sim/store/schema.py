"""The booking store's tables, and the checks that a SQLite file is one of ours and not too new.

The rules the engine enforces are also held by the schema (capacity of at least 1, end after start,
known sources and statuses, foreign keys), so even a buggy writer cannot store an impossible slot.
Times are ISO 8601 text in one fixed format (``YYYY-MM-DDTHH:MM:SS``, local wall-clock time), so
text order is time order and ``CHECK ("end" > start)`` compares times.
"""

from __future__ import annotations

import sqlite3

from opd_sim.engine.vocabulary import DecisionKind, Source, TokenStatus
from opd_sim.errors import StoreError

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "check_or_create"]

#: ``PRAGMA application_id`` of every opd_sim store: "OPDS" in ASCII.
APPLICATION_ID = 0x4F504453
#: ``PRAGMA user_version`` this code writes and understands; bump it with a migration.
SCHEMA_VERSION = 2

#: Statements that take a store from version ``v`` to ``v + 1``, run in one transaction.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    # version 2: the audit table's columns are the decision record's field names
    1: (
        "ALTER TABLE audit RENAME COLUMN slot_allocated TO seats_held",
        "ALTER TABLE audit RENAME COLUMN slot_capacity TO capacity",
    ),
}


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_SOURCES = _one_of("source", [s.name for s in Source])
_STATUSES = _one_of("status", [s.value for s in TokenStatus])
_KINDS = _one_of("kind", [k.value for k in DecisionKind])

# One statement per item: executescript() would commit the surrounding transaction.
TABLES = (
    """CREATE TABLE doctor (
        id   INTEGER PRIMARY KEY CHECK (id >= 1),
        name TEXT NOT NULL CHECK (length(trim(name)) > 0)
    )""",
    """CREATE TABLE slot (
        id        INTEGER PRIMARY KEY CHECK (id >= 1),
        doctor_id INTEGER NOT NULL REFERENCES doctor (id),
        day       TEXT NOT NULL CHECK (day = substr(start, 1, 10)),
        start     TEXT NOT NULL,
        "end"     TEXT NOT NULL CHECK ("end" > start),
        capacity  INTEGER NOT NULL CHECK (typeof(capacity) = 'integer' AND capacity >= 1)
    )""",
    "CREATE INDEX slot_by_doctor_day ON slot (doctor_id, day, start)",
    f"""CREATE TABLE token (
        id                INTEGER PRIMARY KEY CHECK (id >= 1),
        seq               INTEGER NOT NULL UNIQUE CHECK (seq >= 1),
        slot_id           INTEGER NOT NULL REFERENCES slot (id),
        requested_slot_id INTEGER NOT NULL REFERENCES slot (id),
        source            TEXT NOT NULL CHECK ({_SOURCES}),
        patient           TEXT NOT NULL,
        status            TEXT NOT NULL CHECK ({_STATUSES}),
        times_bumped      INTEGER NOT NULL DEFAULT 0 CHECK (times_bumped >= 0),
        requested_at      REAL NOT NULL
    )""",
    "CREATE INDEX token_by_slot ON token (slot_id, status)",
    f"""CREATE TABLE audit (
        id               INTEGER PRIMARY KEY,
        time             REAL NOT NULL,
        kind             TEXT NOT NULL CHECK ({_KINDS}),
        token_id         INTEGER NOT NULL REFERENCES token (id),
        source           TEXT NOT NULL CHECK ({_SOURCES}),
        doctor_id        INTEGER NOT NULL REFERENCES doctor (id),
        slot_id          INTEGER NOT NULL REFERENCES slot (id),
        related_token_id INTEGER REFERENCES token (id),
        reason           TEXT NOT NULL,
        seats_held       INTEGER NOT NULL,
        capacity         INTEGER NOT NULL,
        recorded_at      TEXT NOT NULL
    )""",
    "CREATE INDEX audit_by_token ON audit (token_id)",
)


def check_or_create(conn: sqlite3.Connection, name: str, create: bool = True) -> bool:
    """Create the schema in an empty database (if ``create``), or check that ``conn`` holds a
    store we can use; whether there is a store now (False: empty, and not ``create``).

    Creating or migrating runs in its own ``BEGIN IMMEDIATE`` transaction, deciding again under
    the write lock, so that many processes opening a new store at once create it exactly once:
    the others queue behind the lock and then find the finished store. Raises
    :class:`StoreError` for a foreign or newer database.
    """
    version = _version(conn, name)
    if version == SCHEMA_VERSION:
        return True  # the common case: no write lock needed
    if version == 0 and not create:
        return False  # nothing is written: an empty file stays as it is
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn, name)  # another process may have created it meanwhile
        if version == 0:
            for statement in TABLES:
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            version = SCHEMA_VERSION
        while version < SCHEMA_VERSION:  # older: migrate step by step, all or nothing
            if version not in MIGRATIONS:
                raise StoreError(
                    f"{name} has store schema version {version} and no migration from it"
                )
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already; keep the first error
            conn.execute("ROLLBACK")
        raise
    return True


def _version(conn: sqlite3.Connection, name: str) -> int:
    """The store's schema version; 0 for an empty database we may initialise."""
    # One statement, so one snapshot: read one by one, the three could straddle another
    # process's creating commit (application id 0 read before it, tables counted after) and a
    # store being created would look like a foreign database.
    app_id, version, tables = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id),"
        " (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema)"
    ).fetchone()
    if app_id == 0 and version == 0 and tables == 0:
        return 0
    if app_id != APPLICATION_ID:
        raise StoreError(f"{name} is a SQLite database but not an opd_sim store")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{name} has store schema version {version}, newer than this opd-sim understands "
            f"({SCHEMA_VERSION}); upgrade opd-sim"
        )
    if version < 1:
        raise StoreError(f"{name} is an opd_sim store with an invalid schema version {version}")
    return version
