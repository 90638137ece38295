"""Steady-state single-queue checks: M/M/1, M/G/1 (Pollaczek-Khinchine), M/M/c (Erlang C).

Each number is estimated once per independent replication (after the warm-up) and the theory
value must lie inside the 99 % t interval of the replication values; each test also asserts
the interval is tight, so a pass means something.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from opd_sim import theory

from .replicate import (
    Replicated,
    busy_share,
    interval,
    measured,
    per_replication,
    replicate,
    scenario,
    time_average_waiting,
    with_demand,
)

# replications per utilisation, chosen for a 99 % half-width of a few % of Wq (more at 0.9,
# where the variance of the mean wait grows like 1 / (1 - rho)^4)
MM1_REPLICATIONS = {0.3: 200, 0.6: 200, 0.9: 400}
MM1_HALF_WIDTH = {0.3: 0.04, 0.6: 0.04, 0.9: 0.07}  # most the half-width may be, as share of Wq
MEAN_CONSULT = 0.5  # minutes, in every validation scenario of one doctor
WAITED = 1e-9  # a wait above this counts as having waited (times are floats)


@functools.cache
def mm1(rho: float) -> tuple[Replicated, float, float]:
    """The M/M/1 scenario at utilisation ``rho``: its replications, lambda and mu a minute."""
    mu = 1 / MEAN_CONSULT
    base = with_demand(scenario("mm1"), walkin={"per_hour": 60 * rho * mu})
    return replicate(base, MM1_REPLICATIONS[rho], seed=base.seed), rho * mu, mu


def _mean_waits(run: Replicated, source: str = "WALKIN") -> np.ndarray:
    return np.array([s["waits"]["by_source"][source]["mean"] for s in run.summaries], dtype=float)


def _share_waiting(run: Replicated, name: str) -> np.ndarray:
    frame = measured(run.patients, scenario(name))
    return per_replication(frame, lambda g: (g["wait_minutes"] > WAITED).mean(),
                           len(run.summaries))  # fmt: skip


RHOS = [0.3, 0.6, pytest.param(0.9, marks=pytest.mark.slow)]


@pytest.mark.parametrize("rho", RHOS)
def test_mm1_mean_wait(rho: float) -> None:
    """Mean wait after the warm-up: Wq = rho / (mu - lambda) lies in the 99 % CI."""
    run, lam, mu = mm1(rho)
    wq = theory.mm1_wait(lam, mu)
    ci = interval(_mean_waits(run))
    assert ci.half_width < MM1_HALF_WIDTH[rho] * wq, f"CI too wide: {ci}"
    assert ci.holds(wq), f"M/M/1 rho={rho}: Wq={wq:.4f} outside {ci}"


@pytest.mark.parametrize("rho", RHOS)
def test_mm1_probability_of_waiting(rho: float) -> None:
    """Share of patients who wait at all: P(wait > 0) = rho lies in the 99 % CI (PASTA)."""
    run, _, _ = mm1(rho)
    ci = interval(_share_waiting(run, "mm1"))
    assert ci.half_width < 0.02, f"CI too wide: {ci}"
    assert ci.holds(rho), f"M/M/1 rho={rho}: P(wait)={rho} outside {ci}"


@pytest.mark.parametrize("rho", RHOS)
def test_mm1_utilisation_after_warmup(rho: float) -> None:
    """Share of the post-warm-up session the doctor spends consulting: rho lies in the 99 % CI."""
    run, _, _ = mm1(rho)
    base = scenario("mm1")
    start = base.sessions[0].open + base.steady_state.warmup_minutes
    ci = interval(busy_share(run.patients, start, base.sessions[0].close))
    assert ci.half_width < 0.02, f"CI too wide: {ci}"
    assert ci.holds(rho), f"M/M/1 rho={rho}: utilisation {rho} outside {ci}"


def test_steady_state_summary_counts_the_measured_patients() -> None:
    """The summary's waits are exactly those of patients arriving after the warm-up (frames)."""
    run, _, _ = mm1(0.6)
    frame = measured(run.patients, scenario("mm1"))
    counts = frame.groupby("replication")["wait_minutes"].count().to_numpy()
    means = frame.groupby("replication")["wait_minutes"].mean().to_numpy()
    assert [s["waits"]["overall"]["n"] for s in run.summaries] == counts.tolist()
    np.testing.assert_allclose(_mean_waits(run), means, rtol=1e-12)
    assert (frame["arrived_at"] >= scenario("mm1").steady_state.warmup_minutes).all()
    assert len(frame) < (run.patients["wait_minutes"].notna()).sum()  # the warm-up is left out


