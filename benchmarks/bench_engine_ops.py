"""What one engine operation costs as the state it works on grows, against an empty call.

    python benchmarks/bench_engine_ops.py [--sizes 1000,4000,10000,100000] [--repeats 25]

Six operations, each at every size N (the state is built outside the timer, then one call is
timed with time.perf_counter_ns, the median of --repeats timings is kept):

  promote   cancel the one seated token of a slot whose waitlist holds N tokens: one promotion.
            Repeated by cancelling the promoted token next (the waitlist stays ~N long).
  leave wl  cancel a waitlisted token from the middle of a slot's waitlist of N tokens.
  bump+walk a PAID request bumps the WALKIN of the first slot of a day of N one-seat slots of one
            doctor; every later slot is full but the last, so the search for a later seat must
            pass the whole day. Undone by cancelling the re-allocated victim (outside the timer).
            (The day's first search lists the slots with room, once: the median leaves it out.)
  bump full a PAID request bumps one of N seated WALKINs of a slot of capacity N (the victim search
            must pass all of them; no later slot, so the victim is waitlisted). Undone by
            cancelling the PAID token, which promotes the victim back (outside the timer).
            (The slot's first search builds its index, once: the median leaves it out.)
  reserved  under reserved={WALKIN: 1}, an ONLINE request for a slot of capacity N holding N - 2
            ONLINE tokens: may the request take a free seat, one being held for walk-ins? Undone by
            cancelling it (outside the timer).
  history   engine.history(token) with a log of N decisions.

Walk-in routing is a simulator matter and is not measured here. The ratio column is the cost at
N over the cost at the smallest N: ~1x when flat, ~10x per 10x N when linear. The empty call, a
function that does nothing timed the same way in the same run, is the floor (timer included).
The garbage collector is paused around each timed call only.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

from opd_sim.engine import Engine, Source

Timed = Callable[[], object]


def timed(call: Timed, before: Callable[[], None] | None = None,
          after: Callable[[], None] | None = None, repeats: int = 25) -> float:  # fmt: skip
    """Median nanoseconds of one ``call``; ``before``/``after`` run untimed around each."""
    samples = []
    for _ in range(repeats):
        if before is not None:
            before()
        gc.disable()
        began = time.perf_counter_ns()
        call()
        ended = time.perf_counter_ns()
        gc.enable()
        samples.append(ended - began)
        if after is not None:
            after()
    return statistics.median(samples)


def bench_promote(n: int, repeats: int) -> float:
    """Cancel the seated token of a 1-seat slot with ~n waitlisted: one promotion each time."""
    engine = Engine()
    doctor = engine.add_doctor("Dr A")
    slot = engine.add_slot(doctor.id, 540, 555, 1)
    seated = [engine.book(slot.id, Source.WALKIN).token.id]
    for _ in range(n + repeats):
        engine.book(slot.id, Source.WALKIN)  # same priority: waitlisted, nobody bumped
    next_seated = iter(range(seated[0] + 1, seated[0] + n + repeats + 1))

    def call() -> None:
        engine.cancel(seated[0], 0.0)

    def after() -> None:  # the promoted token is the next one to cancel
        seated[0] = next(next_seated)

    return timed(call, after=after, repeats=repeats)


def bench_bump_walk(n: int, repeats: int) -> float:
    """Bump into a day of n one-seat slots, the only free seat in the last slot."""
    engine = Engine()
    doctor = engine.add_doctor("Dr A")
    slots = [engine.add_slot(doctor.id, 15 * i, 15 * i + 15, 1).id for i in range(n)]
    for slot_id in slots[:-1]:
        engine.book(slot_id, Source.WALKIN)
    state = {"target": 0, "victim": None}

    def call() -> None:
        outcome = engine.book(slots[state["target"]], Source.PAID)
        state["victim"] = outcome.decisions[1].token_id

    def after() -> None:  # free the last slot again; the next bump starts one slot later
        engine.cancel(state["victim"], 0.0)
        state["target"] += 1

    return timed(call, after=after, repeats=min(repeats, n - 2))


def bench_bump_full(n: int, repeats: int) -> float:
    """Bump into one slot of capacity n holding n WALKINs."""
    engine = Engine()
    doctor = engine.add_doctor("Dr A")
    slot = engine.add_slot(doctor.id, 540, 555, n)
    for _ in range(n):
        engine.book(slot.id, Source.WALKIN)
    state = {"bumper": None}

    def call() -> None:
        state["bumper"] = engine.book(slot.id, Source.PAID).token.id

    def after() -> None:  # the victim, waitlisted, is promoted back into the freed seat
        engine.cancel(state["bumper"], 0.0)

    return timed(call, after=after, repeats=repeats)


def bench_leave_waitlist(n: int, repeats: int) -> float:
    """Cancel a waitlisted token from the middle of a waitlist of ~n tokens."""
    engine = Engine()
    doctor = engine.add_doctor("Dr A")
    slot = engine.add_slot(doctor.id, 540, 555, 1)
    engine.book(slot.id, Source.WALKIN)
    waiting = [engine.book(slot.id, Source.WALKIN).token.id for _ in range(n)]
    middle = iter(waiting[n // 2:])
    return timed(lambda: engine.cancel(next(middle), 0.0), repeats=repeats)


def bench_reserved(n: int, repeats: int) -> float:
    """An ONLINE request for a slot of capacity n holding n - 2 ONLINE tokens, one seat held for
    walk-ins: the policy asks how many seats walk-ins hold."""
    engine = Engine("reserved", reserved={"WALKIN": 1})
    doctor = engine.add_doctor("Dr A")
    slot = engine.add_slot(doctor.id, 540, 555, n)
    for token in range(1, n - 1):  # restored: no decision, so no policy call, while setting up
        engine.restore_token(token, slot.id, "ONLINE", "", token, "ALLOCATED")
    state = {"token": None}

    def call() -> None:
        state["token"] = engine.book(slot.id, Source.ONLINE).token.id

    def after() -> None:
        engine.cancel(state["token"], 0.0)

    return timed(call, after=after, repeats=repeats)


def bench_history(n: int, repeats: int) -> float:
    """history() of the first token with a log of n decisions."""
    engine = Engine()
    doctor = engine.add_doctor("Dr A")
    slot = engine.add_slot(doctor.id, 540, 555, n)
    first = engine.book(slot.id, Source.WALKIN).token.id
    for _ in range(n - 1):
        engine.book(slot.id, Source.WALKIN)
    assert len(engine.log) == n
    return timed(lambda: engine.history(first), repeats=repeats)


def bench_empty(repeats: int) -> float:
    """The floor: one call of a function doing nothing, timed the same way."""

    def nothing() -> None:
        pass

    return timed(nothing, repeats=repeats)


BENCHES = [
    ("promote", "waitlist", bench_promote),
    ("leave wl", "waitlist", bench_leave_waitlist),
    ("bump+walk", "slots/day", bench_bump_walk),
    ("bump full", "capacity", bench_bump_full),
    ("reserved", "capacity", bench_reserved),
    ("history", "log", bench_history),
]


def main() -> None:
    """Run every operation at every size and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        default="1000,4000,10000,100000",
        help="comma-separated sizes N (default: %(default)s)",
    )
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    empty = bench_empty(args.repeats * 4)
    print(f"{'operation':<10} {'N is':<10} {'N':>9} {'us/op':>10} {'vs smallest':>12} "
          f"{'vs empty':>10}")  # fmt: skip
    print(f"{'empty call':<10} {'-':<10} {'-':>9} {empty / 1000:>10.2f} {'-':>12} {'1x':>10}")
    for name, what, bench in BENCHES:
        first = None
        for n in sizes:
            ns = bench(n, args.repeats)
            gc.collect()
            first = first or ns
            print(f"{name:<10} {what:<10} {n:>9,} {ns / 1000:>10.2f} {ns / first:>11.1f}x "
                  f"{ns / empty:>9,.0f}x")  # fmt: skip


if __name__ == "__main__":
    main()
