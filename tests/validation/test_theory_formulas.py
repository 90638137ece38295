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
