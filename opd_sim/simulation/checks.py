"""Checks that a run's frames obey the allocation rules: test helpers shipped as API.

Each function returns a list of problems (empty: all is well), so a test can assert on it and
an analyst can run it on any run's Parquet files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from opd_sim.engine import FINAL_STATUSES, DecisionKind

__all__ = ["FINAL_STATUS_NAMES", "frame_problems", "patient_problems", "seat_problems"]

#: The final statuses by name, as the frames' ``status`` column holds them.
FINAL_STATUS_NAMES = tuple(sorted(status.value for status in FINAL_STATUSES))
_TAKES_SEAT = {DecisionKind.ALLOCATED.value, DecisionKind.OVERBOOKED.value,
               DecisionKind.PROMOTED.value, DecisionKind.REALLOCATED.value}  # fmt: skip
_LEAVES_SEAT = {DecisionKind.BUMPED.value, DecisionKind.CANCELLED.value,
                DecisionKind.NO_SHOW.value, DecisionKind.LEFT.value}  # fmt: skip
# the decision kinds that end a token, each named as the status it leaves the token in
_STATUS_OF_KIND = {name: name for name in FINAL_STATUS_NAMES}


def _same(capacity: int) -> int:
    return capacity


def seat_problems(decisions: pd.DataFrame,
                  seats: Callable[[int], int] = _same) -> list[str]:  # fmt: skip
    """Replay the decision log seat by seat, per replication.

    Checks that each decision's ``seats_held`` is the number of seat holders the replay
    finds, and that no slot ever holds more non-emergency tokens than ``seats(capacity)``
    (the capacity itself under every policy but ``noshow-overbook``): only emergencies overbook.
    """
    problems: list[str] = []
    for replication, log in decisions.groupby("replication", sort=True, observed=True):
        holders: dict[int, Counter[str]] = {}  # slot -> count by "EMERGENCY" / "other"
        seat_of: dict[int, tuple[int, str]] = {}  # token -> (slot, kind of holder)
        columns = zip(log["kind"].astype(str), log["token_id"], log["source"].astype(str),
                      log["slot_id"], log["related_token_id"].fillna(-1).astype(np.int64),
                      log["seats_held"], log["capacity"], strict=True)  # fmt: skip
        for kind, token, source, slot, related, allocated, capacity in columns:
            if kind == "ALLOCATED" and related >= 0 and related in seat_of:
                victim_slot, victim_kind = seat_of.pop(related)  # bumped: seat changes hands
                holders[victim_slot][victim_kind] -= 1
            if kind in _LEAVES_SEAT and token in seat_of:
                old_slot, holder = seat_of.pop(token)
                holders[old_slot][holder] -= 1
            if kind in _TAKES_SEAT:
                holder = "EMERGENCY" if source == "EMERGENCY" else "other"
                seat_of[token] = (slot, holder)
                holders.setdefault(slot, Counter())[holder] += 1
            counts = holders.get(slot, Counter())
            if counts["EMERGENCY"] + counts["other"] != allocated:
                problems.append(f"replication {replication}: slot {slot} holds "
                                f"{counts['EMERGENCY'] + counts['other']} by replay but the "
                                f"{kind} decision of token {token} says {allocated}")  # fmt: skip
            limit = seats(int(capacity))
            if counts["other"] > limit:
                problems.append(f"replication {replication}: slot {slot} holds "
                                f"{counts['other']} non-emergency tokens > {limit} seats")
    return problems


def patient_problems(patients: pd.DataFrame, decisions: pd.DataFrame) -> list[str]:
    """Waits, times and statuses: each token once, in one final status that its last decision
    gave it; consultation times in order; a consultation exactly for the COMPLETED."""
    problems: list[str] = []
    keys = ["replication", "token_id"]
    if patients.duplicated(keys).any():
        problems.append("a token has more than one row in the patients frame")
    status = patients["status"].astype(str)
    not_final = patients[~status.isin(FINAL_STATUS_NAMES)]
    if len(not_final):
        problems.append(f"{len(not_final)} tokens end in a non-final status")
    waits = patients["wait_minutes"]
    if (waits < 0).any():
        problems.append(f"{int((waits < 0).sum())} negative waits")
    if (patients["consult_start"] < patients["arrived_at"]).any():
        problems.append("a consultation starts before its patient arrived")
    if (patients["consult_end"] < patients["consult_start"]).any():
        problems.append("a consultation ends before it starts")
    seen = patients["consult_end"].notna()
    if (seen != (status == "COMPLETED")).any():
        problems.append("consultations and COMPLETED statuses do not match one to one")
    if (patients["consult_start"].notna() & patients["arrived_at"].isna()).any():
        problems.append("a patient was seen without arriving")
    if "left_at" in patients.columns:
        left_at = patients["left_at"]
        if (left_at.notna() != (status == "LEFT")).any():
            problems.append("leaving times and LEFT statuses do not match one to one")
        if (left_at < patients["arrived_at"]).any() or (
            left_at.notna() & patients["arrived_at"].isna()
        ).any():
            problems.append("a patient left before arriving")
    final_kinds = decisions[decisions["kind"].astype(str).isin(list(_STATUS_OF_KIND))]
    last = final_kinds.groupby(keys, observed=True)["kind"].last().astype(str)
    merged = patients.set_index(keys)["status"].astype(str)
    expected = last.map(_STATUS_OF_KIND).reindex(merged.index)
    if (expected != merged).any():
        problems.append("a token's status is not what its last final decision made it")
    if len(final_kinds) != len(patients):
        problems.append(f"{len(final_kinds)} final decisions for {len(patients)} tokens")
    return problems


def frame_problems(decisions: pd.DataFrame, patients: pd.DataFrame,
                   seats: Callable[[int], int] = _same) -> list[str]:  # fmt: skip
    """Every check of this module on one run's frames."""
    return seat_problems(decisions, seats) + patient_problems(patients, decisions)
