"""Fairness between sources: does each source bear its share of bumps, expiries and patients
leaving unseen, and how do the longest waits of the lowest priority compare with those of
paying patients?

Counts are summed and percentiles pooled over every replication in the frame.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from opd_sim.analysis._frames import EXPIRED_STATUS, LEFT_STATUS, SOURCES, source_index
from opd_sim.analysis.waits import MEASURES, Measure

__all__ = ["p90_ratio", "p90_ratios", "source_shares"]


def source_shares(patients: pd.DataFrame) -> pd.DataFrame:
    """By source (every source, in priority order): ``tokens``, ``bumps`` (times its tokens
    lost a seat), ``expiries`` (its tokens sent home from a waitlist: at day end, or past the
    waitlist expiry), each source's share of all three (``share_of_tokens``,
    ``share_of_bumps``, ``share_of_expiries``; NaN when there were none at all), and
    ``bump_ratio`` = share of bumps / share of tokens and ``expiry_ratio`` likewise (above 1:
    the source bears more than its share).

    Patients who left unseen (status LEFT): ``left_unseen``, ``share_of_left_unseen``,
    ``left_unseen_rate`` = left unseen / the source's patients who came (``arrived_at`` set,
    as the summary's ``left_unseen.by_source.<SOURCE>.rate``) and ``left_unseen_ratio`` = the
    source's rate / everyone's rate. Only a patient who came can leave, so the fair share of
    leaving unseen is the source's share of the patients who came, not of tokens: the ratio is
    the share of left unseen over that share. NaN where nobody came or nobody left at all.
    """
    source = pd.Categorical(patients["source"].astype(str), categories=SOURCES)
    status = patients["status"].astype(str).to_numpy()
    parts = pd.DataFrame({
        "tokens": np.ones(len(patients), dtype=np.int64),
        "bumps": patients["times_bumped"].to_numpy(dtype=np.int64),
        "expiries": (status == EXPIRED_STATUS).astype(np.int64),
        "left_unseen": (status == LEFT_STATUS).astype(np.int64),
        "came": patients["arrived_at"].notna().to_numpy().astype(np.int64),
    })  # fmt: skip
    table = parts.groupby(source, observed=False).sum().astype(np.int64)
    table.index = source_index()
    came = table.pop("came")
    with np.errstate(invalid="ignore", divide="ignore"):
        for column in ("tokens", "bumps", "expiries"):
            total = table[column].sum()
            table[f"share_of_{column}"] = table[column] / total if total else math.nan
        table["bump_ratio"] = table["share_of_bumps"] / table["share_of_tokens"]
        table["expiry_ratio"] = table["share_of_expiries"] / table["share_of_tokens"]
        left, everyone = table["left_unseen"], came.sum()
        table["share_of_left_unseen"] = left / left.sum() if left.sum() else math.nan
        table["left_unseen_rate"] = (left / came).where(came > 0)
        rate = left.sum() / everyone if everyone else math.nan
        table["left_unseen_ratio"] = table["left_unseen_rate"] / rate if rate else math.nan
    return table[["tokens", "bumps", "expiries", "left_unseen", "share_of_tokens",
                  "share_of_bumps", "share_of_expiries", "share_of_left_unseen", "bump_ratio",
                  "expiry_ratio", "left_unseen_rate", "left_unseen_ratio"]]  # fmt: skip


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
