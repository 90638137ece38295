"""The city OPD at scale: speed and memory of one big replication, and how they grow with doctors.

    python benchmarks/bench_city_scale.py [--doctors 25,50,100,200] [--rounds 1]
        [--against GITREF] [--quick | --days D] [--scenario FILE] [--profile]

The workload is benchmarks/city_200x20.yaml: the city week's doctors repeated to 200, 20 days,
every source, about 557,000 tokens and 1.29 million decisions (three times the city week's demand
per doctor; the file says why). Every run goes through ``opd_sim.simulation.single_run``, so the
engine logs every decision and the decisions, patients and slots frames are built.

(a) The file as it is: wall seconds of ``single_run``, tokens (rows of the patients frame) and
    decisions (rows of the decisions frame) a wall second, peak RSS, garbage-collector time, and
    **bytes per decision row in memory, defined as
    ``decisions.memory_usage(deep=True).sum() / len(decisions)``**; then the three frames are
    written to parquet in a temporary directory (``to_parquet(index=False)``, as ``opd-sim run``
    does): seconds and MB on disk.
(b) The same OPD at each --doctors count: the file's doctors taken in order (cycled past 200,
    ids kept unique) and every per_day / per_hour demand scaled by doctors / the file's (200), so
    the demand per doctor is the file's; same days. Prints process CPU seconds of ``single_run``
    per token (``time.process_time`` in the child around the run) and its ratio to the first
    count's figure, peak RSS, and MB per doctor: (peak RSS - RSS once imports are done and the
    scenario is loaded) / doctors. The count equal to the file's reuses (a)'s run.
(c) --against GITREF: every measurement is also run with the opd_sim of GITREF (checked out with
    ``git worktree add --detach`` into a temporary directory, imported through PYTHONPATH by the
    same child code, removed afterwards), and the tables put today's code beside it: tokens a
    second, CPU per token, peak RSS and the ratios. Both sides must make the same tokens and
    decisions (same scenario, same seed); a difference is flagged, as the two codes then do not
    run the same simulation. The issue's target is tokens/s at least 3x that of d7ac6e7.

Each measurement runs in a fresh subprocess of this script (``--one``), so ``ru_maxrss`` (peak
RSS, interpreter and imports included) is that run's own. --rounds R repeats each R times, the
sides alternating (today first in odd rounds, the reference first in even ones), and every figure
is the median of its rounds. --profile instead runs (a) once under cProfile and prints the top 25
functions by own time. --scenario FILE measures another base file the same way (with
``scenarios/city_hospital_week.yaml --days 20``, the city week's own, lighter load per doctor).

Expected run time on the 2-core development machine: (a) about 25 CPU seconds (887 MB peak);
(b) a few seconds a point up to 200 doctors; 400 doctors about twice (a). With --against d7ac6e7
the old code's (a) alone takes about 345 CPU seconds (1.7 GB peak): its walk-ins searched the slots
of every doctor. --quick (1 day instead of 20) takes under a minute. Wall seconds, and so tokens a
second, count whatever else the machine runs: compare sides of one --against run, or the CPU
columns. ``opd-sim run`` runs the file as it is (a walk-in draws one consultation time per kind of
doctor, a handful here, not one per doctor).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "city_200x20.yaml"
DOCTORS = [25, 50, 100, 200]  # 400 takes half an hour at d7ac6e7: ask for it
QUICK_DAYS = 1
MB = 1024 * 1024


# ---------------------------------------------------------------- the child: one measured run


def measure(path: str, parquet: bool) -> dict:
    """Run the scenario at ``path`` once through ``single_run``; what it cost, as a dict."""
    import gc

    import opd_sim
    from opd_sim.scenario import load_scenario
    from opd_sim.simulation import single_run

    scenario = load_scenario(path)
    rss_before = _maxrss()  # interpreter, imports and the scenario: the floor of this process
    gc_seconds, gc_started = [0.0], [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_seconds[0] += time.perf_counter() - gc_started[0]

    gc.callbacks.append(on_gc)
    wall, cpu = time.perf_counter(), time.process_time()
    result = single_run(scenario)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    gc.callbacks.remove(on_gc)
    rss_run = _maxrss()
    decisions = result.decisions
    row_bytes = decisions.memory_usage(deep=True).sum() / len(decisions)
    out = {
        "code": str(Path(opd_sim.__file__).resolve().parent.parent),
        "doctors": len(scenario.doctors), "days": scenario.days,
        "tokens": len(result.patients), "decisions": len(decisions),
        "wall": wall, "cpu": cpu, "gc": gc_seconds[0],
        "rss_before": rss_before, "rss_run": rss_run, "row_bytes": float(row_bytes),
    }  # fmt: skip
    if parquet:
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            for name in ("decisions", "patients", "slots"):
                getattr(result, name).to_parquet(Path(tmp) / f"{name}.parquet", index=False)
            out["parquet_s"] = time.perf_counter() - began
            out["parquet_bytes"] = sum(p.stat().st_size for p in Path(tmp).iterdir())
        out["rss_all"] = _maxrss()
    return out


def profile(path: str) -> None:
    """Run the scenario once under cProfile; print the top 25 functions by own time."""
    import cProfile
    import pstats

    from opd_sim.scenario import load_scenario
    from opd_sim.simulation import single_run

    scenario = load_scenario(path)
    profiler = cProfile.Profile()
    profiler.runcall(single_run, scenario)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def _maxrss() -> int:
    """Peak resident set of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ---------------------------------------------------------------- the parent: scenarios and sides


