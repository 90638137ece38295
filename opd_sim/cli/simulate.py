"""``opd-sim run`` and ``opd-sim simulate-day``: simulate scenarios and report what happened.

numpy, pandas and SimPy are imported inside the handlers, never here, so that commands of other
modules (the booking desk) start fast.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from opd_sim.cli.app import print_json, print_table
from opd_sim.errors import InvalidInput

__all__ = ["PROGRESS_DELAY_SECONDS", "add_commands", "add_executor_options", "progress_bar"]

#: Show a progress bar over replications only once the run has lasted this long (seconds).
PROGRESS_DELAY_SECONDS = 2.0


def _policy_override(scenario: Any, text: str | None) -> Any:
    """The policy object ``--policy NAME[:k=v,...]`` asks for, or None to run the scenario's
    own; a bad policy is exit 2 here, before anything runs."""
    from opd_sim.engine import make_policy
    from opd_sim.experiments import parse_policy

    if text is None:
        return None
    name, params = parse_policy(text)
    # the bare name of the scenario's own policy keeps the scenario's parameters for it
    if name == scenario.policy.name and not params:
        return None
    return make_policy(name, params)


def progress_bar(total: int, desc: str = "replications") -> Any:
    """A progress hook over ``total`` runs (the ``progress`` of ``multiple_replications``,
    ``compare_policies`` and ``sweep``): a tqdm bar on stderr when it is a terminal and the
    work has lasted :data:`PROGRESS_DELAY_SECONDS`, else None (no bar)."""
    if total < 2 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def bar(indices: Any) -> Any:
        return tqdm(indices, total=total, desc=desc, unit="run",
                    file=sys.stderr, delay=PROGRESS_DELAY_SECONDS, leave=False)  # fmt: skip

    return bar


def _default_out(name: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"
    return Path("results") / safe


def check_size(command: str, args: argparse.Namespace, scenario: Any) -> None:
    """InvalidInput (exit 2) if ``args.replications`` replications of ``scenario`` would be
    bigger than ``--max-tokens`` / ``--max-slots`` allow, before anything runs."""
    from opd_sim.scenario.size import estimate, refusal

    for option in ("max_tokens", "max_slots"):
        if getattr(args, option) < 1:
            raise InvalidInput(f"{command}: --{option.replace('_', '-')} must be 1 or more")
    reason = refusal(estimate(scenario), args.replications, args.max_tokens, args.max_slots)
    if reason is not None:
        raise InvalidInput(f"{command}: {args.scenario}: {reason}")


def _run(args: argparse.Namespace) -> int:
    from opd_sim.scenario import read_scenario

    if not 1 <= args.replications <= 100_000:
        raise InvalidInput("run: --replications must be from 1 to 100,000")
    if args.seed is not None and args.seed < 0:
        raise InvalidInput("run: --seed must be 0 or more")
    loaded = read_scenario(args.scenario)  # read once: the manifest hashes these very bytes
    scenario = loaded.scenario
    check_size("run", args, scenario)
    policy = _policy_override(scenario, args.policy)
    out = Path(args.out) if args.out else _default_out(scenario.name)

    from opd_sim.experiments import open_executor
    from opd_sim.jsonable import json_ready
    from opd_sim.outputs import check_out_dir
    from opd_sim.run_output import RUN_OUTPUT, prepare_writing, write_run
    from opd_sim.simulation import manifest, multiple_replications

    check_out_dir(out, RUN_OUTPUT)  # before the work: a run never overwrites what is not a run

    # simulate, then write frames, plots and report: the simulator knows nothing of the files.
    # While workers simulate, this process loads matplotlib; the processes that then draw the
    # figures beside it are forked from it, and so start with matplotlib and the frames loaded
    with open_executor(args.workers, args.dask, tasks=args.replications) as executor:
        result = multiple_replications(
            scenario, args.replications, seed=args.seed, executor=executor, policy=policy,
            progress=progress_bar(args.replications),
            meanwhile=lambda: prepare_writing(report=not args.no_report),
        )  # fmt: skip
    write_run(result, out, manifest(result, args.scenario, loaded.sha256),
              report=not args.no_report, workers=args.workers)  # fmt: skip
    if args.json:
        print_json(json_ready(result.summary))
    else:
        _print_summary(result.summary)
        extras = "" if args.no_report else ", plots (*.png), report.html"
        sys.stdout.write(f"\nwrote {out}/ (decisions.parquet, patients.parquet, slots.parquet, "
                         f"summary.json, manifest.json{extras})\n")  # fmt: skip
    return 0


def _simulate_day(args: argparse.Namespace) -> int:
    if args.seed is not None and args.seed < 0:
        raise InvalidInput("simulate-day: --seed must be 0 or more")
    from opd_sim.jsonable import json_ready
    from opd_sim.simulation import single_run
    from opd_sim.simulation.builtin import original_opd_day

    result = single_run(original_opd_day(), seed=args.seed)
    if args.json:
        print_json(json_ready(result.summary))
    else:
        _print_summary(result.summary)
    return 0


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def _with_ci(summary: dict[str, Any], path: tuple[str, ...], digits: int = 1) -> str:
    """A number, and its 95 % interval when the summary has one (several replications)."""
    value: Any = summary
    ci: Any = summary.get("ci95")
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
        ci = ci.get(key) if isinstance(ci, dict) else None
    text = _fmt(value, digits)
    if isinstance(ci, list):
        text += f" [{_fmt(ci[0], digits)}, {_fmt(ci[1], digits)}]"
    return text


def _print_summary(summary: dict[str, Any]) -> None:
    """The summary for people: the original day summary, then waits and doctors."""
    out = sys.stdout
    reps = summary.get("replications", 1)
    out.write(f"scenario {summary['scenario']}  policy {summary['policy']}  "
              f"seed {summary['seed']}  replications {reps}  days {summary['days']}\n")  # fmt: skip
    if reps > 1:
        out.write("(means over replications; [95% confidence interval])\n")
    out.write("\n")
    counts: list[tuple[str, ...]] = [(key,) for key in (
        "doctors", "slots_created", "tokens_booked", "emergencies", "cancellations", "no_shows",
        "completed", "waitlisted_remaining", "expired", "expired_waiting_too_long")]
    counts += [("left_unseen", "n"), ("left_unseen", "rate")]
    counts += [(key,) for key in ("bumped", "reallocated", "promoted", "overbooked_slots")]
    # patience, waitlist expiry and lateness are the scenario's choice: a day without them
    # is summarised as before, without lines of zeros
    realistic = {"expired_waiting_too_long": summary.get("expired_waiting_too_long"),
                 "left_unseen": (summary.get("left_unseen") or {}).get("n")}
    counts = [path for path in counts if path[0] not in realistic or realistic[path[0]]]
    names = [" ".join(key for key in path if key != "n").replace("_", " ") for path in counts]
    width = max(map(len, names))
    for name, path in zip(names, counts, strict=True):
        digits = 3 if path[-1] == "rate" else 1
        out.write(f"{name:<{width}}  {_with_ci(summary, path, digits)}\n")
    for block, title in (("waits", "waits, minutes (arrival to consultation start)"),
                         ("delays", "delays, minutes (consultation start past the later of "
                                    "arrival and slot start)")):  # fmt: skip
        out.write(f"\n{title}\n")
        rows = []
        for name, path in [("all", (block, "overall"))] + [
            (source, (block, "by_source", source)) for source in summary[block]["by_source"]
        ]:
            rows.append({"patients": name, "seen": _with_ci(summary, (*path, "n"), 0),
                         "mean": _with_ci(summary, (*path, "mean")),
                         "p50": _with_ci(summary, (*path, "p50")),
                         "p90": _with_ci(summary, (*path, "p90")),
                         "p95": _with_ci(summary, (*path, "p95"))})  # fmt: skip
        print_table(rows, ["patients", "seen", "mean", "p50", "p90", "p95"])
    out.write("\ndoctors\n")
    rows = []
    for doctor in summary["by_doctor"]:
        path = ("by_doctor", doctor)
        rows.append({"doctor": doctor, "seen": _with_ci(summary, (*path, "patients_seen"), 0),
                     "utilisation": _with_ci(summary, (*path, "utilisation"), 2),
                     "late_min": _with_ci(summary, (*path, "late_minutes")),
                     "overtime_min": _with_ci(summary, (*path, "overtime_minutes"))})  # fmt: skip
    late = any(doctor.get("late_minutes") for doctor in summary["by_doctor"].values())
    print_table(rows, ["doctor", "seen", "utilisation", *(["late_min"] if late else []),
                       "overtime_min"])


def add_size_options(command: argparse.ArgumentParser) -> None:
    """``--max-tokens N`` and ``--max-slots N``: how big a run may be (see docs/scenarios.md)."""
    from opd_sim.limits import MAX_SLOTS, MAX_TOKENS

    command.add_argument("--max-tokens", type=int, default=MAX_TOKENS, metavar="N",
                         help="refuse a run expected to make more tokens than N, all "
                         f"replications together (default {MAX_TOKENS:,})")
    command.add_argument("--max-slots", type=int, default=MAX_SLOTS, metavar="N",
                         help="refuse a replication expected to cut more slots than N "
                         f"(default {MAX_SLOTS:,})")  # fmt: skip


def add_executor_options(command: argparse.ArgumentParser) -> None:
    """``--workers N`` (local processes) and ``--dask ADDRESS`` (a Dask scheduler)."""
    command.add_argument("--workers", type=int, default=1, metavar="N",
                         help="run replications in N local processes (default 1: in this one)")
    command.add_argument("--dask", metavar="ADDRESS",
                         help="run replications on the Dask scheduler at ADDRESS")  # fmt: skip


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``run`` and ``simulate-day``."""
    run = commands.add_parser(
        "run", parents=[parent], help="simulate a scenario file and write its frames",
        description="Simulate SCENARIO and write decisions.parquet, patients.parquet, "
        "summary.json and manifest.json to --out (default results/<scenario name>).",
    )  # fmt: skip
    run.add_argument("scenario", metavar="SCENARIO", help="a scenario YAML file")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--replications", type=int, default=1, metavar="R",
                     help="independent replications (default 1)")  # fmt: skip
    run.add_argument("--policy", metavar="NAME[:k=v,...]",
                     help="override the scenario's policy (e.g. bump-cap:max_bumps=2)")  # fmt: skip
    run.add_argument("--out", metavar="DIR", help="output directory")
    run.add_argument("--no-report", action="store_true",
                     help="skip the plots and report.html (faster for sweeps)")  # fmt: skip
    add_executor_options(run)
    add_size_options(run)
    run.set_defaults(handler=_run)
    day = commands.add_parser(
        "simulate-day", parents=[parent], help="simulate the original one OPD day",
        description="The original 'simulate one OPD day': 3 doctors, slots across a full OPD "
        "window, random bookings, emergency insertions and cancellations.",
    )  # fmt: skip
    day.add_argument("--seed", type=int, help="override the scenario's seed")
    day.set_defaults(handler=_simulate_day)
