"""Patients who left unseen: who came, who went home, and how long they had waited."""

from __future__ import annotations

import math

import pytest

from opd_sim.analysis import left_unseen, per_replication

from . import by_hand
from .conftest import realistic_frames, shipped_frames

COLUMNS = ["came", "left_unseen", "rate", "waited_mean_minutes", "waited_p50_minutes",
           "waited_p90_minutes"]  # fmt: skip


def _left(source, arrived, waited):
    return {"source": source, "status": "LEFT", "arrived_at": arrived,
            "left_at": arrived + waited}  # fmt: skip


def _seen(source, arrived):
    return {"source": source, "arrived_at": arrived, "consult_start": arrived + 5.0,
            "wait_minutes": 5.0}  # fmt: skip


# Four walk-ins came: two went home after 10 and 30 minutes. One online patient came and went
# home after 50 minutes; another did not come. One paying patient came and was seen.
PATIENTS = by_hand.patients(
    _left("WALKIN", 540.0, 10.0), _left("WALKIN", 545.0, 30.0), _seen("WALKIN", 550.0),
    _seen("WALKIN", 560.0), _left("ONLINE", 530.0, 50.0),
    {"source": "ONLINE", "status": "NO_SHOW"}, _seen("PAID", 600.0),
)  # fmt: skip


def test_left_unseen_by_hand():
    """Counts, rates of those who came, and the minutes waited before leaving (percentiles
    interpolated: walk-ins' p90 of 10 and 30 is 28); a source nobody of which came has no
    rate, one nobody of which left no minutes."""
    table = left_unseen(PATIENTS)
    assert list(table.columns) == COLUMNS
    assert list(table.index) == ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN", "ALL"]
    walkin, online, paid, everyone = (table.loc[s] for s in ("WALKIN", "ONLINE", "PAID", "ALL"))
    assert walkin.tolist() == [4, 2, 0.5, 20.0, 20.0, pytest.approx(28.0)]
    assert online.tolist() == [1, 1, 1.0, 50.0, 50.0, 50.0]  # the no-show did not come
    assert everyone.tolist() == [6, 3, 0.5, 30.0, 30.0, pytest.approx(46.0)]
    assert paid[["came", "left_unseen", "rate"]].tolist() == [1, 0, 0.0]
    assert all(math.isnan(paid[c]) for c in COLUMNS[3:])
    assert table.loc["EMERGENCY", "came"] == 0 and math.isnan(table.loc["EMERGENCY", "rate"])


def test_a_day_without_patience_has_nobody_leaving():
    """The original OPD day gives no patience: everyone who came stayed."""
    table = left_unseen(shipped_frames("original_opd_day").patients)
    assert table["left_unseen"].sum() == 0 and (table.loc["ALL", "rate"] == 0.0)
    assert table["waited_mean_minutes"].isna().all()


def test_left_unseen_is_the_summarys_on_a_realistic_week():
    """Replication by replication, counts and rates by source are the summary's; nobody who
    left was seen, and each waited from arrival to leaving."""
    run = realistic_frames()
    table = per_replication(left_unseen, run.patients)
    for r, summary in enumerate(run.summaries):
        mine = summary["left_unseen"]
        assert table.loc[(r, "ALL"), "left_unseen"] == mine["n"] > 0
        assert table.loc[(r, "ALL"), "rate"] == pytest.approx(mine["rate"])
        for source, row in mine["by_source"].items():
            assert table.loc[(r, source), "left_unseen"] == row["n"]
            rate = table.loc[(r, source), "rate"]
            assert math.isnan(rate) if row["rate"] is None else rate == pytest.approx(row["rate"])
    gone = run.patients[run.patients["status"] == "LEFT"]
    assert gone["consult_start"].isna().all()
    assert (gone["left_at"] >= gone["arrived_at"]).all()
    pooled = left_unseen(run.patients)
    assert pooled.loc["ALL", "waited_mean_minutes"] == pytest.approx(
        (gone["left_at"] - gone["arrived_at"]).mean())
