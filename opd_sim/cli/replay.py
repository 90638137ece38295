"""``opd-sim replay``: a store's recorded days (or another system's requests) under other policies.

The events are rebuilt from ``--db`` (the booking store, read only) or read from ``--requests``
(a CSV file, docs/replay.md), then replayed under each ``--policy``. A store's replays are each
compared with what actually happened (its audit log and tokens); a requests file has no actual
decisions, so its replays are compared with the first policy's, the baseline.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path
from typing import Any

from opd_sim.cli.app import print_json, print_table
from opd_sim.errors import InvalidInput
from opd_sim.outputs import OwnedFiles

__all__ = ["add_commands", "replay_output"]

#: Changed tokens printed per policy unless ``--show`` says otherwise.
DEFAULT_SHOWN = 20




def replay_output() -> OwnedFiles:
    """What `opd-sim replay --out DIR` owns in each policy's subdirectory DIR/POLICY: the
    comparison, and a run's files, so that `opd-sim report DIR/POLICY` reports on the replay
    (and a later replay may replace its report). Built when asked: the run's file names come
    with the reporting, too heavy to import at start-up."""
    from opd_sim.run_output import REPLAY_FILES, RUN_FILES
    from opd_sim.simulation.reading import RUN_DATA_FILES

    return OwnedFiles(REPLAY_FILES | RUN_FILES, REPLAY_FILES | frozenset(RUN_DATA_FILES),
                      hint="give a new or empty directory, or one `opd-sim replay` wrote")


def _folder(label: str) -> str:
    """The subdirectory of ``--out`` a policy's output goes to: its label, file-name safe."""
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", label).strip("_.") or "policy"


def _replay(args: argparse.Namespace) -> int:
    from opd_sim.engine import make_policy
    from opd_sim.experiments.comparison import parse_policy
    from opd_sim.history import read_store
    from opd_sim.history.comparison import compare_histories
    from opd_sim.history.events import events_from_history, read_requests
    from opd_sim.history.replay import replay
    from opd_sim.outputs import check_out_dir

    if args.show < 0:
        raise InvalidInput("replay: --show must be 0 or more")
    for option, value in (("--requests", args.requests), ("--out", args.out), ("--db", args.db)):
        if value == "":  # e.g. --out "$UNSET": a mistake, not '.' nor "no output"
            raise InvalidInput(f"{option}: must not be empty")
    texts = args.policy or ["priority-bump"]
    policies = [(text, *parse_policy(text)) for text in texts]
    for _, name, params in policies:
        make_policy(name, params)  # an unknown policy or parameter: exit 2 before any work
    folders = [_folder(text) for text in texts]
    doubled = next((t for t, f in zip(texts, folders, strict=True) if folders.count(f) > 1), None)
    if doubled is not None:
        raise InvalidInput(f"replay: --policy {doubled} is given twice")
    if args.out:
        _check_out(Path(args.out), folders)
        for folder in folders:
            check_out_dir(Path(args.out) / folder, replay_output(),
                          f"--out {args.out}/{folder}")  # fmt: skip
    if args.requests is not None:
        stream = read_requests(args.requests)
    else:
        from opd_sim.store.connection import resolve_path

        stream = events_from_history(read_store(resolve_path(args.db)))
    replays = [replay(stream, name, label=text, **params) for text, name, params in policies]
    if stream.actual is not None:
        actual, baseline = stream.actual, "actual"
    else:
        actual, baseline = replays[0].history, replays[0].policy
    document: dict[str, Any] = {
        "input": stream.origin,
        "events": stream.counts(),
        "baseline": baseline,
        "policies": [],
    }
    for done in replays:
        comparison = compare_histories(actual, done.history)
        document["policies"].append({
            "policy": done.policy,
            "not_applicable": [
                {"event": skip.event.kind, "token": skip.event.token, "time": skip.event.time,
                 "row": skip.event.row, "reason": skip.reason}
                for skip in done.not_applicable
            ],
            **comparison.as_dict(),
        })  # fmt: skip
    if args.out:
        _write(args.out, folders, document, [done.history for done in replays])
    if args.json:
        print_json(document)
    else:
        _print(document, args.show)
        if args.out:
            files = "replay_comparison.json, changed_tokens.csv, frames, summary, manifest"
            sys.stdout.write(f"\nwrote {args.out}/POLICY/ ({files}) for "
                             f"{', '.join(folders)}\n")  # fmt: skip
    return 0


def _check_out(out: Path, folders: list[str]) -> None:
    """``--out`` must be new, empty, or hold only replays' folders (ours now, or earlier ones:
    each holds a ``replay_comparison.json``), so a replay never scatters folders among other
    files; and it is a directory of its own, not a link to one."""
    if out.is_symlink():
        raise InvalidInput(f"--out {out} is a symbolic link; give the directory itself")
    if not out.exists():
        return
    if not out.is_dir():
        raise InvalidInput(f"--out {out} exists and is not a directory")
    foreign = sorted(entry.name for entry in out.iterdir()
                     if entry.name not in folders
                     and not (entry.is_dir() and not entry.is_symlink()
                              and (entry / "replay_comparison.json").is_file()))  # fmt: skip
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise InvalidInput(f"--out {out} holds other files ({shown}); give a new or empty "
                           "directory, or one `opd-sim replay --out` wrote")


