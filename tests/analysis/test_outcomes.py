"""How each source's tokens ended, and how often they were bumped."""

from __future__ import annotations

from opd_sim.analysis import OUTCOMES, outcomes_by_source, per_replication

from . import by_hand
from .conftest import shipped_frames

PATIENTS = by_hand.patients(
    {"source": "ONLINE", "times_bumped": 2}, {"source": "ONLINE", "status": "EXPIRED"},
    {"source": "PAID", "status": "NO_SHOW"}, {"source": "WALKIN", "status": "CANCELLED"},
    {"source": "WALKIN", "status": "EXPIRED", "times_bumped": 1},
)  # fmt: skip


def test_outcomes_by_source_by_hand():
    """Five tokens: each ending counted under its source, bumps counted per time lost."""
    table = outcomes_by_source(PATIENTS)
    assert list(table.columns) == list(OUTCOMES)
    assert table.loc["ONLINE"].tolist() == [2, 1, 0, 0, 1, 2]
    assert table.loc["PAID"].tolist() == [1, 0, 0, 1, 0, 0]
    assert table.loc["WALKIN"].tolist() == [2, 0, 1, 0, 1, 1]
    assert table.loc["EMERGENCY"].tolist() == [0] * len(OUTCOMES)


def test_outcomes_add_up_to_each_replications_summary():
    """Summed over sources, each replication's outcomes are its summary's counts."""
    run = shipped_frames("city_hospital_week", replications=2)
    table = per_replication(outcomes_by_source, run.patients)
    for r, summary in enumerate(run.summaries):
        total = table.loc[r].sum()
        assert total.tolist() == [summary["tokens_booked"], summary["completed"],
                                  summary["cancellations"], summary["no_shows"],
                                  summary["expired"], summary["bumped"]]  # fmt: skip
        assert table.loc[r, "tokens"].to_dict() == summary["tokens_by_source"]
