"""Helpers for the booking desk tests: run the real console script, snapshot a store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# the console script installed next to this interpreter (pip install -e '.[dev]')
OPD_SIM = str(Path(sys.executable).with_name("opd-sim"))


@dataclass
class Result:
    """What one ``opd-sim`` call did: exit code, stdout, stderr; ``json`` parses stdout."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def run_opd_sim(db: Path, *argv: str, json_output: bool = True) -> Result:
    """Run the installed ``opd-sim`` as a real subprocess against the store ``db``."""
    args = [OPD_SIM, *argv, "--db", str(db)] + (["--json"] if json_output else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, env=_env())
    return Result(done.returncode, done.stdout, done.stderr)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("OPD_SIM_DB", None)
    env.pop("OPD_SIM_DEBUG", None)
    return env


def snapshot(path: Path) -> tuple[bytes, list[str]]:
    """A store's exact bytes and its rows as SQL, to show a failed command changed nothing."""
    data = path.read_bytes()
    with sqlite3.connect(path) as conn:
        rows = list(conn.iterdump())
    conn.close()
    return data, rows
