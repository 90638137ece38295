"""Does ``opd-sim run --workers 2`` pay? Wall time of a run with 1 and with 2 worker processes.

Both run as real subprocesses (``opd-sim run SCENARIO --replications R --workers W --out TMP``),
alternating round by round so machine noise hits them alike; prints the median of the rounds of
each, the ratio (wall of 1 worker / wall of 2; the target is at least 1.7 on two cores) and, to
explain it, where the time went:

- ``simulate``: the manifest's ``elapsed_seconds``, the replications from start to the merged
  frames and summary;
- ``write``: from the first to the last file written (their modification times), that is the
  Parquet files, JSON, figures and report;
- ``other``: the rest of the wall time: interpreter start, imports, reading the scenario, the
  pools starting and stopping, the swap into place;
- ``cpu``: user + system seconds of the run and every process it started (more than the wall
  time means work ran side by side; more than with one worker, work done twice).

Run with the project's interpreter, on an otherwise idle machine (the load average is printed,
since other work on the machine eats into the second worker)::

    python benchmarks/bench_workers.py [--rounds 3] [--replications 8] [--workers 2]
        [--scenario scenarios/city_hospital_week.yaml] [--min-ratio 1.7]
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
from dataclasses import dataclass
from pathlib import Path

OPD_SIM = str(Path(sys.executable).with_name("opd-sim"))
SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "city_hospital_week.yaml"


@dataclass(frozen=True, slots=True)
class Timing:
    """One run: its wall time and how it splits, in seconds."""

    wall: float
    simulate: float
    write: float
    cpu: float

    @property
    def other(self) -> float:
        return self.wall - self.simulate - self.write


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(scenario: str, replications: int, workers: int, out: Path) -> Timing:
    """One ``opd-sim run`` into the new directory ``out``, which must succeed."""
    argv = [OPD_SIM, "run", scenario, "--replications", str(replications),
            "--workers", str(workers), "--out", str(out), "--json"]  # fmt: skip
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu  # the run and its workers, all waited for by then
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    stamps = [entry.stat().st_mtime for entry in os.scandir(out)]
    return Timing(wall, float(manifest["elapsed_seconds"]), max(stamps) - min(stamps), cpu)


def _median(timings: list[Timing]) -> Timing:
    return Timing(*(statistics.median(getattr(t, name) for t in timings)
                    for name in ("wall", "simulate", "write", "cpu")))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(SCENARIO), help="scenario file")
    parser.add_argument("--replications", type=int, default=8, help="replications (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="workers compared with 1 "
                        "(default 2)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--min-ratio", type=float, help="exit 1 if the median ratio is below")
    args = parser.parse_args()
    counts = (1, args.workers)
    times: dict[int, list[Timing]] = {count: [] for count in counts}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(-1, args.rounds):  # one warm-up round (file cache, .pyc), not counted
            # alternate which goes first, so neither always runs on the other's warm cache
            for count in counts if round_ % 2 else counts[::-1]:
                out = Path(tmp) / f"r{round_}w{count}"
                timing = run_once(args.scenario, args.replications, count, out)
                if round_ >= 0:
                    times[count].append(timing)
    ratios = [one.wall / many.wall
              for one, many in zip(times[1], times[args.workers], strict=True)]  # fmt: skip
    print(f"opd-sim run {Path(args.scenario).name} --replications {args.replications}: "
          f"median of {args.rounds} rounds, seconds (load average before: {load:.2f}, "
          f"{os.cpu_count()} CPUs)")  # fmt: skip
    print(f"{'workers':>7}  {'wall':>6}  {'simulate':>8}  {'write':>6}  {'other':>6}  {'cpu':>6}")
    for count in counts:
        t = _median(times[count])
        print(f"{count:>7}  {t.wall:6.2f}  {t.simulate:8.2f}  {t.write:6.2f}  {t.other:6.2f}  "
              f"{t.cpu:6.2f}")  # fmt: skip
    ratio = statistics.median(ratios)
    walls = [_median(times[count]).wall for count in counts]
    print(f"ratio (wall of 1 worker / wall of {args.workers}): median of per-round ratios "
          f"{ratio:.2f}; ratio of medians {walls[0] / walls[1]:.2f} "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}; target >= 1.7)")  # fmt: skip
    if args.min_ratio is not None and ratio < args.min_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
