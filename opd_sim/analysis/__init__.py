"""Answers for analysts: pure functions over a run's frames, and replication statistics.

Each function takes the decisions, patients or slots frame (``opd_sim.simulation``'s
``decisions_frame``, ``patients_frame``, ``slots_frame``, or the Parquet files of a run) and
returns a pandas table or plain numbers: no printing, no files, no plots. Frames may hold several
replications (a ``replication`` column): every function says whether it sums, pools or keeps
them apart, and :func:`per_replication` applies any of them replication by replication::

    from opd_sim.analysis import per_replication, waits_by_source

    waits_by_source(patients, "delay_minutes")           # pooled over replications
    per_replication(waits_by_source, patients)           # one table per replication, stacked
"""

from opd_sim.analysis.bumps import FATES, bumped_fates, repeat_bumps, who_bumped_whom
from opd_sim.analysis.doctors import doctor_workload
from opd_sim.analysis.fairness import p90_ratio, p90_ratios, source_shares
from opd_sim.analysis.leaving import left_unseen
from opd_sim.analysis.outcomes import OUTCOMES, outcomes_by_source
from opd_sim.analysis.overbooking import overbooking_by_doctor, overbooking_by_hour
from opd_sim.analysis.replications import (
    aggregate,
    ci95,
    format_count,
    format_mean,
    may_be_negative,
    mean_ci,
    per_replication,
    t_quantile_975,
)
from opd_sim.analysis.waitlist import waitlist_length, waitlist_outcomes
from opd_sim.analysis.waits import MEASURES, WITHIN_MINUTES, wait_statistics, waits_by_source

__all__ = [
    "FATES",
    "MEASURES",
    "OUTCOMES",
    "WITHIN_MINUTES",
    "aggregate",
    "bumped_fates",
    "ci95",
    "doctor_workload",
    "format_count",
    "format_mean",
    "left_unseen",
    "may_be_negative",
    "mean_ci",
    "outcomes_by_source",
    "overbooking_by_doctor",
    "overbooking_by_hour",
    "p90_ratio",
    "p90_ratios",
    "per_replication",
    "repeat_bumps",
    "source_shares",
    "t_quantile_975",
    "wait_statistics",
    "waitlist_length",
    "waitlist_outcomes",
    "waits_by_source",
    "who_bumped_whom",
]
