"""``opd-sim sweep``: one scenario over a grid of ``--set`` values (and policies), on common
random numbers, written as a tidy frame, its summary, a plot and a report."""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import Any

from opd_sim.cli.app import print_json, print_table
from opd_sim.cli.simulate import add_executor_options, add_size_options, progress_bar
from opd_sim.errors import InvalidInput

__all__ = ["add_commands"]

#: The columns printed for people, (header, metric, digits); sweep.parquet holds every metric.
_PRINTED = (("seen", "completed", 1), ("mean wait", "wait_mean_minutes", 1),
            ("p90 wait", "wait_p90_minutes", 1), ("idle min", "idle_minutes_total", 0),
            ("overtime min", "overtime_minutes_total", 0))  # fmt: skip


def _default_out(name: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"
    return Path("results") / f"{safe}_sweep"


def _settings(texts: list[str]) -> dict[str, list[Any]]:
    from opd_sim.experiments import parse_setting

    if not texts:
        raise InvalidInput("sweep: give at least one --set PATH=V1,V2,...")
    settings: dict[str, list[Any]] = {}
    for text in texts:
        path, values = parse_setting(text)
        if path in settings:
            raise InvalidInput(f"--set {path}: given twice; list all its values in one --set")
        settings[path] = values
    return settings


def _mean(summary: Any, digits: int) -> str:
    from opd_sim.analysis import format_mean

    mean, low, high = (summary.get(key) for key in ("mean", "ci_low", "ci_high"))
    missing = low is None or (isinstance(low, float) and math.isnan(low))
    return format_mean(mean, None if missing else (low, high), digits)


def _print(sweep: Any, out: Path) -> None:
    sys.stdout.write(f"scenario {sweep.scenario.name}  seed {sweep.seed}  replications "
                     f"{sweep.replications}  runs {sweep.runs}\n"
                     "means per run over replications [95% interval]\n\n")  # fmt: skip
    table = sweep.summary.set_index(["variant", "policy", "metric"])
    several = len(sweep.policies or []) > 1  # else the policy follows from the variant
    rows = []
    for variant, policy in sweep.frame[["variant", "policy"]].drop_duplicates().itertuples(
            index=False):  # fmt: skip
        row = {"variant": variant, "policy": policy}
        for header, metric, digits in _PRINTED:
            row[header] = _mean(table.loc[(variant, policy, metric)].to_dict(), digits)
        rows.append(row)
    print_table(rows, ["variant", *(["policy"] if several else []), *(h for h, _, _ in _PRINTED)])
    sys.stdout.write(f"\nwrote {out}/ (sweep.parquet, sweep.json, sweep.png, report.html)\n")


def _sweep(args: argparse.Namespace) -> int:
    from opd_sim.experiments import open_executor, parse_policy, sweep
    from opd_sim.outputs import check_out_dir
    from opd_sim.scenario import load_scenario
    from opd_sim.sweep_output import SWEEP_OUTPUT, write_sweep

    if not 1 <= args.replications <= 100_000:
        raise InvalidInput("sweep: --replications must be from 1 to 100,000")
    if args.seed is not None and args.seed < 0:
        raise InvalidInput("sweep: --seed must be 0 or more")
    settings = _settings(args.set)
    policies = [parse_policy(text) for text in args.policy] or None
    scenario = load_scenario(args.scenario)
    out = Path(args.out) if args.out else _default_out(scenario.name)
    check_out_dir(out, SWEEP_OUTPUT)  # before the work: a sweep never overwrites what is not one
    runs = _runs(settings, policies, args.replications)
    _check_sizes(scenario, settings, args)
    with open_executor(args.workers, args.dask, tasks=runs) as executor:
        # sweep() checks every variant, policy and the number of runs before it runs any
        result = sweep(scenario, settings, policies, args.replications, args.seed, executor,
                       progress=progress_bar(runs, desc="runs"))
    write_sweep(result, out)
    if args.json:
        print_json(result.to_json())
    else:
        _print(result, out)
    return 0


def _check_sizes(scenario: Any, settings: dict[str, list[Any]], args: argparse.Namespace) -> None:
    """InvalidInput (exit 2) if a variant's run would be bigger than ``--max-tokens`` /
    ``--max-slots`` allow, before anything runs. A sweep keeps one run's frames at a time (each
    run sends back its numbers only), so each variant is held to the limits of one replication."""
    from opd_sim.experiments import make_variants
    from opd_sim.scenario.size import estimate, refusal

    for option in ("max_tokens", "max_slots"):
        if getattr(args, option) < 1:
            raise InvalidInput(f"sweep: --{option.replace('_', '-')} must be 1 or more")
    for variant in make_variants(scenario, settings):
        reason = refusal(estimate(variant.scenario), 1, args.max_tokens, args.max_slots)
        if reason is not None:
            raise InvalidInput(f"sweep: --set {variant.label}: {reason}")


def _runs(settings: dict[str, list[Any]], policies: Any, replications: int) -> int:
    return math.prod(len(v) for v in settings.values()) * len(policies or [None]) * replications


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``sweep``."""
    sub = commands.add_parser(
        "sweep", parents=[parent], help="run a scenario over a grid of settings",
        description="Run SCENARIO for every combination of the --set values (and every "
        "--policy), the same seed and replications for each (common random numbers), and "
        "write sweep.parquet (one row per run), sweep.json, sweep.png and report.html.",
    )  # fmt: skip
    sub.add_argument("scenario", metavar="SCENARIO", help="a scenario YAML file")
    sub.add_argument("--set", action="append", default=[], metavar="PATH=V1,V2,...",
                     help="a scenario field by its dotted path (doctors.0.seats_per_slot) and "
                     "the values to sweep it over, read as YAML (repeat for a grid)")
    sub.add_argument("--policy", action="append", default=[], metavar="NAME[:k=v,...]",
                     help="run every variant under this policy (repeat; default: the "
                     "scenario's own)")
    sub.add_argument("--replications", type=int, required=True, metavar="R",
                     help="replications per variant and policy")
    sub.add_argument("--seed", type=int, help="override the scenario's seed")
    sub.add_argument("--out", metavar="DIR",
                     help="output directory (default results/<scenario name>_sweep)")
    add_executor_options(sub)
    add_size_options(sub)
    sub.set_defaults(handler=_sweep)
