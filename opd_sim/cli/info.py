"""``opd-sim policies``: what the engine can be told to do."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from opd_sim.cli.app import print_json, print_table
from opd_sim.engine import make_policy, policy_class, policy_names


def _policies(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    for name in policy_names():
        cls = policy_class(name)
        defaults = make_policy(name)
        params = {f.name: getattr(defaults, f.name) for f in dataclasses.fields(cls)}
        summary = (cls.__doc__ or "").strip().splitlines()[0]
        rows.append({"name": name, "parameters": params, "description": summary})
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["name", "parameters", "description"])
    return 0


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``policies``."""
    sub = commands.add_parser("policies", parents=[parent], help="list allocation policies")
    sub.set_defaults(handler=_policies)
