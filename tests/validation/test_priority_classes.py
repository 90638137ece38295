"""Five sources seen in priority order by one doctor: Cobham's class waits and Kleinrock's
conservation law (non-preemptive priority M/G/1), with 99 % replication intervals.

Every source arrives on the day as a Poisson stream (emergencies, walk-ins, and PAID, FOLLOWUP
and ONLINE through ``demand.on_the_day``) and the doctor has no seat limit, so the allocation
engine never bumps, waitlists or overbooks anyone: the queue alone decides the waits.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from opd_sim import theory
from opd_sim.scenario import Scenario

from .replicate import Replicated, interval, replicate, scenario

SOURCES = ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"]  # priority order
REPLICATIONS = 200
# most each CI's half-width may be, as a share of the class's Wq: the lowest class waits longest
# and most variably (its wait grows like 1 / (1 - sigma)^2)
HALF_WIDTH = {"EMERGENCY": 0.05, "PAID": 0.05, "FOLLOWUP": 0.05, "ONLINE": 0.06, "WALKIN": 0.08}


def classes(base: Scenario) -> tuple[list[float], list[float], list[float]]:
    """Per source (priority order): arrivals a minute, mean and second moment of consultations."""
    demand, doctor = base.demand, base.doctors[0]
    per_hour = {"EMERGENCY": demand.emergency.per_hour, "WALKIN": demand.walkin.per_hour,
                **{k.upper(): v.per_hour for k, v in demand.on_the_day.items()}}  # fmt: skip
    rates, means, seconds = [], [], []
    for source in SOURCES:
        dist = doctor.consult_minutes_by_source[source.lower()]  # the schema keys sources so
        rates.append(per_hour[source] / 60)
        means.append(dist.mean_value)
        seconds.append(dist.second_moment)  # exact, and checked by test_distribution_moments
    return rates, means, seconds


@functools.cache
def run(order: str) -> Replicated:
    """Replications of the five-class scenario under a service order."""
    base = scenario("priority_five", service_order=order)
    return replicate(base, REPLICATIONS, seed=base.seed)


def class_waits(result: Replicated, source: str) -> np.ndarray:
    """Each replication's mean wait of one source (steady-state window)."""
    return np.array([s["waits"]["by_source"][source]["mean"] for s in result.summaries], float)


@pytest.mark.parametrize("k", range(5), ids=SOURCES)
def test_cobham_class_wait(k: int) -> None:
    """Each source's mean wait lies in the 99 % CI of Cobham's Wq_k."""
    expected = theory.cobham_waits(*classes(scenario("priority_five")))[k]
    ci = interval(class_waits(run("priority"), SOURCES[k]))
    assert ci.half_width < HALF_WIDTH[SOURCES[k]] * expected, f"CI too wide: {ci}"
    assert ci.holds(expected), f"{SOURCES[k]}: Cobham Wq={expected:.4f} outside {ci}"


@pytest.mark.parametrize("order", ["priority", pytest.param("arrival", marks=pytest.mark.slow)])
def test_kleinrock_conservation(order: str) -> None:
    """sum rho_k Wq_k lies in the 99 % CI of Kleinrock's conserved work, in either order."""
    rates, means, seconds = classes(scenario("priority_five"))
    result = run(order)
    weighted = sum(rate * mean * class_waits(result, source)
                   for rate, mean, source in zip(rates, means, SOURCES, strict=True))  # fmt: skip
    conserved = theory.kleinrock_conserved_work(rates, means, seconds)
    ci = interval(weighted)
    assert ci.half_width < 0.05 * conserved, f"CI too wide: {ci}"
    assert ci.holds(conserved), f"{order}: conserved work {conserved:.4f} outside {ci}"


def test_allocation_stays_out_of_the_way() -> None:
    """The engine only allocates and completes (no bumps, waitlists, overbooking)."""
    result = run("priority")
    kinds = set(result.decisions["kind"].astype(str))
    assert kinds == {"ALLOCATED", "COMPLETED"}, kinds
    assert (result.patients["status"] == "COMPLETED").all()
    assert set(result.patients["source"].astype(str)) == set(SOURCES)