@pytest.mark.parametrize("rho", RHOS)
def test_mm1_littles_law_in_steady_state(rho: float) -> None:
    """After the warm-up, L - lambda W has a 99 % CI holding 0, and L holds lambda Wq of theory."""
    run, lam, mu = mm1(rho)
    base = scenario("mm1")
    start = base.sessions[0].open + base.steady_state.warmup_minutes
    end = base.sessions[0].close
    r = len(run.summaries)
    waiting = time_average_waiting(run.patients, start, end, r)
    frame = measured(run.patients, base)
    arrivals = frame.groupby("replication").size().reindex(range(r)).to_numpy() / (end - start)
    little = arrivals * frame.groupby("replication")["wait_minutes"].mean().to_numpy()
    gap = interval(waiting - little)
    assert gap.holds(0.0), f"L - lambda W = {gap}"
    lq = lam * theory.mm1_wait(lam, mu)
    ci = interval(waiting)
    assert ci.half_width < MM1_HALF_WIDTH[rho] * lq, f"CI too wide: {ci}"
    assert ci.holds(lq), f"M/M/1 rho={rho}: Lq={lq:.4f} outside {ci}"


PK_REPLICATIONS = 300


@functools.cache
def mg1() -> Replicated:
    """Replications of the lognormal M/G/1 scenario."""
    base = scenario("mg1_lognormal")
    return replicate(base, PK_REPLICATIONS, seed=base.seed)


def _mg1_theory() -> tuple[float, float, float]:
    base = scenario("mg1_lognormal")
    lam = base.demand.walkin.per_hour / 60
    consult = base.doctors[0].consult_minutes
    second = theory.lognormal_second_moment(consult.mean, consult.sd)
    return lam, consult.mean, second


@pytest.mark.slow
def test_pollaczek_khinchine_mean_wait() -> None:
    """Lognormal consultations: Wq = lambda E[S^2] / (2 (1 - rho)) lies in the 99 % CI."""
    lam, mean, second = _mg1_theory()
    wq = theory.mg1_wait(lam, mean, second)
    ci = interval(_mean_waits(mg1()))
    assert ci.half_width < 0.07 * wq, f"CI too wide: {ci}"
    assert ci.holds(wq), f"P-K: Wq={wq:.4f} outside {ci}"
    assert not interval(_mean_waits(mg1())).holds(theory.mm1_wait(lam, 1 / mean))  # not M/M/1


@pytest.mark.slow
def test_pollaczek_khinchine_probability_of_waiting() -> None:
    """M/G/1: P(wait > 0) = rho, whatever the consultation distribution, lies in the 99 % CI."""
    lam, mean, _ = _mg1_theory()
    ci = interval(_share_waiting(mg1(), "mg1_lognormal"))
    assert ci.half_width < 0.02, f"CI too wide: {ci}"
    assert ci.holds(lam * mean), f"M/G/1: P(wait)={lam * mean} outside {ci}"


ERLANG_REPLICATIONS = 100


@functools.cache
def mmc() -> Replicated:
    """Replications of three doctors sharing one queue."""
    base = scenario("mmc_shared")
    return replicate(base, ERLANG_REPLICATIONS, seed=base.seed)


def _mmc_theory() -> tuple[int, float, float]:
    base = scenario("mmc_shared")
    return len(base.doctors), base.demand.walkin.per_hour / 60, 1 / MEAN_CONSULT


@pytest.mark.slow
def test_erlang_c_mean_wait() -> None:
    """Three doctors sharing a queue: Wq = C(c, a) / (c mu - lambda) lies in the 99 % CI."""
    c, lam, mu = _mmc_theory()
    wq = theory.mmc_wait(c, lam, mu)
    ci = interval(_mean_waits(mmc()))
    assert ci.half_width < 0.06 * wq, f"CI too wide: {ci}"
    assert ci.holds(wq), f"M/M/{c}: Wq={wq:.4f} outside {ci}"


@pytest.mark.slow
def test_erlang_c_probability_of_waiting() -> None:
    """Three doctors sharing a queue: Erlang C's probability of waiting lies in the 99 % CI."""
    c, lam, mu = _mmc_theory()
    ci = interval(_share_waiting(mmc(), "mmc_shared"))
    assert ci.half_width < 0.02, f"CI too wide: {ci}"
    assert ci.holds(theory.erlang_c(c, lam, mu)), f"Erlang C outside {ci}"


@pytest.mark.slow
def test_erlang_c_utilisation() -> None:
    """Doctors sharing a queue are busy rho = lambda / (c mu) of the time (99 % CI)."""
    c, lam, mu = _mmc_theory()
    base = scenario("mmc_shared")
    start = base.sessions[0].open + base.steady_state.warmup_minutes
    ci = interval(busy_share(mmc().patients, start, base.sessions[0].close, c))
    assert ci.half_width < 0.01, f"CI too wide: {ci}"
    assert ci.holds(lam / (c * mu)), f"M/M/{c}: utilisation outside {ci}"
