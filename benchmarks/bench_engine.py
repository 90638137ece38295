"""How many allocation decisions a second the engine makes, against a plain-Python baseline,
and what each kind of operation costs.

    python benchmarks/bench_engine.py [--requests N] [--repeats R] [--batch K]

The workload: 20 doctors with slots of 4 seats, 20 % more requests than seats, a seeded stream of
bookings from all five sources (so slots fill, bump, re-allocate and waitlist) with one in five
tokens later cancelled or marked no-show (so waitlists are promoted). It runs twice: as is, and
with Python's cyclic garbage collector paused, as the simulator runs a replication (see
opd_sim.simulation.collector; the collector's passes over every live token and decision are a
large share of the first figure). The baseline, measured in the same run, is the cost of the same
number of calls that only append a tuple to a list: the ratio says how many "empty calls" one
engine decision costs, comparable across machines.

Then one line per kind of operation: the engine makes --batch of them, each on its own slot set
up beforehand (outside the timer), collector paused; the best of --repeats batches is kept, in
nanoseconds per call, with the decisions each call makes.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

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


# ------------------------------------------------------------------ one kind of operation at a time

Prepared = tuple[Engine, list]  # an engine, and what each call of the batch works on


def _days(k: int, capacities: tuple[int, ...]) -> tuple[Engine, list[list[int]]]:
    """An engine with one doctor and k days, each of slots of these capacities in time order."""
    engine = Engine()
    engine.add_doctor("Dr A")
    days = [[engine.add_slot(1, 540 + 15 * i, 555 + 15 * i, capacity, day=day).id
             for i, capacity in enumerate(capacities)] for day in range(k)]  # fmt: skip
    return engine, days


def _book_free(k: int) -> Prepared:
    engine, days = _days(k, (4,))
    return engine, [(day[0], Source.WALKIN) for day in days]


def _book_waitlisted(k: int) -> Prepared:
    engine, days = _days(k, (1,))
    for (slot,) in days:
        engine.book(slot, Source.PAID)
        engine.book(slot, Source.WALKIN)  # the slot has a waitlist already
    return engine, [(day[0], Source.WALKIN) for day in days]


def _bump_moved(k: int) -> Prepared:
    engine, days = _days(k, (1, 1))
    for first, _ in days:
        engine.book(first, Source.WALKIN)
    return engine, [(day[0], Source.PAID) for day in days]


def _bump_waits(k: int) -> Prepared:
    engine, days = _days(k, (1,))
    for (slot,) in days:
        engine.book(slot, Source.WALKIN)
        engine.book(slot, Source.WALKIN)  # the victim joins a waitlist
    return engine, [(day[0], Source.PAID) for day in days]


def _seated(k: int, waiting: bool) -> Prepared:
    engine, days = _days(k, (1,))
    seated = [engine.book(slot, Source.ONLINE).token.id for (slot,) in days]
    if waiting:
        for (slot,) in days:
            engine.book(slot, Source.WALKIN)
    return engine, seated


def _add_slot(k: int) -> Prepared:
    engine = Engine()
    engine.add_doctor("Dr A")
    return engine, [(540 + i, 555 + i, i // 16) for i in range(k)]


def _time_book(engine: Engine, work: list) -> None:
    book = engine.book
    for slot, source in work:
        book(slot, source, "", 0.0)


def _time_cancel(engine: Engine, work: list) -> None:
    cancel = engine.cancel
    for token in work:
        cancel(token, 0.0)


def _time_complete(engine: Engine, work: list) -> None:
    complete = engine.complete
    for token in work:
        complete(token, 0.0)


def _time_start(engine: Engine, work: list) -> None:
    start = engine.start_consult
    for token in work:
        start(token)


def _time_add_slot(engine: Engine, work: list) -> None:
    add = engine.add_slot
    for start, end, day in work:
        add(1, start, end, 4, day)


OPERATIONS: list[tuple[str, Callable[[int], Prepared], Callable[[Engine, list], None]]] = [
    ("book: free seat", _book_free, _time_book),
    ("book: waitlisted (nobody to bump)", _book_waitlisted, _time_book),
    ("book: bump, victim re-allocated", _bump_moved, _time_book),
    ("book: bump, victim waitlisted", _bump_waits, _time_book),
    ("cancel: seat freed", lambda k: _seated(k, waiting=False), _time_cancel),
    ("cancel: seat freed, one promoted", lambda k: _seated(k, waiting=True), _time_cancel),
    ("start_consult", lambda k: _seated(k, waiting=False), _time_start),
    ("complete", lambda k: _seated(k, waiting=False), _time_complete),
    ("add_slot", _add_slot, _time_add_slot),
]


def per_operation(batch: int, repeats: int) -> list[tuple[str, float, float]]:
    """(operation, nanoseconds per call, decisions per call): best of ``repeats`` batches."""
    rows = []
    for name, prepare, run in OPERATIONS:
        best, decisions = float("inf"), 0.0
        for _ in range(repeats):
            engine, work = prepare(batch)
            logged = len(engine.log)
            gc.collect()
            was_enabled = gc.isenabled()
            gc.disable()
            began = time.perf_counter_ns()
            run(engine, work)
            ended = time.perf_counter_ns()
            if was_enabled:
                gc.enable()
            best = min(best, (ended - began) / len(work))
            decisions = (len(engine.log) - logged) / len(work)
        rows.append((name, best, decisions))
    return rows


def main() -> None:
    """Time the workload (collector on and paused) and the baseline, best of several repeats,
    print decisions/s and the ratio, then the cost of each kind of operation."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=20_000,
                        help="operations per timed batch in the per-operation table")  # fmt: skip
    args = parser.parse_args()
    operations = workload(args.requests)
    per_doctor = slots_per_doctor(args.requests)
    engine_times, paused_times, baseline_times, decisions = [], [], [], 0
    for _ in range(args.repeats):
        began = time.perf_counter()
        decisions = run_engine(operations, per_doctor)
        engine_times.append(time.perf_counter() - began)
        gc.collect()
        gc.disable()
        began = time.perf_counter()
        run_engine(operations, per_doctor)
        paused_times.append(time.perf_counter() - began)
        gc.enable()
        gc.collect()
        began = time.perf_counter()
        run_baseline(decisions)
        baseline_times.append(time.perf_counter() - began)
    best, paused, base = min(engine_times), min(paused_times), min(baseline_times)
    print(f"operations       {len(operations):>10,}")
    print(f"decisions        {decisions:>10,}")
    print(f"engine           {best:>10.3f} s  ({decisions / best:,.0f} decisions/s, "
          f"median {statistics.median(engine_times):.3f} s)")  # fmt: skip
    print(f"collector paused {paused:>10.3f} s  ({decisions / paused:,.0f} decisions/s, "
          f"median {statistics.median(paused_times):.3f} s)")  # fmt: skip
    print(f"baseline         {base:>10.3f} s  ({decisions / base:,.0f} empty calls/s)")
    print(f"ratio            {best / base:>10.1f} x  (engine decision / empty call)")
    print()
    print(f"{'operation (collector paused)':<36} {'ns/call':>9} {'decisions':>10}")
    for name, ns, made in per_operation(args.batch, args.repeats):
        print(f"{name:<36} {ns:>9,.0f} {made:>10.1f}")


if __name__ == "__main__":
    main()
