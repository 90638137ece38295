"""Queueing-theory values the simulator is validated against (pure formulas, no simulation).

Rates are per minute and times in minutes unless you use other units consistently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

__all__ = [
    "ErlangA",
    "bailey_welch_waits",
    "binomial_show_ups",
    "cobham_waits",
    "erlang_a",
    "erlang_c",
    "gamma_second_moment",
    "kleinrock_conserved_work",
    "lognormal_second_moment",
    "mg1_wait",
    "mm1_wait",
    "mmc_wait",
]


def _utilisation(arrival_rate: float, service_rate: float, servers: int = 1) -> float:
    if arrival_rate < 0 or service_rate <= 0 or servers < 1:
        raise ValueError("rates must be positive and servers at least 1")
    rho = arrival_rate / (servers * service_rate)
    if rho >= 1:
        raise ValueError(f"utilisation {rho:.3f} >= 1: the queue has no steady state")
    return rho


def mm1_wait(arrival_rate: float, service_rate: float) -> float:
    """M/M/1 mean wait in queue, ``Wq = rho / (mu - lambda)``."""
    rho = _utilisation(arrival_rate, service_rate)
    return rho / (service_rate - arrival_rate)


def mg1_wait(arrival_rate: float, mean_service: float, second_moment: float) -> float:
    """Pollaczek-Khinchine M/G/1 mean wait, ``Wq = lambda E[S^2] / (2 (1 - rho))``."""
    rho = _utilisation(arrival_rate, 1.0 / mean_service)
    return arrival_rate * second_moment / (2.0 * (1.0 - rho))


def lognormal_second_moment(mean: float, sd: float) -> float:
    """E[S^2] of any distribution with this mean and standard deviation: ``sd^2 + mean^2``."""
    return sd * sd + mean * mean


def gamma_second_moment(shape: float, scale: float) -> float:
    """E[S^2] of a gamma of this shape and scale, ``shape (shape + 1) scale^2`` (an Erlang of
    ``k`` phases is the gamma of shape ``k``)."""
    if shape <= 0 or scale <= 0:
        raise ValueError("a gamma's shape and scale must be positive")
    return shape * (shape + 1.0) * scale * scale


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Erlang C: the probability an arrival to M/M/c must wait."""
    rho = _utilisation(arrival_rate, service_rate, servers)
    offered = arrival_rate / service_rate
    # sum_{k<c} a^k / k! computed term by term to stay finite for large c
    term, total = 1.0, 1.0
    for k in range(1, servers):
        term *= offered / k
        total += term
    tail = term * offered / servers / (1.0 - rho)
    return tail / (total + tail)


def mmc_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """M/M/c mean wait in queue, ``Wq = C(c, a) / (c mu - lambda)``."""
    return erlang_c(servers, arrival_rate, service_rate) / (
        servers * service_rate - arrival_rate
    )


class ErlangA(NamedTuple):
    """Steady state of M/M/c+M (Erlang-A): what an arrival can expect."""

    abandonment: float  #: probability an arrival leaves before being served
    mean_wait: float  #: mean time in queue of all arrivals (until service or abandonment)
    wait_probability: float  #: probability an arrival finds every server busy
    states: int  #: states 0..states-1 of the birth-death chain that were summed


#: Where the automatic truncation of :func:`erlang_a` stops: the whole neglected tail of the
#: probabilities (and of the queue length) is below this share of what was summed.
_NEGLIGIBLE = 1e-15
_MOST_STATES = 10_000_000


