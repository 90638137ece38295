"""``opd-sim validate SCENARIO``: check a scenario file, one ``file:line:col`` line per problem.

Imports only pydantic and ruamel.yaml (no pandas, numpy or SimPy), so it answers at once.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opd_sim.cli.app import print_json
from opd_sim.errors import ScenarioError


def _validate(args: argparse.Namespace) -> int:
    from opd_sim.scenario import load_scenario
    from opd_sim.scenario.description import describe

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as error:
        if args.json:
            problems = [_as_dict(problem) for problem in error.problems]
            print_json({"ok": False, "file": args.scenario, "problems": problems})
        raise  # the CLI writes each problem as its own line on stderr and exits 2
    facts = describe(scenario)
    if args.json:
        print_json({"ok": True, "file": args.scenario, **facts})
        return 0
    days, doctors = facts["days"], facts["doctors"]
    sources = f"demand from {', '.join(facts['sources'])}" if facts["sources"] else "no demand"
    size = facts["estimate"]
    sys.stdout.write(
        f"{args.scenario}: OK: {facts['name']!r}, {days} day{'s' if days != 1 else ''}, "
        f"{doctors} doctor{'s' if doctors != 1 else ''}, {sources}\n"
        f"{args.scenario}: estimated per replication: about {size['tokens']:,} tokens, "
        f"{size['slots']:,} slots, {size['decisions']:,} decisions\n"
    )
    if size["over_limit"]:  # valid, but `opd-sim run` would refuse it: say so now
        sys.stdout.write(f"{args.scenario}: too big to run as it is: {size['over_limit']}\n")
    return 0


def _as_dict(problem: str) -> dict[str, Any]:
    as_dict = getattr(problem, "as_dict", None)
    return as_dict() if as_dict is not None else {"text": str(problem)}


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``validate``."""
    sub = commands.add_parser(
        "validate",
        parents=[parent],
        help="check a scenario file",
        description="Check a scenario YAML file: exit 0 if it is valid, else exit 2 with one "
        "'file:line:col: field: message' line per problem on stderr.",
    )
    sub.add_argument("scenario", metavar="SCENARIO", help="the scenario YAML file")
    sub.set_defaults(handler=_validate)
