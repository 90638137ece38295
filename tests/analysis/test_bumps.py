"""Bumps: who bumped whom, repeat bumps and what became of the bumped, by hand and for real."""

from __future__ import annotations

import numpy as np
import pytest

from opd_sim.analysis import FATES, bumped_fates, repeat_bumps, who_bumped_whom

from . import by_hand
from .conftest import realistic_frames, shipped_frames

SOURCES = ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"]

# Replication 0: ONLINE token 1 is bumped by PAID 2, reallocated, bumped by PAID 5, waitlisted,
# promoted when 5 cancels, and seen; FOLLOWUP 3 is bumped by PAID 4, reallocated, and stays away.
# Replication 1 reuses token ids with other sources: WALKIN 1 is bumped by ONLINE 2 and expires;
# ONLINE 3 is bumped by PAID 4 and cancels while waitlisted; FOLLOWUP 5 is bumped by PAID 6,
# reallocated and seen; WALKIN 7 is bumped by ONLINE 8, promoted when 8 cancels, and stays away.
DECISIONS = by_hand.decisions(
    (0, 0, "ALLOCATED", 1, "ONLINE", 1, None), (0, 1, "ALLOCATED", 2, "PAID", 1, 1),
    (0, 1, "BUMPED", 1, "ONLINE", 1, 2), (0, 1, "REALLOCATED", 1, "ONLINE", 2, 2),
    (0, 2, "ALLOCATED", 5, "PAID", 2, 1), (0, 2, "BUMPED", 1, "ONLINE", 2, 5),
    (0, 2, "WAITLISTED", 1, "ONLINE", 2, 5), (0, 3, "ALLOCATED", 3, "FOLLOWUP", 3, None),
    (0, 4, "ALLOCATED", 4, "PAID", 3, 3), (0, 4, "BUMPED", 3, "FOLLOWUP", 3, 4),
    (0, 4, "REALLOCATED", 3, "FOLLOWUP", 4, 4), (0, 5, "CANCELLED", 5, "PAID", 2, None),
    (0, 5, "PROMOTED", 1, "ONLINE", 2, 5), (0, 600, "NO_SHOW", 3, "FOLLOWUP", 4, None),
    (0, 610, "COMPLETED", 1, "ONLINE", 2, None), (0, 620, "COMPLETED", 2, "PAID", 1, None),
    (0, 630, "COMPLETED", 4, "PAID", 3, None),
    (1, 0, "ALLOCATED", 1, "WALKIN", 1, None), (1, 1, "ALLOCATED", 2, "ONLINE", 1, 1),
    (1, 1, "BUMPED", 1, "WALKIN", 1, 2), (1, 1, "WAITLISTED", 1, "WALKIN", 1, 2),
    (1, 2, "ALLOCATED", 3, "ONLINE", 2, None), (1, 3, "ALLOCATED", 4, "PAID", 2, 3),
    (1, 3, "BUMPED", 3, "ONLINE", 2, 4), (1, 3, "WAITLISTED", 3, "ONLINE", 2, 4),
    (1, 4, "CANCELLED", 3, "ONLINE", 2, None), (1, 5, "ALLOCATED", 5, "FOLLOWUP", 3, None),
    (1, 6, "ALLOCATED", 6, "PAID", 3, 5), (1, 6, "BUMPED", 5, "FOLLOWUP", 3, 6),
    (1, 6, "REALLOCATED", 5, "FOLLOWUP", 4, 6), (1, 7, "ALLOCATED", 7, "WALKIN", 5, None),
    (1, 8, "ALLOCATED", 8, "ONLINE", 5, 7), (1, 8, "BUMPED", 7, "WALKIN", 5, 8),
    (1, 8, "WAITLISTED", 7, "WALKIN", 5, 8), (1, 9, "CANCELLED", 8, "ONLINE", 5, None),
    (1, 9, "PROMOTED", 7, "WALKIN", 5, 8), (1, 600, "COMPLETED", 2, "ONLINE", 1, None),
    (1, 610, "COMPLETED", 4, "PAID", 2, None), (1, 620, "COMPLETED", 5, "FOLLOWUP", 4, None),
    (1, 630, "COMPLETED", 6, "PAID", 3, None), (1, 640, "NO_SHOW", 7, "WALKIN", 5, None),
    (1, 1440, "EXPIRED", 1, "WALKIN", 1, None),
)  # fmt: skip


