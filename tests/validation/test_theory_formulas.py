"""The formulas in opd_sim.theory agree with textbook values and with each other."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opd_sim import theory


def test_mm1_textbook_value() -> None:
    """M/M/1 with lambda = 0.5, mu = 1: Wq = 1."""
    assert theory.mm1_wait(0.5, 1.0) == pytest.approx(1.0)
    assert theory.mm1_wait(0.9, 1.0) == pytest.approx(9.0)


def test_erlang_c_textbook_values() -> None:
    """M/M/2 at a = 1: P(wait) = 1/3 and Wq = 1/3; one server reduces to rho."""
    assert theory.erlang_c(2, 1.0, 1.0) == pytest.approx(1 / 3)
    assert theory.mmc_wait(2, 1.0, 1.0) == pytest.approx(1 / 3)
    assert theory.erlang_c(1, 0.7, 1.0) == pytest.approx(0.7)


@given(rho=st.floats(0.01, 0.98))
def test_pk_with_exponential_service_is_mm1(rho: float) -> None:
    """P-K with E[S^2] = 2/mu^2 gives the M/M/1 wait."""
    assert theory.mg1_wait(rho, 1.0, 2.0) == pytest.approx(theory.mm1_wait(rho, 1.0))


@given(
    rates=st.lists(st.floats(0.001, 0.05), min_size=1, max_size=5),
    means=st.lists(st.floats(1.0, 5.0), min_size=5, max_size=5),
)
def test_cobham_obeys_kleinrock_conservation(rates: list[float], means: list[float]) -> None:
    """Cobham's class waits weighted by utilisation add up to Kleinrock's conserved work."""
    means = means[: len(rates)]
    if sum(r * m for r, m in zip(rates, means, strict=True)) >= 0.95:
        return
    second = [2 * m * m for m in means]
    waits = theory.cobham_waits(rates, means, second)
    weighted = sum(r * m * w for r, m, w in zip(rates, means, waits, strict=True))
    assert weighted == pytest.approx(theory.kleinrock_conserved_work(rates, means, second))
    assert waits == sorted(waits)  # higher priority never waits longer


def test_cobham_single_class_is_pk() -> None:
    """With one class Cobham's formula is Pollaczek-Khinchine."""
    assert theory.cobham_waits([0.1], [5.0], [40.0]) == pytest.approx(
        [theory.mg1_wait(0.1, 5.0, 40.0)]
    )


def test_unstable_queues_are_refused() -> None:
    """Utilisation at or above 1 has no steady state and raises ValueError."""
    with pytest.raises(ValueError, match="no steady state"):
        theory.mm1_wait(1.0, 1.0)


def test_bailey_welch_and_binomial() -> None:
    """Bailey-Welch waits are 0 then one consult each; show-ups have binomial moments."""
    assert theory.bailey_welch_waits(4, 10.0) == [0.0, 10.0, 10.0, 10.0]
    mean, var = theory.binomial_show_ups(20, 0.8)
    assert (mean, var) == (pytest.approx(16.0), pytest.approx(3.2))
    assert math.isclose(theory.lognormal_second_moment(3.0, 4.0), 25.0)


def test_gamma_second_moment_textbook_values() -> None:
    """Shape 1 is the exponential (E[S^2] = 2 mean^2); Erlang-3 of scale 1 has mean 3 and
    variance 3, so E[S^2] = 12; a bad shape is refused."""
    assert theory.gamma_second_moment(1.0, 2.0) == pytest.approx(8.0)
    assert theory.gamma_second_moment(3.0, 1.0) == pytest.approx(12.0)
    with pytest.raises(ValueError, match="positive"):
        theory.gamma_second_moment(0.0, 1.0)


def test_erlang_a_by_hand_on_a_tiny_truncated_chain() -> None:
    """c = 1, lambda = mu = theta = 1, at most 2 present: p_n proportional to 1, 1, 1/2, so
    p = (0.4, 0.4, 0.2), E[Lq] = 0.2, P(abandon) = theta E[Lq] / lambda = 0.2, wait 0.2."""
    result = theory.erlang_a(1.0, 1.0, 1.0, 1, max_in_system=2)
    assert result.abandonment == pytest.approx(0.2)
    assert result.mean_wait == pytest.approx(0.2)
    assert result.wait_probability == pytest.approx(0.6)
    assert result.states == 3


