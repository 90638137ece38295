"""The anchor clinic: opd_sim against a bare-SimPy model of the same queue, patients a second.

    python benchmarks/bench_anchor_clinic.py [--patients N] [--rounds R]

The workload: 10 doctors sharing one queue (no seat limit), Poisson arrivals of 0.85 a minute in
five non-preemptive priority classes (EMERGENCY / PAID / FOLLOWUP / ONLINE / WALKIN, 5 / 10 / 15 /
30 / 40 %), exponential consultations of mean 10 minutes: an M/M/10 priority queue at rho = 0.85.
opd_sim runs it as a scenario (one 24-hour session a day, as many days as make about N patients)
through ``opd_sim.simulation.single_run``, with full decision logging, and writes its frames as
``opd-sim run`` does (Parquet, through ``opd_sim.run_output.write_run``); the baseline is
the same flow written directly in SimPy (one arrival stream with class draws, a process per
patient on a ``simpy.PriorityResource(capacity=10)``), run for about N patients.

Each measurement runs in a fresh subprocess (this script with ``--one``), so its peak RSS
(``ru_maxrss`` of that process, interpreter and imports included) is its own; the two sides
alternate, and the table shows the median of the rounds. The per-class mean waits of both (a
warm-up and cool-down of 120 minutes a day left out) are printed next to Cobham's formula for
M/M/c with non-preemptive priorities, to show both are the same model: expect agreement within
sampling noise (seed to seed at N = 200,000: about 5 % for the upper classes, 10 % for WALKIN,
whose wait is the most autocorrelated), not exactly; a side's waits are the same every round, as
its seed is fixed.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from opd_sim import theory

SOURCES = ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"]  # priority order
SHARES = [0.05, 0.10, 0.15, 0.30, 0.40]
DOCTORS, RATE, MEAN_CONSULT = 10, 0.85, 10.0  # servers, arrivals a minute, minutes
DAY, WARMUP, COOLDOWN = 1440.0, 120.0, 120.0  # minutes


def days_for(patients: int) -> int:
    """Days of one 24-hour session that bring about ``patients`` arrivals."""
    return max(1, round(patients / (RATE * DAY)))


def scenario_text(days: int) -> str:
    """The anchor clinic as scenario YAML."""
    doctors = "\n".join(
        f"  - {{id: d{i}, queue: anchor, seats_per_slot: null,"
        f" consult_minutes: {{dist: exponential, mean: {MEAN_CONSULT}}}}}"
        for i in range(DOCTORS)
    )
    per_hour = {s.lower(): RATE * share * 60 for s, share in zip(SOURCES, SHARES, strict=True)}
    return f"""\
name: anchor-clinic
seed: 11
days: {days}
sessions:
  - {{open: "00:00", close: "24:00"}}
slot_minutes: 60
doctors:
{doctors}
demand:
  emergency: {{per_hour: {per_hour["emergency"]}}}
  walkin: {{per_hour: {per_hour["walkin"]}}}
  on_the_day:
    paid: {{per_hour: {per_hour["paid"]}}}
    followup: {{per_hour: {per_hour["followup"]}}}
    online: {{per_hour: {per_hour["online"]}}}
