"""The waitlist: how tokens left it and how long it was, by hand and for real."""

from __future__ import annotations

from opd_sim.analysis import waitlist_length, waitlist_outcomes

from . import by_hand
from .conftest import realistic_frames, shipped_frames

# Replication 0: three tokens join (ONLINE 1 at 0, PAID 2 and WALKIN 3 at 5); at 10 token 1 is
# promoted and token 2 cancels from the waitlist; ONLINE 4, seated, cancels at 12 (no waitlist
# change); token 3 expires at midnight. Replication 1: FOLLOWUP 1 joins and is promoted at 3.
DECISIONS = by_hand.decisions(
    (0, 0, "WAITLISTED", 1, "ONLINE", 1, None), (0, 5, "WAITLISTED", 2, "PAID", 1, None),
    (0, 5, "WAITLISTED", 3, "WALKIN", 1, None), (0, 10, "ALLOCATED", 4, "ONLINE", 2, None),
    (0, 10, "PROMOTED", 1, "ONLINE", 1, 9), (0, 10, "CANCELLED", 2, "PAID", 1, None),
    (0, 12, "CANCELLED", 4, "ONLINE", 2, None), (0, 1440, "EXPIRED", 3, "WALKIN", 1, None),
    (1, 3, "WAITLISTED", 1, "FOLLOWUP", 1, None), (1, 3, "PROMOTED", 1, "FOLLOWUP", 1, 9),
)  # fmt: skip


def test_waitlist_outcomes_by_hand():
    """Joins and each way of leaving, by source; a seated token's cancellation is not one."""
    table = waitlist_outcomes(DECISIONS)
    assert table.loc["ONLINE"].to_dict() == {
        "waitlisted": 1, "promoted": 1, "expired": 0, "expired_waiting_too_long": 0,
        "cancelled_while_waitlisted": 0, "left_unseen_while_waitlisted": 0,
    }  # fmt: skip
    assert table.loc["PAID", "cancelled_while_waitlisted"] == 1
    assert table.loc["WALKIN", "expired"] == 1
    assert table.loc["FOLLOWUP", "promoted"] == 1 and table.loc["EMERGENCY"].sum() == 0


# With patience and a waitlist expiry. WALKIN 1 joins at 540 and goes home unseen at 580;
# WALKIN 2, seated, goes home at 590 (no waitlist change); ONLINE 3 joins at 100 and expires at
# 220, past the waitlist expiry; ONLINE 4 joins at 600 and expires at midnight.
LEAVING = by_hand.decisions(
    (0, 100, "WAITLISTED", 3, "ONLINE", 2, None), (0, 220, "EXPIRED", 3, "ONLINE", 2, None,
                                                   "waitlisted past the waitlist expiry"),
    (0, 530, "ALLOCATED", 2, "WALKIN", 1, None), (0, 540, "WAITLISTED", 1, "WALKIN", 1, None),
    (0, 580, "LEFT", 1, "WALKIN", 1, None, "left unseen after waiting 40 minutes"),
    (0, 590, "LEFT", 2, "WALKIN", 1, None, "left unseen after waiting 60 minutes"),
    (0, 600, "WAITLISTED", 4, "ONLINE", 2, None), (0, 1440, "EXPIRED", 4, "ONLINE", 2, None),
)  # fmt: skip


def test_leaving_unseen_and_expiring_early_take_tokens_off_the_waitlist_by_hand():
    """A waitlisted patient who goes home leaves the waitlist, a seated one does not; an expiry
    past the waitlist expiry is an expiry, counted apart by its reason too."""
    table = waitlist_outcomes(LEAVING)
    assert table.loc["WALKIN"].to_dict() == {
        "waitlisted": 1, "promoted": 0, "expired": 0, "expired_waiting_too_long": 0,
        "cancelled_while_waitlisted": 0, "left_unseen_while_waitlisted": 1,
    }  # fmt: skip
    assert table.loc["ONLINE"].to_dict() == {
        "waitlisted": 2, "promoted": 0, "expired": 2, "expired_waiting_too_long": 1,
        "cancelled_while_waitlisted": 0, "left_unseen_while_waitlisted": 0,
    }  # fmt: skip
    steps = waitlist_length(LEAVING)
    assert list(steps.itertuples(index=False, name=None)) == [
        (0, 100.0, 1), (0, 220.0, 0), (0, 540.0, 1), (0, 580.0, 0), (0, 600.0, 1), (0, 1440.0, 0),
    ]


def test_waitlist_length_by_hand():
    """A step series per replication, one row per moment of net change (a token joining and
    leaving at one moment changes nothing)."""
    steps = waitlist_length(DECISIONS)
    assert list(steps.itertuples(index=False, name=None)) == [
        (0, 0.0, 1), (0, 5.0, 3), (0, 10.0, 1), (0, 1440.0, 0),
    ]


def test_waitlist_on_a_real_week():
    """Promotions and expiries are the summary's; every token that joined left; the length is
    never negative and every replication's waitlists are empty at the end."""
    run = shipped_frames("city_hospital_week", replications=2)
    table = waitlist_outcomes(run.decisions)
    assert table["promoted"].sum() == sum(s["promoted"] for s in run.summaries)
    assert table["expired"].sum() == sum(s["expired"] for s in run.summaries) > 0
    assert table["waitlisted"].sum() == (run.decisions["kind"] == "WAITLISTED").sum()
    left = table[["promoted", "expired", "cancelled_while_waitlisted",
                  "left_unseen_while_waitlisted"]].sum(axis=1)  # fmt: skip
    assert (left == table["waitlisted"]).all()
    steps = waitlist_length(run.decisions)
    assert sorted(steps["replication"].unique()) == [0, 1]
    assert (steps["waitlist_length"] >= 0).all() and steps["waitlist_length"].max() > 0
    for _r, series in steps.groupby("replication"):
        assert series["time"].is_monotonic_increasing and series["waitlist_length"].iloc[-1] == 0


def test_waitlist_on_a_realistic_week():
    """With patience and a waitlist expiry: both kinds of expiry are the summary's, every
    token that joined left by one of the four ways, some of them by going home, and every
    replication's waitlists are empty at the end."""
    run = realistic_frames()
    table = waitlist_outcomes(run.decisions)
    assert table["expired"].sum() == sum(s["expired"] for s in run.summaries)
    too_long = sum(s["expired_waiting_too_long"] for s in run.summaries)
    assert table["expired_waiting_too_long"].sum() == too_long > 0
    assert too_long < table["expired"].sum()  # some expired at day end too
    left = table[["promoted", "expired", "cancelled_while_waitlisted",
                  "left_unseen_while_waitlisted"]].sum(axis=1)  # fmt: skip
    assert (left == table["waitlisted"]).all() and table["left_unseen_while_waitlisted"].sum() > 0
    steps = waitlist_length(run.decisions)
    assert (steps["waitlist_length"] >= 0).all()
    assert (steps.groupby("replication")["waitlist_length"].last() == 0).all()
