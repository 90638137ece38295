"""``opd-sim report DIR``: the HTML report of a run's or a comparison's output directory."""

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
    sub = commands.add_parser("report", parents=[parent],
                              help="rebuild the HTML report of a run or comparison directory")
    sub.add_argument("directory", metavar="DIR",
                     help="a directory written by `opd-sim run` or `opd-sim compare --out`")
    sub.set_defaults(handler=_report)
