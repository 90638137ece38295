"""How each source's tokens ended, and how often they were bumped."""

from __future__ import annotations

from opd_sim.analysis import OUTCOMES, outcomes_by_source, per_replication

from . import by_hand
from .conftest import realistic_frames, shipped_frames

PATIENTS = by_hand.patients(
    {"source": "ONLINE", "times_bumped": 2}, {"source": "ONLINE", "status": "EXPIRED"},
    {"source": "PAID", "status": "NO_SHOW"}, {"source": "WALKIN", "status": "CANCELLED"},
    {"source": "WALKIN", "status": "EXPIRED", "times_bumped": 1},
    {"source": "WALKIN", "status": "LEFT", "arrived_at": 540.0, "left_at": 600.0},
    {"source": "ONLINE", "status": "LEFT", "times_bumped": 1, "arrived_at": 530.0,
     "left_at": 700.0},
)  # fmt: skip


def test_outcomes_by_source_by_hand():
    """Seven tokens: each ending counted under its source (leaving unseen too), bumps counted
    per time lost."""
    table = outcomes_by_source(PATIENTS)
    assert list(table.columns) == list(OUTCOMES) == [
        "tokens", "seen", "cancelled", "no_shows", "expired", "left_unseen", "bumped"]
    assert table.loc["ONLINE"].tolist() == [3, 1, 0, 0, 1, 1, 3]
    assert table.loc["PAID"].tolist() == [1, 0, 0, 1, 0, 0, 0]
    assert table.loc["WALKIN"].tolist() == [3, 0, 1, 0, 1, 1, 1]
    assert table.loc["EMERGENCY"].tolist() == [0] * len(OUTCOMES)


def test_outcomes_add_up_to_each_replications_summary():
    """Summed over sources, each replication's outcomes are its summary's counts."""
    run = shipped_frames("city_hospital_week", replications=2)
    table = per_replication(outcomes_by_source, run.patients)
    for r, summary in enumerate(run.summaries):
        total = table.loc[r].sum()
        assert total.tolist() == [summary["tokens_booked"], summary["completed"],
                                  summary["cancellations"], summary["no_shows"],
                                  summary["expired"], summary["left_unseen"]["n"],
                                  summary["bumped"]]  # fmt: skip
        assert table.loc[r, "tokens"].to_dict() == summary["tokens_by_source"]


def test_every_token_has_one_ending_on_a_realistic_week():
    """With patience and a waitlist expiry the endings still add up to the tokens, and the
    left-unseen counts by source are the summary's."""
    run = realistic_frames()
    table = per_replication(outcomes_by_source, run.patients)
    endings = ["seen", "cancelled", "no_shows", "expired", "left_unseen"]
    assert (table[endings].sum(axis=1) == table["tokens"]).all()
    for r, summary in enumerate(run.summaries):
        left = {source: row["n"] for source, row in summary["left_unseen"]["by_source"].items()}
        assert table.loc[r, "left_unseen"].to_dict() == left
        assert summary["left_unseen"]["n"] > 0
