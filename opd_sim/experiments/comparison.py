"""Policies compared on common random numbers: the same seed and replications for each policy,
differences from the baseline (the first policy) with paired 95 % confidence intervals, overall
and by source (who pays for a policy's gains).

Pairing works because replication r of a seed sees the same patients under every policy
(each patient's attributes are drawn when the patient is created, from named streams).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from opd_sim.engine import Policy, make_policy
from opd_sim.errors import UnknownPolicy
from opd_sim.experiments.metrics import ALL, KEYS, METRICS, SOURCES, measure, metric
from opd_sim.scenario import Scenario

__all__ = ["STATISTICS", "Comparison", "PolicyChoice", "compare_policies", "parse_policy"]

#: The statistics of a comparison's ``table`` and ``by_source`` rows, after their keys.
STATISTICS = ("mean", "ci_low", "ci_high", "diff_vs_baseline", "diff_ci_low", "diff_ci_high",
              "differs")  # fmt: skip


def parse_policy(text: str) -> tuple[str, dict[str, Any]]:
    """``"bump-cap:max_bumps=2"`` -> ("bump-cap", {"max_bumps": 2}); values are read as JSON
    where they parse (numbers, true, {"WALKIN": 1}) and as text otherwise."""
    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(";" if "{" in rest else ","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UnknownPolicy(f"policy {text!r}: expected NAME:key=value[,key=value]")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value.strip()
    return name.strip(), params


@dataclass(slots=True)
class Comparison:
    """The outcome of :func:`compare_policies`.

    ``table`` has one row per (metric, policy) over every patient, ``by_source`` one per
    (metric, source, policy) for the metrics measured by source; each row holds the
    :data:`STATISTICS`: the mean over replications and its 95 % interval (by the summary's
    rules: none for a number equal in every replication, never below zero for one that cannot
    be), and the paired difference from the baseline with its plain t interval, and whether
    that interval excludes 0 (``differs``). ``per_replication`` is the tidy frame they are
    computed from: one row per (policy, replication, metric, source) with its ``value``.
    """

    scenario: str
    seed: int
    replications: int
    policies: list[str]
    table: Any  # pandas.DataFrame
    per_replication: Any  # pandas.DataFrame
    by_source: Any  # pandas.DataFrame
    days: int = 0
    doctors: int = 0
    #: each policy's one-line account of its rules (its class's docstring), by label
    policy_summaries: dict[str, str] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    decisions: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: what was compared, then one record per row of ``table`` (``metrics``)
        and of ``by_source``; counts that are whole are whole numbers."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "replications": self.replications,
            "days": self.days,
            "doctors": self.doctors,
            "baseline": self.policies[0],
            "policies": list(self.policies),
            "policy_summaries": dict(self.policy_summaries),
            "metrics": _records(self.table),
            "by_source": _records(self.by_source),
        }


def _plain(value: Any, count: bool) -> Any:
    """A statistic for JSON: None for NaN, a whole number for a whole count."""
    if value is None or isinstance(value, bool | str):
        return value
    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if count and number.is_integer() else number


def _records(frame: Any) -> list[dict[str, Any]]:
    records = []
    for row in frame.to_dict(orient="records"):
        known = metric(str(row["metric"]))
        count = known is not None and known.count
        records.append({key: _plain(value, count and key != "differs") if key in STATISTICS
                        else str(value) for key, value in row.items()})  # fmt: skip
    return records


#: One policy to compare: a registered name with its parameters, or a ready policy object.
PolicyChoice = tuple[str, Mapping[str, Any]] | Policy


def _policy(choice: PolicyChoice) -> Policy:
    if isinstance(choice, Policy):
        return choice
    name, params = choice
    return make_policy(name, params)


def _about(policy: Policy) -> str:
    """The first line of the policy class's docstring: what its rules are, in a sentence."""
    lines = (type(policy).__doc__ or "").strip().splitlines()
    return lines[0].strip().replace("``", "") if lines else ""  # reST quotes mean nothing here


def _measured(scenario: Scenario, seed: int, replication: int,
              policy: Policy) -> tuple[list[float], int]:  # fmt: skip
    """One replication measured where it ran: only its numbers travel back, not its frames."""
    from opd_sim.simulation import run_replication

    result = run_replication(scenario, seed, replication, policy)
    return measure(result.summary, result.patients), result.decision_count


