"""The ``opd-sim`` command line: parse, call the library, print.

Each command group lives in its own module with an ``add_commands(subparsers)`` function; this
module only wires them together and turns errors into exit codes. Command modules import pandas,
numpy and SimPy inside their handlers, never at module level, so booking commands start fast.
"""

from __future__ import annotations

from opd_sim.cli.app import main

__all__ = ["main"]
