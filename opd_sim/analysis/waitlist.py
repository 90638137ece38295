"""The waitlist: who joined it, how they left it (promoted, expired, cancelled, left unseen),
how long it was.

Read from the decisions frame alone. A token joins a waitlist with a WAITLISTED decision (on
booking, or after a bump found no later seat) and leaves it with the next decision about it:
PROMOTED into a freed seat; EXPIRED at the end of its day or, when the scenario sets
``waitlist_expiry_minutes``, that long after its request (the decision's reason tells which);
CANCELLED by the patient; or LEFT by a patient who came and went home unseen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opd_sim.analysis._frames import (
    CANCELLED,
    EXPIRED,
    LEFT,
    PROMOTED,
    SOURCES,
    WAITED_TOO_LONG,
    WAITLISTED,
    previous_kind,
    source_index,
)

__all__ = ["waitlist_length", "waitlist_outcomes"]


def _steps(decisions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(joins, leaves): which decisions put a token on a waitlist and which took one off."""
    kind = decisions["kind"].astype(str).to_numpy()
    came_from = previous_kind(decisions).to_numpy()
    joins = kind == WAITLISTED
    # a cancellation or a patient leaving takes a token off a waitlist only if it was on one
    # (a seated token may cancel or leave too)
    leaves = ((kind == PROMOTED) | (kind == EXPIRED)
              | (((kind == CANCELLED) | (kind == LEFT)) & (came_from == WAITLISTED)))  # fmt: skip
    return joins, leaves


def waitlist_outcomes(decisions: pd.DataFrame) -> pd.DataFrame:
    """By source (every source, in priority order), summed over replications: times a token was
    ``waitlisted`` (a token bumped twice may join twice), and how it left: ``promoted``,
    ``expired``, ``cancelled_while_waitlisted`` or ``left_unseen_while_waitlisted`` (the
    patient came and went home); these four add up to ``waitlisted`` once every waitlist is
    empty. ``expired_waiting_too_long`` is the part of ``expired`` that was waitlisted for the
    scenario's ``waitlist_expiry_minutes``; the rest expired when their day ended (as the
    summary's ``expired`` and ``expired_waiting_too_long``)."""
    kind = decisions["kind"].astype(str).to_numpy()
    expired = kind == EXPIRED
    joins, leaves = _steps(decisions)
    parts = pd.DataFrame({
        "waitlisted": joins,
        "promoted": kind == PROMOTED,
        "expired": expired,
        "expired_waiting_too_long": expired & (decisions["reason"] == WAITED_TOO_LONG).to_numpy(),
        "cancelled_while_waitlisted": leaves & (kind == CANCELLED),
        "left_unseen_while_waitlisted": leaves & (kind == LEFT),
    }).astype(np.int64)  # fmt: skip
    source = pd.Categorical(decisions["source"].astype(str), categories=SOURCES)
    table = parts.groupby(source, observed=False).sum().astype(np.int64)
    table.index = source_index()
    return table


def waitlist_length(decisions: pd.DataFrame) -> pd.DataFrame:
    """Tokens on any waitlist over time, a step series per replication: one row per
    replication and moment the length changed (``replication``, ``time`` in minutes,
    ``waitlist_length`` from that moment on), in time order; the length is 0 before a
    replication's first row. Several decisions at one moment make one row (their net effect).
    """
    joins, leaves = _steps(decisions)
    change = joins.astype(np.int64) - leaves.astype(np.int64)
    moves = pd.DataFrame({"replication": decisions["replication"].to_numpy(),
                          "time": decisions["time"].to_numpy(dtype=np.float64),
                          "change": change})[change != 0]  # fmt: skip
    moves["waitlist_length"] = moves.groupby("replication")["change"].cumsum()
    last = moves.groupby(["replication", "time"], sort=True).tail(1)  # same moment: its end
    steps = last[["replication", "time", "waitlist_length"]].sort_values(
        ["replication", "time"], kind="stable")
    before = steps.groupby("replication")["waitlist_length"].shift(1).fillna(0)
    return steps[steps["waitlist_length"] != before].reset_index(drop=True)  # a net change only
