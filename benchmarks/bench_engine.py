"""How many allocation decisions a second the engine makes, against a plain-Python baseline.

    python benchmarks/bench_engine.py [--requests N]

The workload: 20 doctors with slots of 4 seats, 20 % more requests than seats, a seeded stream of
bookings from all five sources (so slots fill, bump, re-allocate and waitlist) with one in five
tokens later cancelled or marked no-show (so waitlists are promoted). The baseline, measured in
the same run, is the cost of the same number of calls that only append a tuple to a list: the
ratio says how many "empty calls" one engine decision costs, comparable across machines.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from opd_sim.engine import Engine, Source

SOURCES = ["EMERGENCY"] + ["PAID"] * 3 + ["FOLLOWUP"] * 4 + ["ONLINE"] * 6 + ["WALKIN"] * 6


DOCTORS, SEATS, DEMAND_OVER_SEATS = 20, 4, 1.2


def slots_per_doctor(requests: int) -> int:
    """Enough slots that requests exceed seats by DEMAND_OVER_SEATS."""
    return max(1, round(requests / DEMAND_OVER_SEATS / SEATS / DOCTORS))


def workload(requests: int, seed: int = 7) -> list[tuple]:
    """A seeded list of operations: ("book", slot, source) and ("release", k-th token)."""
    rng = random.Random(seed)
    n_slots = DOCTORS * slots_per_doctor(requests)
    operations: list[tuple] = []
    for index in range(requests):
        operations.append(("book", rng.randrange(n_slots) + 1, Source[rng.choice(SOURCES)]))
        if rng.random() < 0.2:
            operations.append(("release", rng.randrange(index + 1) + 1, rng.random() < 0.5))
    return operations


def run_engine(operations: list[tuple], per_doctor: int) -> int:
    """Apply the workload; return the number of decisions made."""
    engine = Engine()
    for doctor in range(DOCTORS):
        engine.add_doctor(f"Dr {doctor}")
        for slot in range(per_doctor):  # a doctor's slots, one day each 16 slots
            day, index = divmod(slot, 16)
            start = 540 + 15 * index
            engine.add_slot(doctor + 1, start, start + 15, SEATS, day=day)
    tokens = engine.tokens
    for op in operations:
        if op[0] == "book":
            engine.book(op[1], op[2], at=0.0)
        else:
            token = tokens.get(op[1])
            if token is not None and token.status == "ALLOCATED":
                (engine.cancel if op[2] else engine.no_show)(op[1], 0.0)
    return len(engine.log)


def run_baseline(n: int) -> None:
    """n calls of a function appending a tuple: the floor of any Python event loop."""
    log: list[tuple] = []

    def decide(i: int) -> None:
        log.append((i, "ALLOCATED"))

    for i in range(n):
        decide(i)


def main() -> None:
    """Time both, best of several repeats, and print decisions/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    operations = workload(args.requests)
    engine_times, baseline_times, decisions = [], [], 0
    for _ in range(args.repeats):
        began = time.perf_counter()
        decisions = run_engine(operations, slots_per_doctor(args.requests))
        engine_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        run_baseline(decisions)
        baseline_times.append(time.perf_counter() - began)
    best, base = min(engine_times), min(baseline_times)
    print(f"operations       {len(operations):>10,}")
    print(f"decisions        {decisions:>10,}")
    print(f"engine           {best:>10.3f} s  ({decisions / best:,.0f} decisions/s, "
          f"median {statistics.median(engine_times):.3f} s)")  # fmt: skip
    print(f"baseline         {base:>10.3f} s  ({decisions / base:,.0f} empty calls/s)")
    print(f"ratio            {best / base:>10.1f} x  (engine decision / empty call)")


if __name__ == "__main__":
    main()