def _token(replication, token_id, source, status, times_bumped=0):
    return {"replication": replication, "token_id": token_id, "source": source,
            "status": status, "times_bumped": times_bumped}  # fmt: skip


PATIENTS = by_hand.patients(
    _token(0, 1, "ONLINE", "COMPLETED", 2), _token(0, 2, "PAID", "COMPLETED"),
    _token(0, 3, "FOLLOWUP", "NO_SHOW", 1), _token(0, 4, "PAID", "COMPLETED"),
    _token(0, 5, "PAID", "CANCELLED"),
    _token(1, 1, "WALKIN", "EXPIRED", 1), _token(1, 2, "ONLINE", "COMPLETED"),
    _token(1, 3, "ONLINE", "CANCELLED", 1), _token(1, 4, "PAID", "COMPLETED"),
    _token(1, 5, "FOLLOWUP", "COMPLETED", 1), _token(1, 6, "PAID", "COMPLETED"),
    _token(1, 7, "WALKIN", "NO_SHOW", 1), _token(1, 8, "ONLINE", "CANCELLED"),
)  # fmt: skip


def test_who_bumped_whom_by_hand():
    """Bumped sources by bumping sources; each bumper's source is read in its own replication
    (token 2 is PAID in replication 0 and ONLINE in replication 1)."""
    table = who_bumped_whom(DECISIONS)
    assert list(table.index) == SOURCES and list(table.columns) == SOURCES
    expected = {("ONLINE", "PAID"): 3, ("FOLLOWUP", "PAID"): 2, ("WALKIN", "ONLINE"): 2}
    counts = {(row, col): int(table.at[row, col]) for row in SOURCES for col in SOURCES
              if table.at[row, col]}  # fmt: skip
    assert counts == expected


def test_repeat_bumps_by_hand():
    """Token 1 of replication 0 was bumped twice: the one repeat."""
    table = repeat_bumps(PATIENTS)
    assert table.loc["ONLINE"].to_dict() == {"tokens": 4, "bumped": 2, "bumped_repeatedly": 1,
                                             "most_times_bumped": 2}  # fmt: skip
    assert table.loc["PAID"].to_dict() == {"tokens": 5, "bumped": 0, "bumped_repeatedly": 0,
                                           "most_times_bumped": 0}  # fmt: skip
    assert table.loc["EMERGENCY", "tokens"] == 0
    assert repeat_bumps(PATIENTS, at_least=1)["bumped_repeatedly"].sum() == 6


def _fates(table):
    """A fates table's non-zero cells, by (source, fate)."""
    assert list(table.index) == SOURCES and list(table.columns) == list(FATES)
    return {(row, col): int(table.at[row, col]) for row in SOURCES for col in FATES
            if table.at[row, col]}  # fmt: skip


def test_bumped_fates_by_hand():
    """Each bumped token's fate after its last bump: the six fates of a day where nobody leaves
    and waitlists expire only at day end, one token each."""
    assert _fates(bumped_fates(DECISIONS, PATIENTS)) == {
        ("ONLINE", "promoted_seen"): 1, ("FOLLOWUP", "reallocated_not_seen"): 1,
        ("WALKIN", "expired_at_day_end"): 1, ("ONLINE", "cancelled_while_waitlisted"): 1,
        ("FOLLOWUP", "reallocated_seen"): 1, ("WALKIN", "promoted_not_seen"): 1,
    }  # fmt: skip


