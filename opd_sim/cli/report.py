"""``opd-sim report DIR``: rebuild the HTML report of a run's, comparison's or sweep's directory."""

from __future__ import annotations

import argparse
from typing import Any

from opd_sim.cli.app import print_json


def _report(args: argparse.Namespace) -> int:
    from opd_sim.run_output import write_report

    target = write_report(args.directory)
    if args.json:
        print_json({"report": str(target)})
    else:
        print(f"wrote {target}")
    return 0


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``report``."""
    sub = commands.add_parser(
        "report", parents=[parent],
        help="rebuild the HTML report of a run, comparison or sweep directory",
    )  # fmt: skip
    sub.add_argument("directory", metavar="DIR",
                     help="a directory written by `opd-sim run`, `compare --out` or `sweep`")
    sub.set_defaults(handler=_report)
