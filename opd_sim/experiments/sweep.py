"""A sweep: one scenario run over a grid of settings (and policies) on common random numbers.

Every variant (a combination of ``--set`` values, :mod:`opd_sim.experiments.variants`) runs
under every policy for the same replications of the same seed, so replication r of every
variant x policy sees the same patients wherever the settings leave their draws alone (a seat
count, a policy); differences between variants are then differences of the OPD, not of luck.
Each run is reduced to one row of metrics where it runs (a worker sends back numbers, not
frames), and the rows make a tidy frame; the summary holds each metric's mean with its 95 %
interval per variant x policy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import pandas as pd

from opd_sim.engine import Policy, Source, make_policy
from opd_sim.errors import InvalidInput, UnknownPolicy
from opd_sim.experiments.variants import Variant, make_variants
from opd_sim.scenario import Scenario

__all__ = [
    "COUNT_METRICS",
    "MAX_RUNS",
    "METRICS",
    "Sweep",
    "measure_run",
    "summarize_sweep",
    "sweep",
]

#: At most this many runs (variants x policies x replications): beyond it a sweep is a typo
#: in a --set more often than a plan, and would take hours on the 2-core machines we use.
MAX_RUNS = 10_000

_SOURCES = [source.name for source in Source]
_STATISTICS = (("wait", "waits"), ("delay", "delays"))

#: Metrics read from a replication's summary: (column, path in the summary). Waits run from
#: arrival to consultation, delays from the later of arrival and slot start (docs/simulator.md).
SUMMARY_METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((f"{name}_{stat}_minutes", (key, "overall", stat))
      for name, key in _STATISTICS for stat in ("mean", "p90")),
    *((f"{name}_{stat}_minutes_{source}", (key, "by_source", source, stat))
      for name, key in _STATISTICS for source in _SOURCES for stat in ("mean", "p90")),
    ("tokens", ("tokens_booked",)),
    ("completed", ("completed",)),
    ("cancellations", ("cancellations",)),
    ("no_shows", ("no_shows",)),
    ("bumped", ("bumped",)),
    ("reallocated", ("reallocated",)),
    ("promoted", ("promoted",)),
    ("expired", ("expired",)),
    ("expired_waiting_too_long", ("expired_waiting_too_long",)),
    ("left_unseen", ("left_unseen", "n")),
    ("left_unseen_rate", ("left_unseen", "rate")),
    ("overbooked_slots", ("overbooked_slots",)),
    ("utilisation_mean", ("utilisation_mean",)),
    ("overtime_minutes_total", ("overtime_minutes_total",)),
)  # fmt: skip
#: Metrics read from a replication's frames: seats sold past capacity (the slots'
#: ``overbooked_by``) and the doctors' idle minutes inside their sessions.
FRAME_METRICS = ("seats_over_capacity", "idle_minutes_total")
#: Every metric column of :attr:`Sweep.frame`, in order.
METRICS: tuple[str, ...] = (*(name for name, _ in SUMMARY_METRICS), *FRAME_METRICS)
#: The metrics that count tokens or decisions (whole numbers in each run).
COUNT_METRICS = frozenset({"tokens", "completed", "cancellations", "no_shows", "bumped",
                           "reallocated", "promoted", "expired", "expired_waiting_too_long",
                           "left_unseen", "overbooked_slots", "seats_over_capacity"})  # fmt: skip

#: Metrics with an upper bound, where an interval is clipped as at 0 below: a utilisation of
#: 0.995 [0.985, 1.005] would show a doctor busy 100.5 % of the session.
_AT_MOST = {"utilisation_mean": 1.0, "left_unseen_rate": 1.0}

#: One policy to run: a registered name with its parameters, or a ready policy object.
PolicyChoice = tuple[str, Mapping[str, Any]] | Policy


def _pick(summary: Mapping[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = summary
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return None if value is None else float(value)


def measure_run(scenario: Scenario, seed: int, replication: int,
                policy: Policy | None = None) -> dict[str, float | None]:  # fmt: skip
    """Replication ``replication`` of ``scenario`` at ``seed`` under ``policy``, reduced to
    one value per :data:`METRICS` entry (None where nobody was measured, e.g. no walk-in
    seen). Picklable inputs, a module-level function: what a worker is sent."""
    from opd_sim.simulation import run_replication

    result = run_replication(scenario, seed, replication, policy)
    summary, slots = result.summary, result.slots
    row = {name: _pick(summary, path) for name, path in SUMMARY_METRICS}
    row["seats_over_capacity"] = float(slots["overbooked_by"].sum())
    # a doctor's slots tile their sessions (their own roster, if they have one): idle =
    # session minutes not consulting in them, from the summary's utilisations (what
    # analysis.doctor_workload counts, at a fraction of its cost, which matters over thousands
    # of small runs)
    sessions = (slots["end"] - slots["start"]).groupby(slots["doctor_id"], observed=False).sum()
    row["idle_minutes_total"] = sum(float(sessions.get(name, 0.0)) * (1.0 - doctor["utilisation"])
                                    for name, doctor in summary["by_doctor"].items())  # fmt: skip
    return row


@dataclass(slots=True)
class Sweep:
    """What :func:`sweep` produced.

    ``frame``: one row per variant x policy x replication; a column per swept path (its
    value), ``variant`` (its label), ``policy`` (the policy run, with its parameters),
    ``replication``, then one column per :data:`METRICS` entry. ``summary``: one row per
    variant x policy x metric: the swept values, ``variant``, ``policy``, ``metric``, ``n``
    (replications with a value), ``mean``, ``ci_low``, ``ci_high`` (a 95 % t interval, by the
    rules of run summaries: none for a number equal in every replication, clipped at 0 for
    one that cannot be negative, and utilisation at 1). ``policies`` names the policies
    given, None when each variant ran its own scenario's policy.
    """

    scenario: Scenario
    settings: dict[str, list[Any]]
    policies: list[str] | None
    seed: int
    replications: int
    variants: list[Variant]
    frame: pd.DataFrame
    summary: pd.DataFrame
    elapsed_seconds: float = 0.0

    @property
    def paths(self) -> list[str]:
        """The swept paths, in the order given."""
        return list(self.settings)

    @property
    def runs(self) -> int:
        """Runs made: rows of :attr:`frame`."""
        return len(self.frame)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: what was swept, how, and the summary records (what ``sweep.json`` holds)."""
        from opd_sim import __version__
        from opd_sim.jsonable import json_ready

        return json_ready({
            "scenario": self.scenario.name,
            "base_scenario": self.scenario.model_dump(mode="json"),
            "settings": self.settings,
            "policies": self.policies,
            "seed": self.seed,
            "replications": self.replications,
            "runs": self.runs,
            "variants": [{"variant": v.label, "values": dict(v.values)} for v in self.variants],
            "metrics": list(METRICS),
            "summary": self.summary.to_dict(orient="records"),
            "opd_sim_version": __version__,
            "elapsed_seconds": self.elapsed_seconds,
        })  # fmt: skip


