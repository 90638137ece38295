"""``opd-sim compare``: one scenario under several policies, on common random numbers."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opd_sim.cli.app import print_json
from opd_sim.cli.simulate import add_executor_options, add_size_options, check_size
from opd_sim.errors import InvalidInput

if TYPE_CHECKING:
    from opd_sim.outputs import OwnedFiles

__all__ = ["COMPARE_FILES", "add_commands"]

COMPARE_FILES = frozenset(
    {"comparison.csv", "comparison.json", "comparison_replications.parquet"}
)


def _interval(low: Any, high: Any) -> str:
    if low is None or (isinstance(low, float) and math.isnan(low)):
        return ""
    return f"[{low:.2f}, {high:.2f}]"


def _print(comparison: Any) -> None:
    out = sys.stdout
    out.write(f"scenario {comparison.scenario}  seed {comparison.seed}  "
              f"replications {comparison.replications}  baseline {comparison.policies[0]}\n")
    out.write("means with 95 % intervals; differences are paired with the baseline "
              "(common random numbers)\n\n")  # fmt: skip
    out.write(f"{'metric':<28} {'policy':<28} {'mean':>9} {'95% CI':>20} "
              f"{'vs baseline':>12} {'95% CI':>20}\n")  # fmt: skip
    for row in comparison.table.itertuples(index=False):
        if row.mean is None or math.isnan(row.mean):
            continue
        out.write(
            f"{row.metric:<28} {row.policy[:28]:<28} {row.mean:>9.2f} "
            f"{_interval(row.ci_low, row.ci_high):>20} {row.diff_vs_baseline:>12.2f} "
            f"{_interval(row.diff_ci_low, row.diff_ci_high):>20}\n"
        )


def _write(comparison: Any, out: str) -> None:
    """The three comparison files, swapped into ``out`` at once by the shared writer."""
    from opd_sim.outputs import write_directory

    def fill(staging: Path) -> None:
        comparison.table.to_csv(staging / "comparison.csv", index=False)
        comparison.per_replication.to_parquet(staging / "comparison_replications.parquet",
                                              index=False)  # fmt: skip
        (staging / "comparison.json").write_text(json.dumps(comparison.to_json(), indent=2)
                                                 + "\n", encoding="utf-8")  # fmt: skip

    write_directory(out, _owned(), fill)


def _owned() -> OwnedFiles:
    """What compare owns in its --out: all three files, always together."""
    from opd_sim.outputs import OwnedFiles  # light, but the desk commands need none of it

    return OwnedFiles(COMPARE_FILES, COMPARE_FILES)


def _compare(args: argparse.Namespace) -> int:
    from opd_sim.experiments import compare_policies, open_executor, parse_policy
    from opd_sim.scenario import load_scenario

    if len(args.policy) < 2:
        raise InvalidInput("compare: give at least two --policy options")
    if not 2 <= args.replications <= 100_000:
        raise InvalidInput("compare: --replications must be from 2 (for intervals) to 100,000")
    if args.seed is not None and args.seed < 0:
        raise InvalidInput("compare: --seed must be 0 or more")
    policies = [parse_policy(text) for text in args.policy]
    scenario = load_scenario(args.scenario)
    check_size("compare", args, scenario)  # per policy: each one's replications are held at once
    if args.out:
        from opd_sim.outputs import check_out_dir

        check_out_dir(args.out, _owned())  # before the work, like `run`
    with open_executor(args.workers, args.dask, tasks=args.replications) as executor:
        comparison = compare_policies(scenario, policies, args.replications, args.seed, executor)
    if args.out:
        _write(comparison, args.out)
    if args.json:
        print_json(comparison.to_json())
    else:
        _print(comparison)
        if args.out:
            sys.stdout.write(f"\nwrote {args.out}/ (comparison.csv, comparison.json, "
                             "comparison_replications.parquet)\n")  # fmt: skip
    return 0


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``compare``."""
    sub = commands.add_parser(
        "compare", parents=[parent], help="compare policies on one scenario",
        description="Run SCENARIO under each --policy on the same seed and replications and "
        "report each metric's mean and its paired difference from the first policy.",
    )  # fmt: skip
    sub.add_argument("scenario", metavar="SCENARIO", help="a scenario YAML file")
    sub.add_argument("--policy", action="append", default=[], metavar="NAME[:k=v,...]",
                     help="a policy, with parameters if any (repeat; the first is the baseline)")
    sub.add_argument("--replications", type=int, default=10, metavar="R",
                     help="replications per policy (default 10)")
    sub.add_argument("--seed", type=int, help="override the scenario's seed")
    sub.add_argument("--out", metavar="DIR", help="also write the comparison files here")
    add_executor_options(sub)
    add_size_options(sub)
    sub.set_defaults(handler=_compare)
