"""``opd-sim export``: a booking store's doctors, slots, tokens and audit log as a run's data
files (the simulator's frames, summary and a manifest), for ``opd-sim report`` and the
analysis.

pandas and pyarrow are imported inside the handler, so other commands start without them.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opd_sim.cli.app import print_json
from opd_sim.errors import InvalidInput

__all__ = ["add_commands"]


def _export(args: argparse.Namespace) -> int:
    if args.db == "":  # e.g. --db "$UNSET_VARIABLE": a mistake, not a wish for the default store
        raise InvalidInput("--db: must not be empty")
    if args.out == "":
        raise InvalidInput("--out: must not be empty")
    from opd_sim.export_output import write_export
    from opd_sim.history import read_store
    from opd_sim.outputs import check_out_dir
    from opd_sim.run_output import RUN_OUTPUT
    from opd_sim.store import resolve_path

    store = resolve_path(args.db)
    check_out_dir(args.out, RUN_OUTPUT)  # both refusals come before anything is written
    history = read_store(store)
    _, manifest = write_export(history, args.out, store)
    if args.json:
        print_json({"out": args.out, **manifest})
        return 0
    counts = manifest["counts"]
    held = ", ".join(_count(counts[what], what) for what in ("doctors", "slots", "tokens",
                                                            "decisions"))  # fmt: skip
    sys.stdout.write(
        f"exported {store}: {held}\n"
        f"wrote {args.out}/ (decisions.parquet, patients.parquet, slots.parquet, summary.json, "
        f"manifest.json); `opd-sim report {args.out}` draws its report\n"
    )
    return 0


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``export``."""
    text = "write a booking store's history as a run's frames, for `opd-sim report`"
    sub = commands.add_parser("export", parents=[parent], help=text, description=text)
    sub.add_argument(
        "--db", metavar="PATH", help="the booking store (default: $OPD_SIM_DB, else ./opd.db)"
    )
    sub.add_argument("--out", required=True, metavar="DIR",
                     help="a new or empty directory, or an earlier run or export")
    sub.set_defaults(handler=_export)


def _count(number: int, things: str) -> str:
    """3 slots, 1 slot."""
    return f"{number:,} {things if number != 1 else things[:-1]}"
