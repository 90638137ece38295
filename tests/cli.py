"""The one way tests run the real ``opd-sim`` command line as a separate process.

``run_cli("token", "list", db=path, json_output=True)`` runs the installed console script and
returns a :class:`Result`; ``start_cli`` starts one without waiting (for concurrent counters),
``cli_argv`` and ``cli_env`` are the command line and environment both use. The environment is
the test's own minus ``OPD_SIM_DB`` and ``OPD_SIM_DEBUG``, so a developer's settings never leak
into a test; pass ``env`` to set variables on top.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# the console script installed next to this interpreter (pip install -e '.[dev]')
OPD_SIM = str(Path(sys.executable).with_name("opd-sim"))
# the same program as a module, for the one test that compares the two
OPD_SIM_MODULE = [sys.executable, "-m", "opd_sim"]

# variables a developer may have set that would change what a command does
_CLEARED = ("OPD_SIM_DB", "OPD_SIM_DEBUG")


@dataclass(frozen=True)
class Result:
    """What one ``opd-sim`` call did: exit code, stdout, stderr; ``json`` parses stdout."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def cli_argv(
    *argv: str, db: str | Path | None = None, json_output: bool = False, module: bool = False
) -> list[str]:
    """The command line: the program, ``argv``, then ``--db DB`` and ``--json`` if asked for."""
    program = OPD_SIM_MODULE if module else [OPD_SIM]
    options = (["--db", str(db)] if db is not None else []) + (["--json"] if json_output else [])
    return [*program, *argv, *options]


def cli_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without OPD_SIM_DB / OPD_SIM_DEBUG, plus ``env``."""
    cleaned = {name: value for name, value in os.environ.items() if name not in _CLEARED}
    return {**cleaned, **(env or {})}


def run_cli(
    *argv: str,
    db: str | Path | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    json_output: bool = False,
    module: bool = False,
    stdin: str | None = None,
) -> Result:
    """Run ``opd-sim ARGV`` to the end (``module``: as ``python -m opd_sim``), with ``stdin``
    piped in if given."""
    done = subprocess.run(
        cli_argv(*argv, db=db, json_output=json_output, module=module),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=cli_env(env),
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def start_cli(
    *argv: str,
    db: str | Path | None = None,
    json_output: bool = False,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[str]:
    """Start ``opd-sim ARGV`` without waiting; stdout and stderr are pipes of text."""
    return subprocess.Popen(
        cli_argv(*argv, db=db, json_output=json_output),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(env),
    )
