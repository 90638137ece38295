"""Metamorphic checks on common random numbers: one seed, two versions of a scenario, and what
the analysis must find between them."""

from __future__ import annotations

import pytest

from opd_sim.analysis import bumped_fates, repeat_bumps, waitlist_outcomes, who_bumped_whom

from .conftest import run_frames, shipped, shipped_frames, variant

SEEDS = (1, 2, 3)


def test_fifo_bumps_nobody():
    """On the seed where the default rules bump patients, fifo has an empty who-bumped-whom
    table and no bumped token to follow."""
    bumping = shipped_frames("city_hospital_week")
    assert who_bumped_whom(bumping.decisions).to_numpy().sum() > 0
    fifo = run_frames(variant("city_hospital_week", policy={"name": "fifo", "params": {}}))
    assert who_bumped_whom(fifo.decisions).to_numpy().sum() == 0
    assert bumped_fates(fifo.decisions, fifo.patients).to_numpy().sum() == 0
    assert repeat_bumps(fifo.patients)["bumped"].sum() == 0


def _booked_ahead_only(seats: int):
    """The original day with only ONLINE and PAID bookings made ahead, their cancellations,
    nobody staying away, and fifo: then seats change who is waitlisted and nothing else."""
    day = shipped("original_opd_day").model_dump()
    demand = {"online": {**day["demand"]["online"], "per_day": 150}, "paid": day["demand"]["paid"]}
    doctors = [{**d, "seats_per_slot": seats} for d in day["doctors"]]
    return variant("original_opd_day", demand=demand, doctors=doctors, no_show={},
                   policy={"name": "fifo", "params": {}})  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS)
def test_more_seats_never_waitlist_or_expire_more(seed):
    """More seats per slot never give more waitlisted or expired tokens. This holds by
    construction in this scenario: bookings and cancellations come at the same moments whatever
    the seats (common random numbers; fifo moves nobody), and with only promotions filling freed
    seats each slot's waitlist is max(0, tokens still booked - seats) at every moment."""
    waitlisted, expired = [], []
    for seats in (1, 2, 3):
        table = waitlist_outcomes(run_frames(_booked_ahead_only(seats), seed).decisions)
        waitlisted.append(table["waitlisted"].sum())
        expired.append(table["expired"].sum())
    assert waitlisted == sorted(waitlisted, reverse=True) and waitlisted[0] > waitlisted[-1]
    assert expired == sorted(expired, reverse=True) and expired[0] > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_higher_no_show_probability_gives_more_no_shows(seed):
    """The same patients draw the same uniform numbers; a higher no-show probability turns more
    of them into absentees, and more no-shows are declared."""
    base = run_frames(shipped("original_opd_day"), seed)
    rules = {"online": {"probability": 0.3, "per_lead_day": 0.01, "max": 0.5},
             "paid": {"probability": 0.3}}  # fmt: skip
    absent = run_frames(variant("original_opd_day", no_show=rules), seed)
    assert absent.summaries[0]["no_shows"] > base.summaries[0]["no_shows"]
    assert (absent.patients["status"] == "NO_SHOW").sum() == absent.summaries[0]["no_shows"]
