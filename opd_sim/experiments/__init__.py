"""Experiments beyond one run: where replications execute, policies compared on common random
numbers, and sweeps of a scenario's settings."""

from opd_sim.experiments.comparison import Comparison, compare_policies, parse_policy
from opd_sim.experiments.executors import SerialExecutor, open_executor
from opd_sim.experiments.sweep import MAX_RUNS, METRICS, Sweep, sweep
from opd_sim.experiments.variants import Variant, make_variants, parse_setting

__all__ = [
    "MAX_RUNS",
    "METRICS",
    "Comparison",
    "SerialExecutor",
    "Sweep",
    "Variant",
    "compare_policies",
    "make_variants",
    "open_executor",
    "parse_policy",
    "parse_setting",
    "sweep",
]
