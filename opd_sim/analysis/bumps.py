"""Bumps: who bumped whom, who was bumped again and again, and what became of the bumped.

A BUMPED decision is about the token that lost its seat; its ``related_token_id`` is the token
that took it (the bumper), whose source is read from that token's own decisions. Counts are
summed over every replication in the frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opd_sim.analysis._frames import (
    ALLOCATED_STATUS,
    BUMPED,
    CANCELLED,
    COMPLETED_STATUS,
    DAY_ENDED,
    EXPIRED,
    LEFT,
    LEFT_STATUS,
    PROMOTED,
    REALLOCATED,
    SOURCES,
    WAITED_TOO_LONG,
    WAITLISTED,
    source_index,
)

__all__ = ["FATES", "bumped_fates", "repeat_bumps", "who_bumped_whom"]

#: What became of a bumped token after its last bump, one column each in :func:`bumped_fates`:
#: moved to a later seat, then each way a seated token ends; or waitlisted, then each way a
#: token leaves a waitlist. Every bumped token has exactly one.
FATES = (
    "reallocated_seen",  # moved to a later slot of the doctor's day, and seen
    "reallocated_not_seen",  # moved, then cancelled or did not come
    "reallocated_left_unseen",  # moved, came, and went home before being called in
    "promoted_seen",  # waitlisted, promoted into a freed seat, and seen
    "promoted_not_seen",  # waitlisted, promoted, then cancelled or did not come
    "promoted_left_unseen",  # waitlisted, promoted, came, and went home before being called in
    "expired_at_day_end",  # waitlisted until its day ended
    "expired_waiting_too_long",  # waitlisted for the scenario's waitlist_expiry_minutes
    "cancelled_while_waitlisted",  # left the waitlist by cancelling
    "left_unseen_while_waitlisted",  # came, and went home from the waitlist
    # only in a recorded history (opd-sim export), whose tokens need not have ended yet:
    "reallocated_holding_seat",  # moved, and still holds the seat
    "promoted_holding_seat",  # waitlisted, promoted, and still holds the seat
    "still_waitlisted",  # waitlisted, and still waiting
)

def who_bumped_whom(decisions: pd.DataFrame) -> pd.DataFrame:
    """Bumps counted by the bumped token's source (rows, ``bumped_source``) and the bumping
    token's source (columns, ``bumping_source``); every source both ways, in priority order."""
    bumps = decisions[decisions["kind"] == BUMPED]
    first = decisions.drop_duplicates(["replication", "token_id"])
    source_of = pd.Series(first["source"].astype(str).to_numpy(),
                          index=pd.MultiIndex.from_frame(first[["replication", "token_id"]]))
    bumper = pd.MultiIndex.from_arrays([bumps["replication"].to_numpy(),
                                        bumps["related_token_id"].to_numpy(dtype=np.int64)])
    table = pd.crosstab(
        pd.Categorical(bumps["source"].astype(str), categories=SOURCES),
        pd.Categorical(source_of.reindex(bumper).to_numpy(), categories=SOURCES),
        dropna=False,
    )  # fmt: skip
    table = table.reindex(index=SOURCES, columns=SOURCES, fill_value=0).astype(np.int64)
    table.index = source_index("bumped_source")
    table.columns = source_index("bumping_source")
    return table


def repeat_bumps(patients: pd.DataFrame, at_least: int = 2) -> pd.DataFrame:
    """By source: ``tokens``, tokens ``bumped`` at least once, tokens ``bumped_repeatedly``
    (``at_least`` times or more) and the ``most_times_bumped`` of any one token."""
    times = patients["times_bumped"].to_numpy(dtype=np.int64)
    parts = pd.DataFrame({"tokens": 1, "bumped": (times >= 1).astype(np.int64),
                          "bumped_repeatedly": (times >= at_least).astype(np.int64),
                          "most_times_bumped": times})  # fmt: skip
    source = pd.Categorical(patients["source"].astype(str), categories=SOURCES)
    grouped = parts.groupby(source, observed=False)
    table = grouped[["tokens", "bumped", "bumped_repeatedly"]].sum()
    table["most_times_bumped"] = grouped["most_times_bumped"].max().fillna(0)
    table = table.astype(np.int64)
    table.index = source_index()
    return table