# A day with patience and a waitlist expiry, each token's decisions together for reading (the
# analysis reads a token's decisions in their order, whatever comes between). WALKIN 1 is bumped
# by PAID 2, waitlisted, and goes home after waiting 40 minutes; ONLINE 3 is bumped by PAID 4,
# waitlisted, and expires 120 minutes after its request; FOLLOWUP 5 is bumped by PAID 6, moved
# to slot 4, comes, and leaves; WALKIN 7 is bumped by ONLINE 8, waitlisted, promoted when 8
# cancels, and leaves; ONLINE 9 is bumped by PAID 10, waitlisted, and is still there when the
# day ends.
LEFT_40 = "left unseen after waiting 40 minutes"
TOO_LONG = "waitlisted past the waitlist expiry"
LEAVING = by_hand.decisions(
    (0, 540, "ALLOCATED", 1, "WALKIN", 1, None), (0, 545, "ALLOCATED", 2, "PAID", 1, 1),
    (0, 545, "BUMPED", 1, "WALKIN", 1, 2), (0, 545, "WAITLISTED", 1, "WALKIN", 1, 2),
    (0, 580, "LEFT", 1, "WALKIN", 1, None, LEFT_40),
    (0, 480, "ALLOCATED", 3, "ONLINE", 2, None), (0, 500, "ALLOCATED", 4, "PAID", 2, 3),
    (0, 500, "BUMPED", 3, "ONLINE", 2, 4), (0, 500, "WAITLISTED", 3, "ONLINE", 2, 4),
    (0, 600, "EXPIRED", 3, "ONLINE", 2, None, TOO_LONG),
    (0, 540, "ALLOCATED", 5, "FOLLOWUP", 3, None), (0, 550, "ALLOCATED", 6, "PAID", 3, 5),
    (0, 550, "BUMPED", 5, "FOLLOWUP", 3, 6), (0, 550, "REALLOCATED", 5, "FOLLOWUP", 4, 6),
    (0, 640, "LEFT", 5, "FOLLOWUP", 4, None, LEFT_40),
    (0, 560, "ALLOCATED", 7, "WALKIN", 5, None), (0, 565, "ALLOCATED", 8, "ONLINE", 5, 7),
    (0, 565, "BUMPED", 7, "WALKIN", 5, 8), (0, 565, "WAITLISTED", 7, "WALKIN", 5, 8),
    (0, 570, "CANCELLED", 8, "ONLINE", 5, None), (0, 570, "PROMOTED", 7, "WALKIN", 5, 8),
    (0, 605, "LEFT", 7, "WALKIN", 5, None, LEFT_40),
    (0, 400, "ALLOCATED", 9, "ONLINE", 6, None), (0, 410, "ALLOCATED", 10, "PAID", 6, 9),
    (0, 410, "BUMPED", 9, "ONLINE", 6, 10), (0, 410, "WAITLISTED", 9, "ONLINE", 6, 10),
    (0, 1440, "EXPIRED", 9, "ONLINE", 6, None),
)  # fmt: skip
LEAVING_PATIENTS = by_hand.patients(
    {"token_id": 1, "source": "WALKIN", "status": "LEFT", "times_bumped": 1,
     "arrived_at": 540.0, "left_at": 580.0},
    {"token_id": 3, "source": "ONLINE", "status": "EXPIRED", "times_bumped": 1},
    {"token_id": 5, "source": "FOLLOWUP", "status": "LEFT", "times_bumped": 1,
     "arrived_at": 600.0, "left_at": 640.0},
    {"token_id": 7, "source": "WALKIN", "status": "LEFT", "times_bumped": 1,
     "arrived_at": 565.0, "left_at": 605.0},
    {"token_id": 9, "source": "ONLINE", "status": "EXPIRED", "times_bumped": 1},
)  # fmt: skip