def scaled_text(base: dict, doctors: int, days: int) -> str:
    """The base scenario with ``doctors`` doctors and ``days`` days, demand per doctor kept."""
    import io

    from ruamel.yaml import YAML

    data = json.loads(json.dumps(base))  # a deep copy of plain data
    listed = data["doctors"]
    data["doctors"] = []
    for i in range(doctors):
        doctor = dict(listed[i % len(listed)])
        if i >= len(listed):  # a repeat of the list: its ids must still be unique
            doctor["id"] = f"{doctor['id']}-r{i // len(listed)}"
        data["doctors"].append(doctor)
    data["days"] = days
    factor = doctors / len(listed)
    demand = data.get("demand", {})
    if demand.get("appointments"):
        raise SystemExit("a scenario with appointments cannot be scaled: give one without")
    rates = [demand.get(key) for key in ("online", "paid")]
    hourly = [demand.get(key) for key in ("walkin", "emergency")]
    hourly += list(demand.get("on_the_day", {}).values())
    for stream, unit in [(s, "per_day") for s in rates] + [(s, "per_hour") for s in hourly]:
        if stream and unit in stream:
            stream[unit] = stream[unit] * factor
    buffer = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, buffer)
    return buffer.getvalue()


def run_child(path: Path, code: Path | None, parquet: bool) -> dict:
    """One measurement in a fresh process, importing opd_sim from ``code`` (None: as installed)."""
    env = dict(os.environ)
    if code is not None:  # ahead of site-packages, so the reference's opd_sim is the one imported
        env["PYTHONPATH"] = os.pathsep.join([str(code), env.get("PYTHONPATH", "")]).rstrip(":")
    argv = [sys.executable, __file__, "--one", str(path)] + (["--parquet"] if parquet else [])
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the measurement of {path.name} failed ({' '.join(argv)})")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if code is not None and not result["code"].startswith(str(code.resolve())):
        raise SystemExit(f"the reference child imported opd_sim from {result['code']}, not {code}")
    return result


def checkout(ref: str, into: Path) -> Path:
    """A detached worktree of ``ref`` at ``into``, the repository being this script's."""
    top = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--show-toplevel"], check=True,
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    subprocess.run(["git", "-C", top, "worktree", "add", "--detach", "--quiet", str(into), ref],
                   check=True)  # fmt: skip
    return Path(top)