def _after_last_bump(decisions: pd.DataFrame) -> pd.DataFrame:
    """For each token ever bumped: the kinds of its decisions after its last bump, as the
    route taken (REALLOCATED or WAITLISTED) and, when the route was the waitlist, the next step
    (PROMOTED, EXPIRED, CANCELLED, LEFT) with its reason (which expiry it was)."""
    keys = ["replication", "token_id"]
    bumped = decisions.loc[decisions["kind"] == BUMPED, keys].drop_duplicates()
    theirs = decisions[[*keys, "kind", "reason"]].merge(bumped, on=keys, how="inner", sort=False)
    theirs["kind"] = theirs["kind"].astype(str)
    theirs["reason"] = theirs["reason"].astype(str)
    theirs["step"] = theirs.groupby(keys, sort=False).cumcount()
    last = theirs[theirs["kind"] == BUMPED].groupby(keys, sort=False)["step"].max()
    theirs = theirs.join(last.rename("last_bump"), on=keys)
    after = theirs[theirs["step"] > theirs["last_bump"]]
    route = after[after["step"] == after["last_bump"] + 1].set_index(keys)["kind"]
    then = after[after["step"] == after["last_bump"] + 2].set_index(keys)[["kind", "reason"]]
    then = then.reindex(route.index)
    return pd.DataFrame({"route": route, "then": then["kind"], "why": then["reason"]})

def bumped_fates(decisions: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """What became of every bumped token after its last bump, by source: one column per
    :data:`FATES` entry (rows: every source, in priority order). Each bumped token counts once,
    under one fate; summed over replications.

    Not seen: the patient cancelled or did not come. Left unseen: the patient came and went
    home before being called in, having waited their patience (``patience_minutes``). The two
    expiries add up to the bumped tokens that ended EXPIRED, told apart by their decision's
    reason. The last three fates are of tokens that have not ended: a recorded history's
    (``opd-sim export``), never a finished simulated run's.
    """
    routes = _after_last_bump(decisions)
    status = patients.set_index(["replication", "token_id"])[["source", "status"]]
    fates = routes.join(status, how="left")
    final = fates["status"].astype(str)
    seen, left = final == COMPLETED_STATUS, final == LEFT_STATUS
    holding = final == ALLOCATED_STATUS  # seated still: a history not yet over
    ended = ~seen & ~left & ~holding
    reallocated = fates["route"] == REALLOCATED
    waitlisted = fates["route"] == WAITLISTED
    promoted = waitlisted & (fates["then"] == PROMOTED)
    expired = waitlisted & (fates["then"] == EXPIRED)
    fate = np.select(
        [reallocated & seen, reallocated & ended, reallocated & left,
         promoted & seen, promoted & ended, promoted & left,
         expired & (fates["why"] == DAY_ENDED), expired & (fates["why"] == WAITED_TOO_LONG),
         waitlisted & (fates["then"] == CANCELLED), waitlisted & (fates["then"] == LEFT),
         reallocated & holding, promoted & holding, waitlisted & fates["then"].isna()],
        list(FATES), default="",
    )  # fmt: skip
    if (fate == "").any():  # a route the engine does not take: say so rather than miscount
        raise ValueError("a bumped token's decisions after its last bump are not a known fate")
    table = pd.crosstab(pd.Categorical(fates["source"].astype(str), categories=SOURCES),
                        pd.Categorical(fate, categories=FATES), dropna=False)  # fmt: skip
    table = table.reindex(index=SOURCES, columns=list(FATES), fill_value=0).astype(np.int64)
    table.index = source_index()
    table.columns.name = "fate"
    return table
