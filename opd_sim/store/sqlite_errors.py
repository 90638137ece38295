"""Which SQLite errors are the store's condition (exit 2, one line) and which are our bugs.

A damaged file, a file that is not a database, a lock held past the busy timeout, a read-only
file or a full disk are facts about the store the user can act on: :class:`StoreError`. A
constraint violation, SQL that does not compile or a misused API are bugs of ours and must stay
exit 1, so they are never mapped here.
"""

from __future__ import annotations

import os
import sqlite3

from opd_sim.errors import StoreError

__all__ = ["store_error"]

# primary result codes (the low byte of an extended code) that mean the file itself is bad
_DAMAGED = {sqlite3.SQLITE_CORRUPT}
_NOT_A_DATABASE = {sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT}


def store_error(error: sqlite3.Error, path: str | os.PathLike[str] | None) -> StoreError | None:
    """The StoreError to report for ``error`` met while using the store at ``path`` (None: a
    store not named); None when the error is a bug of ours (to be reported as one)."""
    store = f"store {path}" if path is not None else "the store"
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if code in _DAMAGED:  # "database disk image is malformed": a page of the file is broken
        return StoreError(f"{store} is damaged: {error} (restore it from a backup)")
    if code in _NOT_A_DATABASE:  # "file is not a database": a SQLite header, then garbage
        return StoreError(f"{store} is not an opd_sim store ({error})")
    if isinstance(error, sqlite3.OperationalError) and code != sqlite3.SQLITE_ERROR:
        # locked past the busy timeout, read-only, disk I/O, disk full, cannot open...
        return StoreError(f"cannot use {store}: {error}")
    return None
