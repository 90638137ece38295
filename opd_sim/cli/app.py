"""Argument parsing, error-to-exit-code mapping and output for every ``opd-sim`` command.

A command line that names its command builds the parser of that command only (``opd-sim token
book`` builds the ``token`` group's parsers, not the simulator's): importing every command's
module and building every parser took about a tenth of a booking's start-up, which must stay
within twice Python's own (issue 11, ``benchmarks/bench_desk_startup.py``). Help, usage and
errors read the same either way.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from opd_sim.cli.argv import refuse_undecodable
from opd_sim.errors import InvalidInput, OpdSimError, ScenarioError

Handler = Callable[[argparse.Namespace], int]

#: Every command, in the order ``opd-sim --help`` lists them, and the function that registers
#: it as ``module:function``; each such function has the signature (subparsers, parent) and is
#: called once however many commands it registers (``run`` and ``simulate-day``).
COMMANDS = {
    "policies": "opd_sim.cli.info:add_commands",
    "doctor": "opd_sim.cli.desk:add_doctor_commands",
    "slot": "opd_sim.cli.desk:add_slot_commands",
    "token": "opd_sim.cli.desk:add_token_commands",
    "export": "opd_sim.cli.export:add_commands",
    "validate": "opd_sim.cli.validate:add_commands",
    "run": "opd_sim.cli.simulate:add_commands",
    "simulate-day": "opd_sim.cli.simulate:add_commands",
    "compare": "opd_sim.cli.compare:add_commands",
    "sweep": "opd_sim.cli.sweep:add_commands",
    "report": "opd_sim.cli.report:add_commands",
    "replay": "opd_sim.cli.replay:add_commands",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and InvalidInput (exit 2)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("opd-sim").strip()
        raise InvalidInput(f"{command}: {message}" if command else message)


def json_option() -> argparse.ArgumentParser:
    """A parent parser giving a command the ``--json`` flag."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="print JSON for programs")
    return parent


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``opd-sim`` parser: with every command, or only the command ``argv`` starts with.

    Only a command name as the very first argument narrows it; anything else (no command, an
    option first, a typo) gets every command, so that the usage and the "invalid choice" error
    list them all.
    """
    import importlib

    parser = _Parser(prog="opd-sim", description="Hospital OPD token allocation.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parent = json_option()
    first = argv[0] if argv else None
    targets = [COMMANDS[first]] if first in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for target in targets:
        module, _, function = target.partition(":")
        getattr(importlib.import_module(module), function)(commands, parent)
    return parser


def print_json(payload: Any) -> None:
    """Print ``payload`` as JSON on stdout (the ``--json`` contract)."""
    import json  # here, not at the top: only --json needs it, and a booking starts without it

    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Print rows as a plain aligned table for people."""
    if not rows:
        sys.stdout.write("(none)\n")
        return
    cells = [[str(row.get(col, "")) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    lines = ["  ".join(col.ljust(w) for col, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    sys.stdout.write("\n".join(line.rstrip() for line in lines) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``opd-sim`` command; return its exit code (0 ok, 2 input, 3 rules, 1 bug)."""
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        refuse_undecodable(argv, build_parser)  # before any command can create or open a file
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if args.version:
            from opd_sim import __version__

            sys.stdout.write(f"opd-sim {__version__}\n")
            return 0
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:  # like argparse and git: the usage and the error, both on stderr
            parser.print_usage(sys.stderr)
            sys.stderr.write("opd-sim: error: give a command (opd-sim --help lists them)\n")
            return 2
        return handler(args)
    except OpdSimError as error:
        # one line per error (a scenario's problems are one line each): a newline or escape code
        # echoed from an argument or a path must not split the line or reach the terminal raw
        lines = error.problems if isinstance(error, ScenarioError) else [str(error)]
        for line in lines or [type(error).__name__]:
            sys.stderr.write(f"opd-sim: error: {_printable(line)}\n")
        return error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("opd-sim: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as bug:  # a bug: say so in one line unless asked for the traceback
        if os.environ.get("OPD_SIM_DEBUG"):
            raise
        sys.stderr.write(
            f"opd-sim: internal error (a bug, please report): {type(bug).__name__}: {bug}"
            " (set OPD_SIM_DEBUG=1 for the traceback)\n"
        )
        return 1


def _printable(line: str) -> str:
    """``line`` with every character that does not print (newline, ESC...) escaped."""
    if line.isprintable():
        return line
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in line)


def run() -> NoReturn:
    """Console-script entry point."""
    code = main()
    # what the command leaves in memory the OS frees as the process ends: kept out of the
    # garbage collections Python runs on its way out, which take a tenth of a second or more
    # once pandas and matplotlib are loaded (atexit handlers and file flushes still run)
    gc.freeze()
    sys.exit(code)
