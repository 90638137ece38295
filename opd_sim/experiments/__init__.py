"""Experiments beyond one run: where replications execute, and policies compared on common
random numbers."""

from opd_sim.experiments.comparison import Comparison, compare_policies, parse_policy
from opd_sim.experiments.executors import SerialExecutor, open_executor

__all__ = ["Comparison", "SerialExecutor", "compare_policies", "open_executor", "parse_policy"]