def _chosen(policies: Sequence[PolicyChoice] | None) -> list[Policy] | None:
    """The policy objects to run (None: each variant's own), checked before anything runs."""
    if policies is None:
        return None
    if isinstance(policies, str | bytes) or not policies:
        raise UnknownPolicy("give one or more policies, or None for the scenario's own")
    chosen = [choice if isinstance(choice, Policy) else make_policy(choice[0], dict(choice[1]))
              for choice in policies]  # fmt: skip
    labels = [str(policy) for policy in chosen]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            raise UnknownPolicy(f"policy {label} is listed twice")
    return chosen


def _setting_conflicts(settings: Mapping[str, Any], policies: Any) -> None:
    """A policy setting does nothing when the policies are given: say so rather than ignore it."""
    if policies is None:
        return
    for path in settings:
        if path.split(".")[0] == "policy":
            raise InvalidInput(f"--set {path}: has no effect with --policy (the policies given "
                               "replace the scenario's); give the parameter in --policy "
                               "NAME:key=value instead")  # fmt: skip


def _column(values: list[Any]) -> pd.Series:
    """A swept path's column: numbers stay numbers (nullable when a value is null), anything
    else (text, mappings, a mix) is shown as text."""
    from opd_sim.experiments.variants import value_text

    present = [v for v in values if v is not None]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    if present and numbers:
        whole = all(isinstance(v, int) for v in present)
        if len(present) == len(values):
            return pd.Series(values, dtype="int64" if whole else "float64")
        return pd.Series(values, dtype="Int64" if whole else "Float64")
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return pd.Series(values, dtype="bool")
    return pd.Series([value_text(v) for v in values], dtype="string")


def _frame(rows: list[dict[str, Any]], paths: list[str]) -> pd.DataFrame:
    """The tidy frame: swept values, variant, policy, replication, metrics; typed once."""
    frame = pd.DataFrame({
        **{path: _column([row["values"][path] for row in rows]) for path in paths},
        "variant": pd.Series([row["variant"] for row in rows], dtype="string"),
        "policy": pd.Series([row["policy"] for row in rows], dtype="string"),
        "replication": pd.Series([row["replication"] for row in rows], dtype="int64"),
    })  # fmt: skip
    for metric in METRICS:
        values = pd.Series([row["metrics"][metric] for row in rows], dtype="float64")
        if metric in COUNT_METRICS and values.notna().all():
            values = values.astype("int64")
        frame[metric] = values
    return frame