service_order: priority
steady_state: {{warmup_minutes: {WARMUP:g}, cooldown_minutes: {COOLDOWN:g}}}
"""


def run_opd_sim(patients: int) -> dict:
    """opd_sim on the scenario: patients seen, seconds, per-class mean waits."""
    from opd_sim.run_output import write_run
    from opd_sim.scenario import scenario_from_text
    from opd_sim.simulation import single_run

    scenario = scenario_from_text(scenario_text(days_for(patients)), "anchor.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        result = single_run(scenario)
        # the frames written as `opd-sim run` writes them (the report and figures left out)
        write_run(result, Path(tmp) / "run", {}, report=False)
        seconds = time.perf_counter() - began
    by_source = result.summary["waits"]["by_source"]
    return {"patients": len(result.patients), "seconds": seconds,
            "waits": [by_source[s]["mean"] for s in SOURCES]}  # fmt: skip


def run_bare(patients: int, seed: int = 11) -> dict:
    """The same queue in plain SimPy over one horizon of as many days (waits outside the first
    and last 120 minutes of each day, as opd_sim counts them)."""
    import random

    import simpy

    rng = random.Random(seed)
    horizon = days_for(patients) * DAY
    env = simpy.Environment()
    doctors = simpy.PriorityResource(env, capacity=DOCTORS)
    sums, counts = [0.0] * 5, [0] * 5
    seen = [0]

    def patient(cls: int, arrived: float):
        with doctors.request(priority=cls) as request:
            yield request
            in_day = arrived % DAY
            if WARMUP <= in_day < DAY - COOLDOWN:
                sums[cls] += env.now - arrived
                counts[cls] += 1
            yield env.timeout(rng.expovariate(1.0 / MEAN_CONSULT))
            seen[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(RATE))
            if env.now >= horizon:
                return
            cls = rng.choices(range(5), SHARES)[0]
            env.process(patient(cls, env.now))

    began = time.perf_counter()
    env.process(arrivals())
    env.run()
    seconds = time.perf_counter() - began
    waits = [s / c if c else math.nan for s, c in zip(sums, counts, strict=True)]
    return {"patients": seen[0], "seconds": seconds, "waits": waits}


def cobham_mmc() -> list[float]:
    """Non-preemptive priority M/M/c, equal service rates: ``Wq_k = C(c, a) / (c mu) /
    ((1 - sigma_{k-1}) (1 - sigma_k))``. That is Cobham's M/G/1 formula for one exponential
    server c times as fast (whose W0 is rho / (c mu)) scaled by C(c, a) / rho."""
    rates = [RATE * share for share in SHARES]
    fast = MEAN_CONSULT / DOCTORS
    rho = RATE * fast
    waits = theory.cobham_waits(rates, [fast] * 5, [2 * fast * fast] * 5)
    erlang = theory.erlang_c(DOCTORS, RATE, 1.0 / MEAN_CONSULT)
    return [w * erlang / rho for w in waits]


def measure(side: str, patients: int) -> dict:
    """One measurement of a side in a fresh interpreter."""
    out = subprocess.run([sys.executable, __file__, "--one", side, "--patients", str(patients)],
                         check=True, capture_output=True, text=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Alternate the two sides for --rounds rounds; print medians, the ratio and the waits."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", choices=["opd_sim", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # child: run one side, report with its own peak RSS (KiB on Linux)
        run = run_opd_sim if args.one == "opd_sim" else run_bare
        report = run(args.patients)
        report["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(report))
        return
    runs: dict[str, list[dict]] = {"opd_sim": [], "bare": []}
    for index in range(args.rounds):
        order = ["opd_sim", "bare"] if index % 2 == 0 else ["bare", "opd_sim"]
        for side in order:
            runs[side].append(measure(side, args.patients))

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[side])

    rate = {s: statistics.median(r["patients"] / r["seconds"] for r in runs[s]) for s in runs}
    days = days_for(args.patients)
    print(f"anchor clinic: {DOCTORS} doctors, one queue, {RATE}/min, mean consult "
          f"{MEAN_CONSULT:g} min, {days} days, median of {args.rounds} rounds")  # fmt: skip
    print(f"{'':10} {'patients':>10} {'wall s':>9} {'patients/s':>11} {'peak RSS MB':>12}")
    for side in runs:
        print(f"{side:10} {median(side, 'patients'):>10,.0f} {median(side, 'seconds'):>9.2f} "
              f"{rate[side]:>11,.0f} {median(side, 'rss_mb'):>12,.0f}")  # fmt: skip
    print(f"ratio opd_sim/bare in patients/s: {rate['opd_sim'] / rate['bare']:.3f}")
    print("\nmean wait (min), steady-state window, median of rounds; agreement is up to sampling")
    print("noise (at 200,000 patients about 5 % seed to seed, 10 % for WALKIN), not a test")
    print(f"{'class':10} {'Cobham':>8} {'opd_sim':>8} {'bare':>8}")
    theory_waits = cobham_mmc()
    for k, source in enumerate(SOURCES):
        opd = statistics.median(r["waits"][k] for r in runs["opd_sim"])
        bare = statistics.median(r["waits"][k] for r in runs["bare"])
        print(f"{source:10} {theory_waits[k]:>8.3f} {opd:>8.3f} {bare:>8.3f}")


if __name__ == "__main__":
    main()