def _write(out: str, folders: list[str], document: dict[str, Any],
           histories: list[Any]) -> None:  # fmt: skip
    """Per policy, ``OUT/POLICY/``: the replay as a run's data files (decisions, patients and
    slots frames, summary.json, manifest.json: ``opd-sim report OUT/POLICY`` reports on it),
    ``replay_comparison.json`` and ``changed_tokens.csv``, each directory written atomically."""
    import json

    from opd_sim.export_output import write_history_files
    from opd_sim.history.comparison import CHANGED_COLUMNS
    from opd_sim.outputs import write_directory

    for folder, entry, history in zip(folders, document["policies"], histories, strict=True):
        single = {key: value for key, value in document.items() if key != "policies"}
        single.update(entry)
        manifest = {"replayed_from": document["input"], "policy": entry["policy"],
                    "events": document["events"],
                    "doctors": {str(d.id): d.name for d in history.doctors},
                    "decisions": len(history.decisions)}  # fmt: skip

        def fill(staging: Path, single: dict[str, Any] = single, history: Any = history,
                 manifest: dict[str, Any] = manifest) -> None:  # fmt: skip
            write_history_files(staging, history, manifest)
            (staging / "replay_comparison.json").write_text(json.dumps(single, indent=2) + "\n",
                                                     encoding="utf-8")  # fmt: skip
            with (staging / "changed_tokens.csv").open("w", encoding="utf-8", newline="") as f:
                writer = csv.DictWriter(f, CHANGED_COLUMNS)
                writer.writeheader()
                writer.writerows(single["changed"])

        write_directory(Path(out) / folder, replay_output(), fill, label=f"--out {out}/{folder}")


def _print(document: dict[str, Any], shown: int) -> None:
    out = sys.stdout
    events = ", ".join(f"{count} {kind}" for kind, count in document["events"].items())
    against = ("what actually happened" if document["baseline"] == "actual"
               else f"the baseline, {document['baseline']}")  # fmt: skip
    out.write(f"replay of {document['input']}: {events} events; compared with {against}\n")
    for entry in document["policies"]:
        out.write(f"\n== {entry['policy']} ==\n")
        skipped = entry["not_applicable"]
        if skipped:
            out.write(f"not applicable: {len(skipped)} event{'s' * (len(skipped) != 1)}\n")
            for skip in skipped[:shown]:
                where = f"row {skip['row']}: " if skip["row"] is not None else ""
                out.write(f"  {where}{skip['event']} of token {skip['token']}: "
                          f"{skip['reason']}\n")  # fmt: skip
        # a requests file's "actual" column is the baseline policy's replay
        first = "actual" if document["baseline"] == "actual" else "baseline"
        rows = [{"source": row["source"], "decision": row["decision"], first: row["actual"],
                 "replayed": row["replayed"],
                 "change": f"{row['replayed'] - row['actual']:+d}"
                 if row["replayed"] != row["actual"] else ""}
                for row in entry["counts"] if row["actual"] or row["replayed"]]  # fmt: skip
        print_table(rows, ["source", "decision", first, "replayed", "change"])
        changed = entry["changed"]
        more = f", the first {shown}" if len(changed) > shown else ""
        out.write(f"changed tokens: {len(changed)}{more}\n")
        if changed and shown:
            print_table(changed[:shown], ["token", "source", "patient", "actual_outcome",
                                          "replayed_outcome"])  # fmt: skip


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``replay``."""
    sub = commands.add_parser(
        "replay", parents=[parent], help="replay recorded days under other policies",
        description="Rebuild the slot openings, requests, cancellations and no-shows of a "
        "booking store (--db) or a requests CSV file (--requests, see docs/replay.md), drive "
        "the engine through them under each --policy, and compare: decisions by source, and "
        "the tokens whose outcome changed. A store's replays are compared with what actually "
        "happened; a requests file's with the first --policy.",
    )  # fmt: skip
    given = sub.add_mutually_exclusive_group()
    given.add_argument("--db", metavar="PATH", help="the booking store, read only "
                       "(default: $OPD_SIM_DB, else ./opd.db)")  # fmt: skip
    given.add_argument("--requests", metavar="FILE.csv", help="a requests CSV file instead")
    sub.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="NAME[:k=v,...]",
        help="a policy, with parameters if any (repeat; default priority-bump)",
    )
    sub.add_argument("--out", metavar="DIR", help="also write, per policy, DIR/POLICY/ with "
                     "replay_comparison.json, changed_tokens.csv and the replay as a run's "
                     "data files")  # fmt: skip
    sub.add_argument(
        "--show",
        type=int,
        default=DEFAULT_SHOWN,
        metavar="N",
        help=f"changed tokens printed per policy (default {DEFAULT_SHOWN})",
    )
    sub.set_defaults(handler=_replay)
