"""Fairness between sources: shares of tokens, bumps and expiries; the p90 ratio."""

from __future__ import annotations

import math

import pytest

from opd_sim.analysis import p90_ratio, p90_ratios, source_shares

from . import by_hand
from .conftest import realistic_frames, shipped_frames


def _token(source, status="COMPLETED", times_bumped=0, wait=math.nan, delay=math.nan):
    return {"source": source, "status": status, "times_bumped": times_bumped,
            "wait_minutes": wait, "delay_minutes": delay}  # fmt: skip


PATIENTS = by_hand.patients(
    _token("ONLINE", times_bumped=2), _token("ONLINE", "EXPIRED"),
    _token("PAID", wait=5.0, delay=-1.0), _token("PAID", wait=15.0, delay=0.0),
    _token("WALKIN", "EXPIRED", times_bumped=1), _token("WALKIN", wait=10.0, delay=10.0),
    _token("WALKIN", wait=20.0, delay=20.0), _token("WALKIN", "CANCELLED"),
)  # fmt: skip


def test_source_shares_by_hand():
    """Eight tokens: ONLINE has a quarter of them but two thirds of the bumps; WALKIN half the
    tokens and half the expiries; a source without tokens has no ratio."""
    table = source_shares(PATIENTS)
    online, walkin = table.loc["ONLINE"], table.loc["WALKIN"]
    assert (online["tokens"], online["bumps"], online["expiries"]) == (2, 2, 1)
    assert online["share_of_tokens"] == 0.25 and online["share_of_bumps"] == pytest.approx(2 / 3)
    assert online["bump_ratio"] == pytest.approx(8 / 3) and online["expiry_ratio"] == 2.0
    assert walkin["share_of_expiries"] == 0.5 and walkin["expiry_ratio"] == 1.0
    assert walkin["bump_ratio"] == pytest.approx(2 / 3)
    assert table.loc["PAID", "bump_ratio"] == 0.0
    assert math.isnan(table.loc["EMERGENCY", "bump_ratio"])


def _came(source, status="COMPLETED"):
    return {"source": source, "status": status, "arrived_at": 540.0,
            "left_at": 600.0 if status == "LEFT" else math.nan}  # fmt: skip


# Eight patients came (four walk-ins, two online, two paid) and three of them left unseen: two
# walk-ins and one online; a third online token did not come. Nobody was bumped or expired.
LEAVING = by_hand.patients(
    _came("WALKIN", "LEFT"), _came("WALKIN", "LEFT"), _came("WALKIN"), _came("WALKIN"),
    _came("ONLINE", "LEFT"), _came("ONLINE"), _token("ONLINE", "NO_SHOW"),
    _came("PAID"), _came("PAID"),
)  # fmt: skip


def test_left_unseen_shares_by_hand():
    """Walk-ins and online patients both left at a rate of 1/2 against everyone's 3/8: each
    4/3 times its fair share, the share of those who came (online's no-show does not count,
    though it is a token); nobody of a source came: no rate."""
    table = source_shares(LEAVING)
    walkin, online, paid = table.loc["WALKIN"], table.loc["ONLINE"], table.loc["PAID"]
    assert (walkin["left_unseen"], online["left_unseen"], paid["left_unseen"]) == (2, 1, 0)
    assert walkin["share_of_left_unseen"] == pytest.approx(2 / 3)
    assert walkin["left_unseen_rate"] == online["left_unseen_rate"] == 0.5
    assert walkin["left_unseen_ratio"] == online["left_unseen_ratio"] == pytest.approx(4 / 3)
    assert paid["left_unseen_rate"] == 0.0 and paid["left_unseen_ratio"] == 0.0
    assert math.isnan(table.loc["EMERGENCY", "left_unseen_rate"])
    assert math.isnan(table.loc["EMERGENCY", "left_unseen_ratio"])
    assert table["expiries"].sum() == 0 and table["share_of_expiries"].isna().all()


def test_nobody_leaving_has_no_ratio_to_speak_of():
    """A day where nobody left: rates of 0, no shares of leaving and no ratio (0 / 0)."""
    table = source_shares(PATIENTS)
    assert table["left_unseen"].sum() == 0
    assert table["share_of_left_unseen"].isna().all() and table["left_unseen_ratio"].isna().all()


def test_p90_ratio_by_hand():
    """WALKIN waits 10 and 20 (p90 19), PAID 5 and 15 (p90 14); PAID's delays have a p90 below
    zero, so their ratio says nothing (NaN)."""
    assert p90_ratio(PATIENTS) == pytest.approx(19 / 14)
    assert math.isnan(p90_ratio(PATIENTS, "delay_minutes"))
    ratios = p90_ratios(PATIENTS)
    assert set(ratios) == {"wait_minutes", "delay_minutes"}
    assert ratios["wait_minutes"] == pytest.approx(19 / 14)
    assert p90_ratio(PATIENTS, source="PAID", reference="WALKIN") == pytest.approx(14 / 19)
    assert math.isnan(p90_ratio(PATIENTS, source="FOLLOWUP"))


def test_fairness_on_a_real_week():
    """Shares add up to one, bumps and expiries are the summary's, and the p90 ratio is that of
    the two sources' own percentiles."""
    run = shipped_frames("city_hospital_week")
    table = source_shares(run.patients)
    for column in ("share_of_tokens", "share_of_bumps", "share_of_expiries"):
        assert table[column].sum() == pytest.approx(1.0)
    summary = run.summaries[0]
    assert table["tokens"].sum() == summary["tokens_booked"]
    assert table["bumps"].sum() == summary["bumped"] and table["expiries"].sum() == summary[
        "expired"]
    assert table.loc["EMERGENCY", "bumps"] == 0  # emergencies are never bumped
    p90 = {s: summary["waits"]["by_source"][s]["p90"] for s in ("WALKIN", "PAID")}
    assert p90_ratio(run.patients) == pytest.approx(p90["WALKIN"] / p90["PAID"])


def test_left_unseen_shares_on_a_realistic_week():
    """Left-unseen counts and rates by source are the summary's; shares of those who left add
    up to one; everyone's rate times each source's ratio is its rate."""
    run = realistic_frames(replications=1)
    table = source_shares(run.patients)
    summary = run.summaries[0]["left_unseen"]
    assert table["left_unseen"].sum() == summary["n"] > 0
    assert table["share_of_left_unseen"].sum() == pytest.approx(1.0)
    for source, mine in summary["by_source"].items():
        assert table.at[source, "left_unseen"] == mine["n"]
        if mine["rate"] is None:
            assert math.isnan(table.at[source, "left_unseen_rate"])
        else:
            assert table.at[source, "left_unseen_rate"] == pytest.approx(mine["rate"])
            assert table.at[source, "left_unseen_ratio"] * summary["rate"] == pytest.approx(
                mine["rate"])
