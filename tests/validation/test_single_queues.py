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


# M/G/1 scenarios (rho = 0.7) and their replications: lognormal and gamma consultations of the
# same mean and sd (cv 1.5, so the same Pollaczek-Khinchine wait from differently shaped
# distributions), Erlang-3 (cv 0.58, below the exponential's 1)
PK_REPLICATIONS = {"mg1_lognormal": 300, "mg1_gamma": 300, "mg1_erlang": 300}
PK_HALF_WIDTH = 0.07  # most the mean wait's half-width may be, as a share of Wq


@functools.cache
def mg1(name: str = "mg1_lognormal") -> Replicated:
    """Replications of an M/G/1 scenario."""
    base = scenario(name)
    return replicate(base, PK_REPLICATIONS[name], seed=base.seed)


def _mg1_theory(name: str = "mg1_lognormal") -> tuple[float, float, float]:
    """Arrivals a minute, and the consultations' mean and E[S^2] (the distribution's own)."""
    base = scenario(name)
    consult = base.doctors[0].consult_minutes
    return base.demand.walkin.per_hour / 60, consult.mean_value, consult.second_moment


@pytest.mark.parametrize("name", list(PK_REPLICATIONS))
def test_pk_second_moments_are_the_closed_forms(name: str) -> None:
    """The E[S^2] P-K is given is opd_sim.theory's closed form: ``sd^2 + mean^2`` of the
    lognormal, ``shape (shape + 1) scale^2`` of the gamma numpy draws from (an Erlang's too)."""
    consult = scenario(name).doctors[0].consult_minutes
    if consult.dist == "lognormal":
        closed = theory.lognormal_second_moment(consult.mean, consult.sd)
    else:
        closed = theory.gamma_second_moment(*consult.numpy_parameters())
    assert consult.second_moment == pytest.approx(closed, rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PK_REPLICATIONS))
def test_pollaczek_khinchine_mean_wait(name: str) -> None:
    """Lognormal, gamma and Erlang consultations: Wq = lambda E[S^2] / (2 (1 - rho)) lies in
    the 99 % CI, and the M/M/1 wait at the same utilisation does not."""
    lam, mean, second = _mg1_theory(name)
    wq = theory.mg1_wait(lam, mean, second)
    ci = interval(_mean_waits(mg1(name)))
    assert ci.half_width < PK_HALF_WIDTH * wq, f"CI too wide: {ci}"
    assert ci.holds(wq), f"P-K {name}: Wq={wq:.4f} outside {ci}"
    assert not ci.holds(theory.mm1_wait(lam, 1 / mean))  # not M/M/1


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PK_REPLICATIONS))
def test_pollaczek_khinchine_probability_of_waiting(name: str) -> None:
    """M/G/1: P(wait > 0) = rho, whatever the consultation distribution, lies in the 99 % CI."""
    lam, mean, _ = _mg1_theory(name)
    ci = interval(_share_waiting(mg1(name), name))
    assert ci.half_width < 0.02, f"CI too wide: {ci}"
    assert ci.holds(lam * mean), f"M/G/1 {name}: P(wait)={lam * mean} outside {ci}"


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
