"""The report's figures: titled and labelled, empty slots counted, no line across empty hours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opd_sim.reporting import plots
from opd_sim.simulation.calendar import UNLIMITED_SEATS
from tests.simulation.conftest import shipped_run


def _figures(name: str, replications: int) -> dict[str, object]:
    run = shipped_run(name, replications=replications)
    return {
        "status": plots.status_by_source(run.patients),
        "waits": plots.waits_by_source(run.patients),
        "hours": plots.waits_by_hour(run.patients),
        "fill": plots.slot_fill(run.slots, replications),
        "doctors": plots.doctor_time(run.patients, run.slots, replications),
        "fairness": plots.fairness(run.patients),
        "waitlist": plots.waitlist(run.decisions),
    }


@pytest.mark.parametrize("name", ["original_opd_day", "textbook_mm1"])
def test_every_figure_is_titled_and_its_axes_labelled(name: str) -> None:
    """Each figure has a title, and each drawn axis a label (the second of two panels sharing
    the first one's scale excepted)."""
    for key, fig in _figures(name, 1).items():
        suptitle = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
        assert suptitle or all(ax.get_title() for ax in fig.axes), key
        drawn = [ax for ax in fig.axes if ax.axison]
        assert all(ax.get_xlabel() for ax in drawn), key
        assert not drawn or drawn[0].get_ylabel(), key


def test_slot_fill_counts_every_slot_with_a_seat_limit_empty_ones_included() -> None:
    """The bars of each series add up to the slots per replication, the empty ones among them
    at 0 %; doctors without a seat limit are left out."""
    run = shipped_run("original_opd_day", replications=2)
    slots = run.slots.copy()
    limited = slots["capacity"] < UNLIMITED_SEATS
    assert (slots.loc[limited, "most_seats_held"] == 0).any()  # the case the old plot dropped
    ax = plots.slot_fill(slots, 2).axes[0]
    peak, end = ax.containers[0], ax.containers[1]
    assert sum(bar.get_height() for bar in peak) == pytest.approx(limited.sum() / 2)
    assert sum(bar.get_height() for bar in end) == pytest.approx(limited.sum() / 2)
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    empty = (slots.loc[limited, "most_seats_held"] == 0).sum() / 2
    assert peak[labels.index("0 %")].get_height() == pytest.approx(empty)


def test_slot_fill_without_a_seat_limit_draws_nothing() -> None:
    """Only doctors without a seat limit: the figure says so instead of drawing bars."""
    fig = plots.slot_fill(shipped_run("textbook_mm1").slots)
    assert not fig.axes[0].axison and "no slot has a seat limit" in fig.axes[0].texts[0].get_text()


def test_waits_by_hour_draws_no_line_across_an_hour_without_patients() -> None:
    """Walk-ins at 09:xx, 10:xx and 12:xx: 9-10 are joined, 12 stands alone, and the hours
    resting on few patients carry their count."""
    hours = [9] * 12 + [10] * 3 + [12] * 2
    patients = pd.DataFrame({
        "source": pd.Categorical(["WALKIN"] * len(hours)),
        "arrived_at": np.array(hours, dtype=float) * 60 + 5,
        "wait_minutes": np.arange(len(hours), dtype=float),
    })  # fmt: skip
    ax = plots.waits_by_hour(patients).axes[0]
    lines = [line.get_xdata() for line in ax.lines]
    assert [list(x) for x in lines] == [[9.5, 10.5], [12.5]]
    labels = sorted(text.get_text() for text in ax.texts)
    assert labels == ["n=2", "n=3"]  # 09:00 rests on 12 patients: no label


def test_waitlist_steps_start_and_end_at_zero() -> None:
    """Each replication's step line starts at 0 and ends where the decisions end (everything
    waitlisted has expired or been promoted by then)."""
    run = shipped_run("original_opd_day", replications=2)
    ax = plots.waitlist(run.decisions).axes[0]
    steps = [line for line in ax.lines if line.get_label().startswith("replication")]
    assert len(steps) == 2
    unit = 60.0 if "hours" in ax.get_xlabel() else 1440.0
    for line in steps:
        assert line.get_ydata()[0] == 0 and line.get_ydata()[-1] == 0
        assert line.get_xdata()[-1] == pytest.approx(run.decisions["time"].max() / unit)


def test_how_tokens_ended_accounts_for_every_token() -> None:
    """Each source's stacked bar reaches 100 %: every final status has its colour, patients
    who left unseen included, and the legend says so in words."""
    from opd_sim.engine import FINAL_STATUSES
    from opd_sim.simulation import multiple_replications
    from tests.analysis.conftest import realistic_district

    assert {str(status) for status in FINAL_STATUSES} == set(plots.STATUS_COLOURS)
    run = multiple_replications(realistic_district(), 1)
    assert (run.patients["status"] == "LEFT").any()
    ax = plots.status_by_source(run.patients).axes[0]
    ends: dict[str, float] = {}
    for bar in ax.patches:
        y = round(bar.get_y() + bar.get_height() / 2, 6)
        ends[y] = max(ends.get(y, 0.0), bar.get_x() + bar.get_width())
    assert ends and all(end == pytest.approx(100.0) for end in ends.values())
    assert "left unseen" in [text.get_text() for text in ax.get_legend().get_texts()]