def erlang_a(arrival_rate: float, service_rate: float, abandonment_rate: float, servers: int,
             max_in_system: int | None = None) -> ErlangA:  # fmt: skip
    """Erlang-A (M/M/c+M): Poisson arrivals, ``servers`` exponential servers, and each waiting
    customer abandons at rate ``theta`` (exponential patience, counted from arrival).

    The exact birth-death solution: in state ``n`` (customers present) the birth rate is
    ``lambda`` and the death rate ``min(n, c) mu + max(n - c, 0) theta``. Then
    ``P(abandon) = theta E[Lq] / lambda`` (abandonments per unit time over arrivals) and the mean
    wait of all arrivals is ``E[Lq] / lambda`` (Little). With ``theta > 0`` the chain is stable at
    any load, ``rho >= 1`` included.

    States 0..N: without ``max_in_system``, N grows until the neglected tail is below 1e-15 of
    the total (bounded geometrically once the death rate exceeds ``lambda``). With it, the chain
    stops at ``max_in_system`` (arrivals finding it full are turned away and count as waiting 0).
    """
    if arrival_rate < 0 or service_rate <= 0 or abandonment_rate < 0 or servers < 1:
        raise ValueError("rates must be positive (abandonment >= 0) and servers at least 1")
    if max_in_system is not None and max_in_system < servers:
        raise ValueError("max_in_system must be at least the number of servers")
    lam, mu, theta, c = arrival_rate, service_rate, abandonment_rate, servers
    if max_in_system is None and theta == 0 and lam >= c * mu:
        raise ValueError(f"utilisation {lam / (c * mu):.3f} >= 1 with no abandonment: "
                         "the queue has no steady state")  # fmt: skip
    if lam == 0:
        return ErlangA(0.0, 0.0, 0.0, 1)
    # Unnormalised terms in log space (a^c / c! overflows a float for a few hundred servers);
    # sums are kept relative to the largest term met so far, rescaled when a larger one comes.
    log_term = peak = 0.0
    total, queue, busy = 1.0, 0.0, 0.0  # sums of p_n, (n - c)^+ p_n, [n >= c] p_n
    n = 0
    while True:
        if max_in_system is not None and n >= max_in_system:
            break
        n += 1
        death = min(n, c) * mu + max(n - c, 0) * theta
        ratio = lam / death
        log_term += math.log(ratio)
        if log_term > peak:
            scale = math.exp(peak - log_term)
            total, queue, busy, peak = total * scale, queue * scale, busy * scale, log_term
        term = math.exp(log_term - peak)
        total += term
        queue += max(n - c, 0) * term
        if n >= c:
            busy += term
        if max_in_system is None and n >= c:
            # Past c every later ratio is below this one (death rates grow with n), so the tail
            # is below a geometric series: sum_j r^j term and sum_j (n - c + j) r^j term.
            next_ratio = lam / (c * mu + (n + 1 - c) * theta)
            if next_ratio < 1:
                tail = term * next_ratio / (1 - next_ratio)
                queue_tail = term * next_ratio * ((n - c) / (1 - next_ratio)
                                                  + 1 / (1 - next_ratio) ** 2)  # fmt: skip
                if tail <= _NEGLIGIBLE * total and queue_tail <= _NEGLIGIBLE * max(queue, term):
                    break
        if n >= _MOST_STATES:
            raise ValueError(f"over {_MOST_STATES:,} states: the chain converges too slowly")
    lq = queue / total
    return ErlangA(theta * lq / lam, lq / lam, busy / total, n + 1)


def cobham_waits(
    arrival_rates: Sequence[float], mean_services: Sequence[float], second_moments: Sequence[float]
) -> list[float]:
    """Non-preemptive priority M/G/1 (Cobham): mean wait of each class, highest priority first.

    ``Wq_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k))`` with ``W0 = sum_i lambda_i E[S_i^2] / 2``
    and ``sigma_k`` the utilisation of classes 1..k.
    """
    if not len(arrival_rates) == len(mean_services) == len(second_moments):
        raise ValueError("one arrival rate, mean and second moment per class")
    w0 = sum(lam * s2 for lam, s2 in zip(arrival_rates, second_moments, strict=True)) / 2.0
    waits, sigma = [], 0.0
    for lam, mean in zip(arrival_rates, mean_services, strict=True):
        before, sigma = sigma, sigma + lam * mean
        if sigma >= 1:
            raise ValueError("total utilisation >= 1: the queue has no steady state")
        waits.append(w0 / ((1.0 - before) * (1.0 - sigma)))
    return waits


def kleinrock_conserved_work(
    arrival_rates: Sequence[float], mean_services: Sequence[float], second_moments: Sequence[float]
) -> float:
    """Kleinrock's conservation law: ``sum_k rho_k Wq_k = rho W0 / (1 - rho)`` for any
    work-conserving non-preemptive order; returns the right-hand side."""
    rho = sum(lam * m for lam, m in zip(arrival_rates, mean_services, strict=True))
    if rho >= 1:
        raise ValueError("total utilisation >= 1: the queue has no steady state")
    w0 = sum(lam * s2 for lam, s2 in zip(arrival_rates, second_moments, strict=True)) / 2.0
    return rho * w0 / (1.0 - rho)


def bailey_welch_waits(patients: int, consult_minutes: float) -> list[float]:
    """Bailey-Welch rule, fixed consults, punctual patients: two booked at 0, then one per
    consult interval. Patient i (0-based) is seen at ``i * s`` and arrives at ``max(0, i-1) * s``,
    so the first waits 0 and every other patient waits exactly one consult."""
    if patients < 0 or consult_minutes <= 0:
        raise ValueError("need a non-negative number of patients and a positive consult time")
    return [0.0 if i == 0 else float(consult_minutes) for i in range(patients)]


def binomial_show_ups(booked: int, show_probability: float) -> tuple[float, float]:
    """Mean and variance of the number who come when ``booked`` each show with probability q."""
    if booked < 0 or not 0.0 <= show_probability <= 1.0:
        raise ValueError("booked must be >= 0 and the probability within [0, 1]")
    mean = booked * show_probability
    return mean, mean * (1.0 - show_probability)