@given(offered=st.floats(0.01, 40.0), servers=st.integers(1, 30))
def test_erlang_a_with_patience_as_long_as_a_consultation_is_infinite_servers(
    offered: float, servers: int
) -> None:
    """theta = mu makes every death rate n mu: M/M/infinity, n ~ Poisson(a). Then
    E[Lq] = E[(n - c)^+] from the Poisson probabilities; for c = 1 it is a - 1 + e^-a, so
    P(abandon) = 1 - (1 - e^-a) / a."""
    mu = 2.0
    result = theory.erlang_a(offered * mu, mu, mu, servers)
    # summed over the tail itself (a - c + sum_{k<c} (c - k) p_k cancels badly for small a)
    last = int(offered + servers + 40 * math.sqrt(offered + 1) + 40)
    pmf = [math.exp(-offered + k * math.log(offered) - math.lgamma(k + 1))
           for k in range(last)]  # fmt: skip
    lq = sum((k - servers) * p for k, p in enumerate(pmf) if k > servers)
    assert result.mean_wait == pytest.approx(lq / (offered * mu), rel=1e-9)
    assert result.abandonment == pytest.approx(lq / offered, rel=1e-9)
    assert result.wait_probability == pytest.approx(sum(pmf[servers:]), rel=1e-9)
    if servers == 1:
        closed = 1 - (1 - math.exp(-offered)) / offered
        assert result.abandonment == pytest.approx(closed, rel=1e-9, abs=1e-15)


@given(rho=st.floats(0.05, 0.95), servers=st.integers(1, 20))
def test_erlang_a_without_abandonment_tends_to_erlang_c(rho: float, servers: int) -> None:
    """As theta -> 0 (rho < 1) the mean wait tends to Erlang C's Wq and P(wait) to C(c, a)."""
    mu = 2.0
    lam = rho * servers * mu
    wq, waits = theory.mmc_wait(servers, lam, mu), theory.erlang_c(servers, lam, mu)
    for theta in (0.0, 1e-10):
        result = theory.erlang_a(lam, mu, theta, servers)
        assert result.mean_wait == pytest.approx(wq, rel=1e-6)
        assert result.wait_probability == pytest.approx(waits, rel=1e-6)
    slight = theory.erlang_a(lam, mu, 1e-4 * mu, servers)
    assert slight.mean_wait < wq  # abandonment only shortens the queue


@given(
    rho=st.floats(0.05, 5.0),
    patience=st.floats(0.05, 50.0),
    servers=st.integers(1, 200),
)
def test_erlang_a_is_a_probability_at_any_load(rho: float, patience: float,
                                               servers: int) -> None:  # fmt: skip
    """P(abandon) and P(wait) lie in [0, 1] for any load, rho > 1 included (stable with theta >
    0); flow balance: arrivals = services + abandonments, mu E[busy servers] = lambda (1 - P)."""
    mu = 1.0
    lam = rho * servers * mu
    result = theory.erlang_a(lam, mu, 1 / patience, servers)
    assert 0.0 <= result.abandonment <= 1.0
    assert 0.0 <= result.wait_probability <= 1.0
    assert result.mean_wait >= 0.0
    assert result.abandonment == pytest.approx(result.mean_wait / patience)
    if rho > 1:
        # at least the excess load leaves: service is at most c mu
        assert result.abandonment >= 1 - 1 / rho - 1e-9


def test_erlang_a_flow_balance_and_large_systems() -> None:
    """Served plus abandoned is every arrival (checked through the busy servers of the chain's
    own states), and a thousand servers at rho = 1.2 neither overflow nor lose accuracy: the
    excess 1 - 1 / rho abandons when patience is long against a consultation."""
    lam, mu, theta, c = 5.0, 2.0, 0.7, 3
    result = theory.erlang_a(lam, mu, theta, c)
    cut = theory.erlang_a(lam, mu, theta, c, max_in_system=result.states - 1)
    assert cut.abandonment == pytest.approx(result.abandonment, rel=1e-12)
    big = theory.erlang_a(1200.0, 1.0, 0.001, 1000)
    assert big.abandonment == pytest.approx(1 - 1 / 1.2, rel=1e-3)
    assert big.wait_probability == pytest.approx(1.0)


def test_erlang_a_refuses_what_has_no_steady_state() -> None:
    """No abandonment at rho >= 1 has no steady state; bad rates and sizes raise ValueError."""
    with pytest.raises(ValueError, match="no steady state"):
        theory.erlang_a(2.0, 1.0, 0.0, 2)
    with pytest.raises(ValueError):
        theory.erlang_a(1.0, 0.0, 1.0, 1)
    with pytest.raises(ValueError):
        theory.erlang_a(1.0, 1.0, 1.0, 2, max_in_system=1)
    assert theory.erlang_a(2.0, 1.0, 0.0, 2, max_in_system=10).abandonment == 0.0
