"""Fairness between sources: does each source bear its share of bumps and expiries, and how do
the longest waits of the lowest priority compare with those of paying patients?

Counts are summed and percentiles pooled over every replication in the frame.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from opd_sim.analysis._frames import SOURCES, source_index
from opd_sim.analysis.waits import MEASURES, Measure

__all__ = ["p90_ratio", "p90_ratios", "source_shares"]


def source_shares(patients: pd.DataFrame) -> pd.DataFrame:
    """By source (every source, in priority order): ``tokens``, ``bumps`` (times its tokens
    lost a seat), ``expiries`` (its tokens still waitlisted when their day ended), each source's
    share of all three (``share_of_tokens``, ``share_of_bumps``, ``share_of_expiries``; NaN
    when there were none at all), and ``bump_ratio`` = share of bumps / share of tokens and
    ``expiry_ratio`` likewise (above 1: the source bears more than its share)."""
    source = pd.Categorical(patients["source"].astype(str), categories=SOURCES)
    parts = pd.DataFrame({
        "tokens": np.ones(len(patients), dtype=np.int64),
        "bumps": patients["times_bumped"].to_numpy(dtype=np.int64),
        "expiries": (patients["status"].astype(str) == "EXPIRED").to_numpy().astype(np.int64),
    })  # fmt: skip
    table = parts.groupby(source, observed=False).sum().astype(np.int64)
    table.index = source_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        for column in ("tokens", "bumps", "expiries"):
            total = table[column].sum()
            table[f"share_of_{column}"] = table[column] / total if total else math.nan
        table["bump_ratio"] = table["share_of_bumps"] / table["share_of_tokens"]
        table["expiry_ratio"] = table["share_of_expiries"] / table["share_of_tokens"]
    return table


def p90_ratio(patients: pd.DataFrame, measure: Measure = "wait_minutes",
              source: str = "WALKIN", reference: str = "PAID") -> float:  # fmt: skip
    """The 90th percentile of ``measure`` for ``source`` over that for ``reference`` (patients
    seen, pooled over replications); NaN when either has nobody seen or the reference's 90th
    percentile is not above zero (a ratio of those says nothing)."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    names = patients["source"].astype(str)
    p90 = []
    for name in (source, reference):
        values = patients.loc[names == name, measure].dropna().to_numpy(dtype=np.float64)
        p90.append(float(np.percentile(values, 90)) if len(values) else math.nan)
    if math.isnan(p90[0]) or not p90[1] > 0:
        return math.nan
    return p90[0] / p90[1]


def p90_ratios(patients: pd.DataFrame) -> dict[str, float]:
    """The WALKIN / PAID :func:`p90_ratio` of each measure: ``{"wait_minutes": ...,
    "delay_minutes": ...}``."""
    return {measure: p90_ratio(patients, measure) for measure in MEASURES}
