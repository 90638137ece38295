"""Replications as plain functions: one, several, or one from picklable inputs for a worker.

``single_run`` and ``multiple_replications`` return a :class:`RunResult` (frames and summary).
Writing it to disk is not the simulator's job (see :mod:`opd_sim.run_output`).
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from opd_sim.engine import Policy, make_policy
from opd_sim.scenario import Scenario
from opd_sim.simulation.collector import collector_paused
from opd_sim.simulation.frames import (
    decisions_frame,
    patients_frame,
    reason_categories,
    slots_frame,
)
from opd_sim.simulation.opd import Opd
from opd_sim.simulation.streams import child, replication_seeds
from opd_sim.simulation.summary import aggregate, summarize

__all__ = [
    "ReplicationResult",
    "RunResult",
    "multiple_replications",
    "run_replication",
    "single_run",
]


@dataclass(slots=True)
class RunResult:
    """What a run produced: the frames of every replication and the (aggregated) summary.

    ``policy`` describes the policy the run used (``str(policy)``, e.g. ``bump-cap(max_bumps=1)``);
    ``policy_name`` and ``policy_params`` are that object's own name and parameters.
    """

    scenario: Scenario
    seed: int
    replications: int
    policy: str
    decisions: pd.DataFrame
    patients: pd.DataFrame
    slots: pd.DataFrame
    summary: dict[str, Any]
    elapsed_seconds: float = 0.0
    decision_count: int = 0
    policy_name: str = ""
    policy_params: dict[str, Any] = field(default_factory=dict)


class ReplicationResult(NamedTuple):
    """One replication's frames and summary, what a worker process sends back."""

    decisions: pd.DataFrame
    patients: pd.DataFrame
    slots: pd.DataFrame
    summary: dict[str, Any]
    decision_count: int


def _simulate(scenario: Scenario, sequence: np.random.SeedSequence, replication: int,
              policy: Policy | None = None) -> ReplicationResult:  # fmt: skip
    # the run makes millions of long-lived objects and no cycles: the collector's passes over
    # them, until the replication is done with, are pure cost (see collector)
    with collector_paused():
        opd = Opd(scenario, sequence, policy=policy).run()
        unfinished = opd.unfinished()
        if unfinished:  # every token must end CANCELLED, NO_SHOW, COMPLETED or EXPIRED
            raise RuntimeError(f"tokens left unfinished after the run: {unfinished[:10]}")
        decisions = decisions_frame(opd, replication)
        patients = patients_frame(opd, replication)
        slots = slots_frame(opd, replication)
        steady = scenario.steady_state
        warmup, cooldown = ((steady.warmup_minutes, steady.cooldown_minutes) if steady
                            else (0.0, 0.0))  # fmt: skip
        summary = summarize(opd, decisions, patients, warmup, cooldown)
        count = opd.decision_count
        del opd  # freed here, by reference counting, while the collector is still paused
    return ReplicationResult(decisions, patients, slots, summary, count)


def run_replication(scenario: Scenario, seed: int, replication: int,
                    policy: Policy | None = None) -> ReplicationResult:  # fmt: skip
    """One replication from nothing but picklable inputs (what a worker process is sent).
    ``policy`` is a ready policy object (None: the one the scenario names)."""
    sequence = child(np.random.SeedSequence(seed), replication)
    return _simulate(scenario, sequence, replication, policy)


def single_run(scenario: Scenario, seed: int | None = None, replication: int = 0,
               policy: Policy | None = None) -> RunResult:  # fmt: skip
    """Replication ``replication`` of the scenario at ``seed`` (default: the scenario's seed),
    under ``policy`` (default: the scenario's)."""
    return multiple_replications(scenario, 1, seed=seed, first=replication, policy=policy)


def _params(policy: Policy) -> dict[str, Any]:
    """The policy object's own parameters (its dataclass fields), enum keys by name."""
    if not dataclasses.is_dataclass(policy):
        return {}
    params: dict[str, Any] = {}
    for spec in dataclasses.fields(policy):
        value = getattr(policy, spec.name)
        if isinstance(value, Mapping):  # e.g. reserved seats keyed by Source
            value = {k.name if isinstance(k, enum.Enum) else k: v for k, v in value.items()}
        params[spec.name] = value
    return params


def multiple_replications(
    scenario: Scenario,
    replications: int,
    seed: int | None = None,
    first: int = 0,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
    executor: Executor | None = None,
    policy: Policy | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> RunResult:
    """Replications ``first .. first + replications - 1``, each on its own spawned seed sequence.

    Frames are concatenated with a ``replication`` column; the summary holds the mean of every
    number with a 95 % t interval when there is more than one replication. With an
    ``executor`` (see :func:`opd_sim.experiments.open_executor`) replications run there; the
    results are identical, as each replication's streams depend only on the seed and its index.
    ``policy`` is a ready policy object to run under (None: the one the scenario names).
    ``meanwhile`` is called once in this process while the executor's workers run the
    replications, in time otherwise spent waiting (e.g. to load what writing the results will
    need); not with an executor that runs them in this process, which has no time to spare.
    """
    if replications < 1:
        raise ValueError("replications must be 1 or more")
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    # built once for the whole run; policies are frozen, so replications can share one
    chosen = policy if policy is not None else make_policy(scenario.policy.name,
                                                           dict(scenario.policy.params))
    done: list[ReplicationResult] = []
    indices: Iterable[int] = range(first, first + replications)
    # an executor that runs each task inside submit() (the default SerialExecutor) would finish
    # every replication before the first result is read, so the progress bar would never move:
    # run those here, one at a time, as the results are read
    if executor is None or getattr(executor, "runs_inline", False):
        sequences = replication_seeds(seed, first + replications)
        results: Iterable[ReplicationResult] = (
            _simulate(scenario, sequences[r], r, chosen) for r in indices
        )
    else:
        futures = [executor.submit(run_replication, scenario, seed, r, chosen) for r in indices]
        results = (future.result() for future in futures)
        if meanwhile is not None:
            meanwhile()
    ticks = progress(range(replications)) if progress else range(replications)
    for _tick, result in zip(ticks, results, strict=False):
        done.append(result)
    description = str(chosen)
    summary = {
        "scenario": scenario.name,
        "policy": description,
        "seed": seed,
        "replications": replications,
        "days": scenario.days,
        **aggregate([result.summary for result in done]),
    }
    return RunResult(
        scenario=scenario, seed=seed, replications=replications, policy=description,
        decisions=_joined([result.decisions for result in done]),
        patients=_joined([result.patients for result in done]),
        slots=_joined([result.slots for result in done]),
        summary=summary, elapsed_seconds=time.perf_counter() - started,
        decision_count=sum(result.decision_count for result in done),
        policy_name=str(getattr(chosen, "name", type(chosen).__name__)),
        policy_params=_params(chosen),
    )  # fmt: skip


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The replications' frames one after another (one replication: that frame, not a copy).

    Decision frames may name reasons beyond the fixed ones (leaving unseen gives the minutes
    waited), each replication its own: they are given the same categories first, or pandas
    would join the column as plain objects."""
    if len(frames) == 1:
        return frames[0]
    if "reason" in frames[0].columns:
        texts = (text for frame in frames for text in frame["reason"].cat.categories)
        categories = reason_categories(texts)
        if any(list(frame["reason"].cat.categories) != categories for frame in frames):
            frames = [frame.assign(reason=frame["reason"].cat.set_categories(categories))
                      for frame in frames]  # fmt: skip
    return pd.concat(frames, ignore_index=True)