def compare_policies(
    scenario: Scenario,
    policies: Sequence[PolicyChoice],
    replications: int,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> Comparison:
    """Run the scenario under each policy on the same seed and replications; compare them.

    Each policy is a ``(name, params)`` pair or a ready :class:`~opd_sim.engine.Policy`; the
    first is the baseline. Policies are told apart by their description (``str(policy)``).
    Each replication is measured (:func:`opd_sim.experiments.metrics.measure`) as soon as it
    has run and its frames are dropped, so memory does not grow with the frames of every
    replication. ``progress`` wraps the ``len(policies) * replications`` ticks, one per
    replication run (e.g. a tqdm bar); an executor that runs tasks as they are submitted (the
    default) then runs them one by one as they are counted.
    """
    import numpy as np

    if len(policies) < 2:
        raise UnknownPolicy("compare needs at least two policies")
    if replications < 1:
        raise ValueError("replications must be 1 or more")
    chosen = [_policy(choice) for choice in policies]  # every choice checked before anything runs
    labels = [str(policy) for policy in chosen]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            raise UnknownPolicy(f"policy {label} is listed twice")
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    tasks = [(p, r) for p in range(len(chosen)) for r in range(replications)]
    results: Iterable[tuple[list[float], int]]
    if executor is None or getattr(executor, "runs_inline", False):
        results = (_measured(scenario, seed, r, chosen[p]) for p, r in tasks)
    else:  # every task at once, so workers never idle between policies
        futures = [executor.submit(_measured, scenario, seed, r, chosen[p]) for p, r in tasks]
        results = (future.result() for future in futures)
    values = np.full((len(chosen), replications, len(KEYS)), np.nan)
    decisions = 0
    ticks = progress(range(len(tasks))) if progress else range(len(tasks))
    for _tick, (p, r), (numbers, count) in zip(ticks, tasks, results, strict=False):
        values[p, r] = numbers
        decisions += count
    table, by_source = _statistics(values, labels)
    return Comparison(
        scenario.name, seed, replications, labels, table, _tidy(values, labels), by_source,
        days=scenario.days, doctors=len(scenario.doctors),
        policy_summaries={label: _about(policy) for label, policy in zip(labels, chosen,
                                                                         strict=True)},
        elapsed_seconds=time.perf_counter() - started, decisions=decisions,
    )  # fmt: skip


def _tidy(values: Any, labels: list[str]) -> Any:
    """The measured numbers as one row per (policy, replication, metric, source)."""
    import numpy as np
    import pandas as pd

    policies, replications, keys = values.shape
    metrics = [name for name, _source in KEYS]
    sources = [source for _name, source in KEYS]
    return pd.DataFrame({
        "policy": pd.Categorical(np.repeat(labels, replications * keys), categories=labels),
        "replication": np.tile(np.repeat(np.arange(replications, dtype=np.int64), keys),
                               policies),
        "metric": pd.Categorical(np.tile(metrics, policies * replications),
                                 categories=[m.name for m in METRICS]),
        "source": pd.Categorical(np.tile(sources, policies * replications),
                                 categories=[ALL, *SOURCES]),
        "value": values.reshape(-1),
    })  # fmt: skip


def _statistics(values: Any, labels: list[str]) -> tuple[Any, Any]:
    """(table, by_source): each (metric, source, policy)'s statistics over replications."""
    import numpy as np
    import pandas as pd

    from opd_sim.analysis import ci95, mean_ci

    overall, by_source = [], []
    for k, (name, source) in enumerate(KEYS):
        signed = _signed(name)
        known = metric(name)
        share = known is not None and known.unit == "share"  # never above 1, as in summaries
        baseline = values[0, :, k]
        for p, label in enumerate(labels):
            mine = values[p, :, k]
            present = mine[~np.isnan(mine)]
            interval = ci95(present.tolist(), signed=signed, share=share)
            paired = mine - baseline  # replication r against replication r: the same patients
            diff = mean_ci(paired.tolist())
            row = {
                "metric": name,
                "policy": label,
                "mean": float(present.mean()) if len(present) else None,
                "ci_low": interval[0] if interval else None,
                "ci_high": interval[1] if interval else None,
                "diff_vs_baseline": diff[0] if diff else _only(paired),
                "diff_ci_low": diff[1] if diff else None,
                "diff_ci_high": diff[2] if diff else None,
                "differs": bool(diff and (diff[1] > 0 or diff[2] < 0)),
            }  # fmt: skip
            if source == ALL:
                overall.append(row)
            else:
                by_source.append({"metric": name, "source": source, **row})
    return pd.DataFrame(overall), pd.DataFrame(by_source)


def _signed(name: str) -> bool:
    known = metric(name)
    return known is not None and known.signed


def _only(paired: Any) -> float | None:
    """The difference of the one replication where both policies have a number, if any."""
    import numpy as np

    present = paired[~np.isnan(paired)]
    return float(present[0]) if len(present) == 1 else None
