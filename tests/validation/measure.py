"""Print the table of docs/validation.md: every validation check's theory value, simulated
mean and 99 % interval, replications and simulation time.

    python -m tests.validation.measure      # from the repository root; about two minutes

It runs exactly the replications the tests run (same scenarios, seeds and sizes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from opd_sim import theory

from . import test_abandonment as abandonment
from . import test_priority_classes as five
from . import test_single_queues as single
from .replicate import Interval, interval, per_replication, scenario


def _timed(make: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = make()
    return value, time.perf_counter() - started


def _row(check: str, expected: float, ci: Interval, seconds: float | None) -> str:
    inside = "yes" if ci.holds(expected) else "**no**"
    spent = "" if seconds is None else f"{seconds:.1f}"
    return (f"| {check} | {expected:.4f} | {ci.mean:.4f} | [{ci.low:.4f}, {ci.high:.4f}] | "
            f"{100 * ci.half_width / expected:.1f} % | {ci.replications} | {inside} | {spent} |")


def rows() -> list[str]:
    """One markdown table row per check."""
    out = []
    for rho in (0.3, 0.6, 0.9):
        (run, lam, mu), seconds = _timed(lambda rho=rho: single.mm1(rho))
        out.append(_row(f"M/M/1 rho={rho}: Wq", theory.mm1_wait(lam, mu),
                        interval(single._mean_waits(run)), seconds))  # fmt: skip
        out.append(_row(f"M/M/1 rho={rho}: P(wait)", rho,
                        interval(single._share_waiting(run, "mm1")), None))  # fmt: skip
        base = scenario("mm1")
        start = base.sessions[0].open + base.steady_state.warmup_minutes
        out.append(_row(f"M/M/1 rho={rho}: utilisation", rho,
                        interval(single.busy_share(run.patients, start, base.sessions[0].close)),
                        None))  # fmt: skip
        waiting = single.time_average_waiting(run.patients, start, base.sessions[0].close,
                                              len(run.summaries))  # fmt: skip
        out.append(_row(f"M/M/1 rho={rho}: Lq (Little)", lam * theory.mm1_wait(lam, mu),
                        interval(waiting), None))  # fmt: skip
    for name in single.PK_REPLICATIONS:
        run, seconds = _timed(lambda name=name: single.mg1(name))
        lam, mean, second = single._mg1_theory(name)
        kind = name.removeprefix("mg1_")
        out.append(_row(f"M/G/1 {kind}: Wq (P-K)", theory.mg1_wait(lam, mean, second),
                        interval(single._mean_waits(run)), seconds))  # fmt: skip
        out.append(_row(f"M/G/1 {kind}: P(wait)", lam * mean,
                        interval(single._share_waiting(run, name)), None))  # fmt: skip
    run, seconds = _timed(single.mmc)
    c, lam, mu = single._mmc_theory()
    out.append(_row("M/M/3 shared queue: Wq", theory.mmc_wait(c, lam, mu),
                    interval(single._mean_waits(run)), seconds))  # fmt: skip
    out.append(_row("M/M/3 shared queue: P(wait) (Erlang C)", theory.erlang_c(c, lam, mu),
                    interval(single._share_waiting(run, "mmc_shared")), None))  # fmt: skip
    classes = five.classes(scenario("priority_five"))
    for order in ("priority", "arrival"):
        run, seconds = _timed(lambda order=order: five.run(order))
        if order == "priority":
            for source, expected in zip(five.SOURCES, theory.cobham_waits(*classes),
                                        strict=True):  # fmt: skip
                out.append(_row(f"priority: Wq {source} (Cobham)", expected,
                                interval(five.class_waits(run, source)), seconds))  # fmt: skip
                seconds = None
        rates, means, _ = classes
        weighted = sum(rate * mean * five.class_waits(run, source)
                       for rate, mean, source in zip(rates, means, five.SOURCES, strict=True))
        out.append(_row(f"{order} order: sum rho_k Wq_k (Kleinrock)",
                        theory.kleinrock_conserved_work(*classes), interval(weighted),
                        seconds))  # fmt: skip
    return out + erlang_a_rows()


def erlang_a_rows() -> list[str]:
    """The Erlang-A rows: P(abandon) and the mean wait of all arrivals, c = 1 and c = 3."""
    out = []
    for name, label in (("erlang_a_c1", "M/M/1+M rho=1.0"), ("erlang_a_c3", "M/M/3+M rho=1.1")):
        _, seconds = _timed(lambda name=name: abandonment.run(name))
        frame, r = abandonment.arrivals(name), abandonment.REPLICATIONS[name]
        expected = abandonment.erlang_a(name)
        out.append(_row(f"{label}: P(abandon) (Erlang-A)", expected.abandonment,
                        interval(per_replication(frame, lambda g: g["left"].mean(), r)),
                        seconds))  # fmt: skip
        out.append(_row(f"{label}: mean wait of all arrivals", expected.mean_wait,
                        interval(per_replication(frame, lambda g: g["waited"].mean(), r)),
                        None))  # fmt: skip
    return out


if __name__ == "__main__":
    print("| check | theory | simulated mean | 99 % CI | half-width | replications | inside | "
          "seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for line in rows():
        print(line, flush=True)