def medians(runs: list[dict]) -> dict:
    """Each numeric figure's median over the rounds; the rest from the first round."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, int | float):
            out[key] = statistics.median(run[key] for run in runs)
    return out


def measure_all(points: list[tuple[str, Path, bool]], sides: dict[str, Path | None],
                rounds: int) -> dict[tuple[str, str], dict]:  # fmt: skip
    """Every point on every side, ``rounds`` times, sides alternating; medians by (point, side)."""
    runs: dict[tuple[str, str], list[dict]] = {}
    names = list(sides)
    for r in range(rounds):
        for label, path, parquet in points:
            for side in names if r % 2 == 0 else names[::-1]:  # neither side always goes first
                began = time.perf_counter()
                result = run_child(path, sides[side], parquet)
                runs.setdefault((label, side), []).append(result)
                seconds = time.perf_counter() - began
                print(f"  [{side} {label} round {r + 1}: {result['tokens']:,} tokens, "
                      f"{seconds:.0f} s]", file=sys.stderr, flush=True)  # fmt: skip
    return {key: medians(value) for key, value in runs.items()}


# ---------------------------------------------------------------- tables


def table_a(results: dict, sides: list[str], rounds: int) -> None:
    """(a): the file as it is, one row per side."""
    print(f"\n(a) {SCENARIO.name} through single_run (median of {rounds} round(s))")
    print("bytes/decision row = decisions.memory_usage(deep=True).sum() / len(decisions)")
    print(f"{'code':<14}{'tokens':>10}{'decisions':>11}{'wall s':>9}{'tokens/s':>10}"
          f"{'decis./s':>10}{'CPU s':>8}{'GC %':>6}{'peak MB':>9}{'B/row':>7}"
          f"{'parquet s':>10}{'MB':>6}{'peak+pq MB':>11}")  # fmt: skip
    for side in sides:
        m = results[("a", side)]
        print(f"{side:<14}{m['tokens']:>10,}{m['decisions']:>11,}{m['wall']:>9.1f}"
              f"{m['tokens'] / m['wall']:>10,.0f}{m['decisions'] / m['wall']:>10,.0f}"
              f"{m['cpu']:>8.1f}{100 * m['gc'] / m['wall']:>6.1f}{m['rss_run'] / MB:>9,.0f}"
              f"{m['row_bytes']:>7.1f}{m['parquet_s']:>10.1f}{m['parquet_bytes'] / MB:>6.1f}"
              f"{m['rss_all'] / MB:>11,.0f}")  # fmt: skip
    if len(sides) == 2:
        _compare("a", results, sides)


def table_b(results: dict, sides: list[str], counts: list[int], days: int) -> None:
    """(b): CPU per token and memory at each doctor count, one block per side."""
    print(f"\n(b) the same OPD at each doctor count, demand per doctor kept, {days} day(s)")
    print("MB/doctor = (peak RSS - RSS after imports and loading) / doctors")
    for side in sides:
        first = None
        print(f"{side}:")
        print(f"{'doctors':>8}{'tokens':>10}{'decisions':>11}{'CPU s':>8}{'CPU us/token':>13}"
              f"{'x first':>8}{'tokens/s':>10}{'peak MB':>9}{'MB/doctor':>10}")  # fmt: skip
        for n in counts:
            m = results[(f"b{n}", side)]
            per_token = m["cpu"] / m["tokens"]
            first = first or per_token
            print(f"{n:>8}{m['tokens']:>10,}{m['decisions']:>11,}{m['cpu']:>8.1f}"
                  f"{per_token * 1e6:>13.1f}{per_token / first:>8.2f}"
                  f"{m['tokens'] / m['wall']:>10,.0f}{m['rss_run'] / MB:>9,.0f}"
                  f"{(m['rss_run'] - m['rss_before']) / MB / n:>10.2f}")  # fmt: skip
    if len(sides) == 2:
        for n in counts:
            _compare(f"b{n}", results, sides)


def _compare(label: str, results: dict, sides: list[str]) -> None:
    """Today's tokens a second against the reference's, and whether they ran the same thing."""
    now, ref = results[(label, sides[0])], results[(label, sides[1])]
    speed = (now["tokens"] / now["wall"]) / (ref["tokens"] / ref["wall"])
    cpu = (ref["cpu"] / ref["tokens"]) / (now["cpu"] / now["tokens"])
    name = "(a)" if label == "a" else f"(b) {label[1:]} doctors"
    same = (now["tokens"], now["decisions"]) == (ref["tokens"], ref["decisions"])
    note = "" if same else (f"  DIFFERENT RUNS: {sides[0]} {now['tokens']:,}/{now['decisions']:,}"
                            f", {sides[1]} {ref['tokens']:,}/{ref['decisions']:,} tokens/decisions")
    print(f"{name}: tokens/s {now['tokens'] / now['wall']:,.0f} ({sides[0]}) vs "
          f"{ref['tokens'] / ref['wall']:,.0f} ({sides[1]}): {speed:.2f}x; CPU per token "
          f"{cpu:.2f}x lower; peak RSS {now['rss_run'] / ref['rss_run']:.2f}x{note}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doctors", default=",".join(map(str, DOCTORS)),
                        help="doctor counts for (b), comma-separated (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each measurement (median)")
    parser.add_argument("--against", metavar="GITREF", help="also measure the code of GITREF")
    parser.add_argument("--days", type=int, help="OPD days of every run (default: the file's)")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: --days {QUICK_DAYS}")
    parser.add_argument("--scenario", type=Path, default=SCENARIO,
                        help="the base scenario (default %(default)s)")
    parser.add_argument("--profile", action="store_true",
                        help="run (a) once under cProfile instead, top 25 by own time")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child: measure this file
    parser.add_argument("--parquet", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.parquet)))
        return 0

    from ruamel.yaml import YAML

    base = YAML(typ="safe", pure=True).load(args.scenario.read_text(encoding="utf-8"))
    days = QUICK_DAYS if args.quick else (args.days or base.get("days", 1))
    listed = len(base["doctors"])
    counts = [int(n) for n in args.doctors.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-city-") as tmp:
        work = Path(tmp)
        whole = args.scenario.resolve()
        if days != base.get("days", 1):
            whole = work / "a.yaml"
            whole.write_text(scaled_text(base, listed, days), encoding="utf-8")
        if args.profile:
            profile(str(whole))
            return 0
        points = [("a", whole, True)]
        for n in counts:
            if n != listed:  # the file's own count is (a)'s run
                (work / f"b{n}.yaml").write_text(scaled_text(base, n, days), encoding="utf-8")
                points.append((f"b{n}", work / f"b{n}.yaml", False))
        sides: dict[str, Path | None] = {"today": None}
        top = None
        try:
            if args.against:
                top = checkout(args.against, work / "reference")
                sides[args.against] = work / "reference"
            print(f"{args.scenario.name}: {listed} doctors, {days} day(s); doctor counts "
                  f"{counts}; sides {list(sides)}; {args.rounds} round(s)", flush=True)
            results = measure_all(points, sides, args.rounds)
        finally:
            if top is not None:
                subprocess.run(["git", "-C", str(top), "worktree", "remove", "--force",
                                str(work / "reference")], check=False)  # fmt: skip
    for side in sides:
        if ("a", side) in results:
            print(f"{side}: opd_sim imported from {results[('a', side)]['code']}")
    for side in sides:
        for n in counts:
            if n == listed:
                results[(f"b{n}", side)] = results[("a", side)]
    table_a(results, list(sides), args.rounds)
    if counts:
        table_b(results, list(sides), counts, days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
