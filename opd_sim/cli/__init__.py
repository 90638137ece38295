"""The ``opd-sim`` command line: parse, call the library, print.

Each command group lives in its own module with an ``add_commands(subparsers, parent)`` function
(the desk's three groups have one each too); ``opd_sim.cli.app`` wires them together, building
only the command a command line names (``COMMANDS``), and turns errors into exit codes. Command
modules import pandas, numpy and SimPy inside their handlers, never at module level, so booking
commands start fast.
"""

from __future__ import annotations

from opd_sim.cli.app import main

__all__ = ["main"]
