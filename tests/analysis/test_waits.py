"""Waits and delays by source: by hand, and against a real run's patients."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from opd_sim.analysis import WITHIN_MINUTES, waits_by_source

from . import by_hand
from .conftest import shipped_frames

SOURCES = ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"]


def _seen(source, wait, delay, replication=0):
    return {"source": source, "wait_minutes": wait, "delay_minutes": delay,
            "replication": replication, "seen_by": "a"}  # fmt: skip


def test_waits_by_source_by_hand():
    """Four ONLINE waits of 10, 20, 30 and 40 minutes (two replications, pooled), a PAID wait of
    70 and a WALKIN never seen: the numbers worked out by hand."""
    patients = by_hand.patients(
        _seen("ONLINE", 10.0, 0.0), _seen("ONLINE", 40.0, 5.0),
        _seen("ONLINE", 30.0, -2.0, replication=1), _seen("ONLINE", 20.0, 1.0, replication=1),
        _seen("PAID", 70.0, 70.0),
        {"source": "WALKIN", "status": "NO_SHOW"},
    )  # fmt: skip
    table = waits_by_source(patients)
    assert list(table.index) == [*SOURCES, "ALL"]
    online = table.loc["ONLINE"]
    assert online["n"] == 4 and online["mean"] == 25.0 and online["p50"] == 25.0
    assert online["p90"] == pytest.approx(37.0) and online["p95"] == pytest.approx(38.5)
    assert online["max"] == 40.0
    assert (online["share_within_15_minutes"], online["share_within_30_minutes"],
            online["share_within_60_minutes"]) == (0.25, 0.75, 1.0)  # fmt: skip
    assert table.loc["ALL", "n"] == 5 and table.loc["ALL", "mean"] == 34.0
    assert table.loc["ALL", "share_within_60_minutes"] == 0.8
    assert table.loc["WALKIN", "n"] == 0 and math.isnan(table.loc["WALKIN", "mean"])
    delays = waits_by_source(patients, "delay_minutes")
    assert delays.loc["ONLINE", "mean"] == 1.0 and delays.loc["ONLINE", "max"] == 5.0
    assert delays.loc["ONLINE", "share_within_15_minutes"] == 1.0


def test_only_the_two_measures_are_accepted():
    """A measure that is not a wait or delay column is refused."""
    with pytest.raises(ValueError, match="measure"):
        waits_by_source(by_hand.patients(), "consult_start")  # type: ignore[arg-type]


@pytest.mark.parametrize("measure", ["wait_minutes", "delay_minutes"])
def test_waits_by_source_on_a_real_run(measure):
    """On a real week: every patient seen is counted once, and each source's numbers are the
    plain statistics of its patients' column."""
    patients = shipped_frames("city_hospital_week").patients
    table = waits_by_source(patients, measure)
    seen = patients[patients["status"] == "COMPLETED"]
    assert table.loc["ALL", "n"] == len(seen) == table.loc[SOURCES, "n"].sum()
    for source, group in seen.groupby("source", observed=True):
        values = group[measure]
        assert table.loc[source, "mean"] == pytest.approx(values.mean())
        assert table.loc[source, "p90"] == pytest.approx(values.quantile(0.9))
        assert table.loc[source, "max"] == values.max()
        for m in WITHIN_MINUTES:
            share = table.loc[source, f"share_within_{m}_minutes"]
            assert share == pytest.approx((values <= m).mean())
    assert (table["p50"] <= table["p90"]).all() and (table["p90"] <= table["p95"]).all()


def test_delays_are_shorter_than_waits_for_booked_patients():
    """Booked patients come early, so their delays are shorter than their waits; in a week with
    free seats most walk-ins are booked into a slot already running, and for them the two are
    one."""
    patients = shipped_frames("city_hospital_week").patients
    waits, delays = waits_by_source(patients), waits_by_source(patients, "delay_minutes")
    for source in ("PAID", "FOLLOWUP", "ONLINE"):
        assert delays.loc[source, "mean"] < waits.loc[source, "mean"]
    walkins = patients[(patients["source"] == "WALKIN") & patients["seen_by"].notna()]
    same = np.isclose(walkins["wait_minutes"], walkins["delay_minutes"])
    assert same.mean() > 0.5
    assert isinstance(waits, pd.DataFrame) and waits["n"].dtype == np.int64