def test_bumped_fates_of_patients_who_leave_or_wait_too_long_by_hand():
    """Leaving unseen from the waitlist, after a move and after a promotion are three fates;
    an expiry is told by its reason, at day end or past the waitlist expiry."""
    assert _fates(bumped_fates(LEAVING, LEAVING_PATIENTS)) == {
        ("WALKIN", "left_unseen_while_waitlisted"): 1, ("ONLINE", "expired_waiting_too_long"): 1,
        ("FOLLOWUP", "reallocated_left_unseen"): 1, ("WALKIN", "promoted_left_unseen"): 1,
        ("ONLINE", "expired_at_day_end"): 1,
    }  # fmt: skip


def test_a_route_the_engine_does_not_take_is_refused_not_miscounted():
    """A waitlisted token whose next decision is none of the ways off a waitlist (here a
    second WAITLISTED) is an error naming the problem, not a silent gap in the table."""
    odd = by_hand.decisions(
        (0, 0, "ALLOCATED", 1, "ONLINE", 1, None), (0, 1, "ALLOCATED", 2, "PAID", 1, 1),
        (0, 1, "BUMPED", 1, "ONLINE", 1, 2), (0, 1, "WAITLISTED", 1, "ONLINE", 1, 2),
        (0, 2, "WAITLISTED", 1, "ONLINE", 1, None),
    )  # fmt: skip
    patients = by_hand.patients({"token_id": 1, "source": "ONLINE", "status": "EXPIRED",
                                 "times_bumped": 1})  # fmt: skip
    with pytest.raises(ValueError, match="not a known fate"):
        bumped_fates(odd, patients)


def test_bumps_on_a_real_week():
    """Under the default rules: every bump is counted once, a bumper always has strictly higher
    priority (nothing on or above the diagonal), and the patients' times_bumped agree with the
    decisions."""
    run = shipped_frames("city_hospital_week", replications=2)
    table = who_bumped_whom(run.decisions)
    assert table.to_numpy().sum() == sum(s["bumped"] for s in run.summaries) > 0
    assert not np.triu(table.to_numpy()).any()
    bumps = run.decisions[run.decisions["kind"] == "BUMPED"]
    per_token = bumps.groupby(["replication", "token_id"]).size()
    repeats = repeat_bumps(run.patients)
    assert repeats["bumped"].sum() == len(per_token)
    assert repeats["bumped_repeatedly"].sum() == (per_token >= 2).sum() > 0
    fates = bumped_fates(run.decisions, run.patients)
    assert (fates.sum(axis=1) == repeats["bumped"]).all()
    moved = fates[["reallocated_seen", "reallocated_not_seen"]].to_numpy().sum()
    assert moved <= sum(s["reallocated"] for s in run.summaries)
    expired = fates[["expired_at_day_end", "expired_waiting_too_long"]].to_numpy().sum()
    assert expired <= sum(s["expired"] for s in run.summaries)


def test_bumps_on_a_realistic_week():
    """With patience, waitlist expiry and late doctors: every bumped token has one fate (none
    left unknown), the expiries among them are the summary's at most, and a token that expired
    past the waitlist expiry is one the summary counts so."""
    run = realistic_frames()
    fates = bumped_fates(run.decisions, run.patients)
    assert (fates.sum(axis=1) == repeat_bumps(run.patients)["bumped"]).all()
    assert fates.to_numpy().sum() == run.decisions.loc[run.decisions["kind"] == "BUMPED",
                                                       ["replication", "token_id"]
                                                       ].drop_duplicates().shape[0] > 0
    assert fates["expired_waiting_too_long"].sum() > 0  # the case this run is here for
    assert fates["expired_waiting_too_long"].sum() <= sum(
        s["expired_waiting_too_long"] for s in run.summaries)
    assert fates["expired_at_day_end"].sum() <= sum(
        s["waitlisted_remaining"] for s in run.summaries)