def summarize_sweep(frame: pd.DataFrame, paths: Sequence[str]) -> pd.DataFrame:
    """One row per variant x policy x metric of a sweep's tidy frame: the swept values,
    ``variant``, ``policy``, ``metric``, ``n``, ``mean``, ``ci_low``, ``ci_high``, in the
    frame's order of variants and policies and :data:`METRICS` order."""
    from opd_sim.analysis import aggregate

    def signed(path: tuple[str, ...]) -> bool:  # a delay may be negative (seen before the slot)
        return path[-1].startswith("delay_")

    rows = []
    groups = frame.groupby(["variant", "policy"], sort=False, observed=True)
    for (variant, policy), runs in groups:
        first = runs.iloc[0]
        per_run = [{m: (None if pd.isna(v) else float(v)) for m, v in zip(
            METRICS, values, strict=True)} for values in runs[list(METRICS)].itertuples(
            index=False)]  # fmt: skip
        combined = aggregate(per_run, signed=signed)
        intervals = combined.get("ci95", {})
        for metric in METRICS:
            interval = intervals.get(metric)
            rows.append({
                **{path: first[path] for path in paths},
                "variant": variant, "policy": policy, "metric": metric,
                "n": int(runs[metric].notna().sum()), "mean": combined[metric],
                "ci_low": interval[0] if interval else None,
                "ci_high": min(interval[1], _AT_MOST.get(metric, math.inf)) if interval else None,
            })  # fmt: skip
    summary = pd.DataFrame(rows)
    for path in paths:
        summary[path] = summary[path].astype(frame[path].dtype)
    for column in ("variant", "policy", "metric"):
        summary[column] = summary[column].astype("string")
    for column in ("mean", "ci_low", "ci_high"):
        summary[column] = summary[column].astype("float64")
    return summary


def _plan(variants: list[Variant], chosen: list[Policy] | None, replications: int
          ) -> list[tuple[Variant, Policy, int]]:  # fmt: skip
    """Every run, variant by variant, policy by policy, replication by replication."""
    plan = []
    for variant in variants:
        own = variant.scenario.policy
        policies = chosen or [make_policy(own.name, dict(own.params))]
        plan += [(variant, policy, r) for policy in policies for r in range(replications)]
    return plan


def sweep(
    scenario: Scenario,
    settings: Mapping[str, Sequence[Any]],
    policies: Sequence[PolicyChoice] | None = None,
    replications: int = 10,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> Sweep:
    """Run ``scenario`` for every combination of the ``settings`` (path -> values) under every
    policy (``(name, params)`` pairs or policy objects; None: each variant's own scenario
    policy), ``replications`` times each, on the same ``seed`` (default: the scenario's).

    Everything is checked before anything runs: each variant is validated as a scenario
    (:func:`~opd_sim.experiments.variants.make_variants`), each policy is built, and the runs
    (variants x policies x replications) must number at most :data:`MAX_RUNS`; else an
    InvalidInput (exit 2). ``executor`` runs the runs (see
    :func:`opd_sim.experiments.open_executor`; results are identical whichever runs them);
    ``progress`` wraps an iterable of run indices (e.g. ``tqdm``) and is advanced per run.
    """
    if not isinstance(replications, int) or replications < 1:
        raise InvalidInput(f"replications must be 1 or more, not {replications!r}")
    if seed is not None and seed < 0:
        raise InvalidInput(f"seed must be 0 or more, not {seed}")
    _setting_conflicts(settings, policies)
    chosen = _chosen(policies)
    count = 1
    for values in settings.values():
        count *= max(1, len(values)) if isinstance(values, Sequence) else 1
    runs = count * (len(chosen) if chosen else 1) * replications
    if runs > MAX_RUNS:  # checked before the variants are built: a typo may make millions
        raise InvalidInput(f"the sweep would make {runs:,} runs ({count:,} variants x "
                           f"{len(chosen) if chosen else 1} policies x {replications} "
                           f"replications); at most {MAX_RUNS:,}")  # fmt: skip
    variants = make_variants(scenario, settings)
    seed = scenario.seed if seed is None else seed
    plan = _plan(variants, chosen, replications)
    started = time.perf_counter()
    results = _results(plan, seed, executor)
    ticks = progress(range(len(plan))) if progress else range(len(plan))
    rows = []
    for _tick, (variant, policy, r), metrics in zip(ticks, plan, results, strict=False):
        rows.append({"values": variant.values, "variant": variant.label,
                     "policy": str(policy), "replication": r, "metrics": metrics})  # fmt: skip
    paths = list(variants[0].values)
    frame = _frame(rows, paths)
    return Sweep(
        scenario=scenario, settings={path: list(values) for path, values in settings.items()},
        policies=[str(policy) for policy in chosen] if chosen else None, seed=seed,
        replications=replications, variants=variants, frame=frame,
        summary=summarize_sweep(frame, paths), elapsed_seconds=time.perf_counter() - started,
    )  # fmt: skip


def _results(plan: list[tuple[Variant, Policy, int]], seed: int,
             executor: Executor | None) -> Iterator[dict[str, float | None]]:  # fmt: skip
    """Each run's metrics, in plan order. An executor that runs tasks inside ``submit`` (the
    default SerialExecutor) would finish the whole sweep before the first result is read and
    the progress bar would never move: those runs are made here, one at a time, as read."""
    if executor is None or getattr(executor, "runs_inline", False):
        return (measure_run(variant.scenario, seed, r, policy) for variant, policy, r in plan)
    futures = [executor.submit(measure_run, variant.scenario, seed, r, policy)
               for variant, policy, r in plan]  # fmt: skip
    return (future.result() for future in futures)
