"""``opd-sim compare``: one scenario under several policies, on common random numbers."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opd_sim.cli.app import print_json
from opd_sim.cli.simulate import (
    add_executor_options,
    add_size_options,
    check_size,
    progress_bar,
)
from opd_sim.errors import InvalidInput

__all__ = ["add_commands"]


def _print(document: dict[str, Any]) -> None:
    """The comparison for people: each metric under each policy, then waits by source."""
    from opd_sim.experiments.metrics import SOURCES
    from opd_sim.reporting.comparison_plots import find, label_of
    from opd_sim.reporting.comparison_report import amount, interval

    out = sys.stdout
    policies = document["policies"]
    out.write(f"scenario {document['scenario']}  seed {document['seed']}  replications "
              f"{document['replications']} per policy  baseline {document['baseline']}\n")
    out.write("means [95% interval]; differences from the baseline are paired on the same "
              "patients (common random numbers);\n* marks a difference whose interval "
              "excludes 0\n")  # fmt: skip
    width = max(len(p) for p in policies) + 2
    for record in document["metrics"]:
        name, policy = record["metric"], record["policy"]
        if policy == policies[0]:
            out.write(f"\n{label_of(name)}\n")
        bounds = interval(name, record["ci_low"], record["ci_high"])
        mean = f"{amount(name, record['mean']):>9} {bounds:<21}"
        diff = ""
        if policy != policies[0] and record["diff_vs_baseline"] is not None:
            mark = " *" if record["differs"] else ""
            bounds = interval(name, record["diff_ci_low"], record["diff_ci_high"], signed=True)
            diff = f"{amount(name, record['diff_vs_baseline'], signed=True):>9} {bounds}{mark}"
        out.write(f"  {policy:<{width}}{mean}{diff}".rstrip() + "\n")
    out.write("\nmean wait by source (minutes)\n")
    out.write(f"  {'':<{width}}" + "".join(f"{s:>11}" for s in SOURCES) + "\n")
    for policy in policies:
        cells = []
        for source in SOURCES:
            record = find(document, "wait_mean_minutes", policy, source)
            cells.append(amount("wait_mean_minutes", record["mean"] if record else None))
        out.write(f"  {policy:<{width}}" + "".join(f"{c:>11}" for c in cells) + "\n")


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
        from opd_sim.comparison_output import COMPARISON_OUTPUT
        from opd_sim.outputs import check_out_dir

        check_out_dir(args.out, COMPARISON_OUTPUT)  # before the work, like `run`
    runs = len(policies) * args.replications
    with open_executor(args.workers, args.dask, tasks=runs) as executor:
        comparison = compare_policies(
            scenario, policies, args.replications, args.seed, executor,
            progress=progress_bar(runs, desc=f"{len(policies)} policies x replications"),
        )  # fmt: skip
    from opd_sim.comparison_output import comparison_document, write_comparison

    document = comparison_document(comparison, args.scenario)
    if args.out:
        write_comparison(comparison, document, args.out)
    if args.json:
        print_json(document)
    else:
        _print(document)
        if args.out:
            sys.stdout.write(f"\nwrote {args.out}/ (comparison.parquet, comparison.json, "
                             "plots (*.png), report.html)\n")  # fmt: skip
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
    sub.add_argument("--out", metavar="DIR", help="also write the comparison's frame, "
                     "statistics, plots and report.html here")
    add_executor_options(sub)
    add_size_options(sub)
    sub.set_defaults(handler=_compare)
