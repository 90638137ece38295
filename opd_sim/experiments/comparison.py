"""Policies compared on common random numbers: the same seed and replications for each policy,
differences from the baseline (the first policy) with paired 95 % confidence intervals.

Pairing works because replication r of a seed sees the same patients under every policy
(each patient's attributes are drawn when the patient is created, from named streams).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from opd_sim.engine import Policy, Source, make_policy
from opd_sim.errors import UnknownPolicy
from opd_sim.scenario import Scenario

__all__ = ["METRICS", "Comparison", "PolicyChoice", "compare_policies", "parse_policy"]

#: (metric name, path in a replication's summary); waits are minutes from arrival to consult.
METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wait_mean_minutes", ("waits", "overall", "mean")),
    ("wait_p90_minutes", ("waits", "overall", "p90")),
    *(
        (f"wait_mean_minutes.{s}", ("waits", "by_source", s, "mean"))
        for s in (source.name for source in Source)
    ),
    ("completed", ("completed",)),
    ("bumped", ("bumped",)),
    ("expired", ("expired",)),
    ("overbooked_slots", ("overbooked_slots",)),
    ("utilisation_mean", ("utilisation_mean",)),
    ("overtime_minutes_total", ("overtime_minutes_total",)),
)


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


def _pick(summary: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = summary
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return None if value is None else float(value)


@dataclass(slots=True)
class Comparison:
    """The outcome of :func:`compare_policies`.

    ``table`` has one row per (metric, policy): mean and 95 % interval over replications, and
    the paired difference from the baseline policy with its interval. ``per_replication`` has
    one row per (policy, replication) with every metric.
    """

    scenario: str
    seed: int
    replications: int
    policies: list[str]
    table: Any  # pandas.DataFrame
    per_replication: Any  # pandas.DataFrame

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: the run's identity and one record per table row."""
        records = json.loads(self.table.to_json(orient="records"))
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "replications": self.replications,
            "baseline": self.policies[0],
            "policies": self.policies,
            "metrics": records,
        }


#: One policy to compare: a registered name with its parameters, or a ready policy object.
PolicyChoice = tuple[str, Mapping[str, Any]] | Policy


def _policy(choice: PolicyChoice) -> Policy:
    if isinstance(choice, Policy):
        return choice
    name, params = choice
    return make_policy(name, params)


def compare_policies(
    scenario: Scenario,
    policies: Sequence[PolicyChoice],
    replications: int,
    seed: int | None = None,
    executor: Executor | None = None,
) -> Comparison:
    """Run the scenario under each policy on the same seed and replications; compare them.

    Each policy is a ``(name, params)`` pair or a ready :class:`~opd_sim.engine.Policy`; the
    first is the baseline. Policies are told apart by their description (``str(policy)``).
    """
    import pandas as pd

    from opd_sim.analysis import mean_ci
    from opd_sim.simulation import multiple_replications

    if len(policies) < 2:
        raise UnknownPolicy("compare needs at least two policies")
    chosen = [_policy(choice) for choice in policies]  # every choice checked before anything runs
    labels = [str(policy) for policy in chosen]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            raise UnknownPolicy(f"policy {label} is listed twice")
    seed = scenario.seed if seed is None else seed
    rows = []
    for policy, label in zip(chosen, labels, strict=True):
        result = multiple_replications(scenario, replications, seed=seed, executor=executor,
                                       policy=policy)  # fmt: skip
        per_rep = result.summary.get("per_replication", [result.summary])
        for r, summary in enumerate(per_rep):
            rows.append({"policy": label, "replication": r}
                        | {m: _pick(summary, path) for m, path in METRICS})  # fmt: skip
    per_replication = pd.DataFrame(rows)
    baseline = per_replication[per_replication["policy"] == labels[0]].set_index("replication")
    table = []
    for metric, _path in METRICS:
        for label in labels:
            mine = per_replication[per_replication["policy"] == label].set_index("replication")
            values = mine[metric].dropna()
            interval = mean_ci(values.tolist())
            paired = (mine[metric] - baseline[metric]).dropna()
            diff = mean_ci(paired.tolist())
            table.append({
                "metric": metric,
                "policy": label,
                "mean": float(values.mean()) if len(values) else None,
                "ci_low": interval[1] if interval else None,
                "ci_high": interval[2] if interval else None,
                "diff_vs_baseline": float(paired.mean()) if len(paired) else None,
                "diff_ci_low": diff[1] if diff else None,
                "diff_ci_high": diff[2] if diff else None,
            })  # fmt: skip
    return Comparison(scenario.name, seed, replications, labels, pd.DataFrame(table),
                      per_replication)  # fmt: skip
