"""Helpers for the booking desk tests: snapshot a store (running the CLI: ``tests.cli``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def snapshot(path: Path) -> tuple[bytes, list[str]]:
    """A store's exact bytes and its rows as SQL, to show a failed command changed nothing."""
    data = path.read_bytes()
    with sqlite3.connect(path) as conn:
        rows = list(conn.iterdump())
    conn.close()
    return data, rows
