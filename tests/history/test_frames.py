"""A store's history as the simulator's frames and summary: by hand on the scripted day, and
dtypes equal to a simulated run's."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opd_sim.analysis import (
    bumped_fates,
    outcomes_by_source,
    waitlist_outcomes,
    who_bumped_whom,
)
from opd_sim.history import history_frames, history_summary, read_store
from opd_sim.simulation import single_run
from opd_sim.simulation.builtin import original_opd_day
from opd_sim.simulation.frames import (
    DECISION_COLUMNS,
    PATIENT_COLUMNS,
    REASON_CATEGORIES,
    SLOT_COLUMNS,
)

UNKNOWN = ["arrived_at", "consult_start", "consult_end", "wait_minutes", "delay_minutes",
           "left_at"]  # fmt: skip


@pytest.fixture
def frames(store: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return history_frames(read_store(store))


def test_read_store_keeps_everything_in_audit_order(store: Path) -> None:
    history = read_store(store)
    assert [d.name for d in history.doctors] == ["Dr Rao", "Dr Iyer"]
    assert [(s.id, s.doctor_id, s.day, s.capacity) for s in history.slots] == [
        (1, 1, "2026-11-24", 1), (2, 1, "2026-11-24", 1), (3, 2, "2026-11-25", 2)]
    assert [(t.id, t.patient, t.status) for t in history.tokens] == [
        (1, "Asha", "NO_SHOW"), (2, "Bala", "CANCELLED"), (3, "Chitra", "ALLOCATED"),
        (4, "Dev", "CANCELLED"), (5, "Esha", "ALLOCATED"), (6, "Farah", "ALLOCATED"),
        (7, "Gopal", "WAITLISTED")]  # fmt: skip
    assert [d.kind.value for d in history.decisions] == [
        "ALLOCATED", "ALLOCATED", "BUMPED", "REALLOCATED", "WAITLISTED", "OVERBOOKED",
        "CANCELLED", "CANCELLED", "PROMOTED", "NO_SHOW", "ALLOCATED", "ALLOCATED",
        "WAITLISTED"]  # fmt: skip
    assert history.schema_version == 2 and history.origin == f"store {store}"


def test_decisions_frame_by_hand(frames) -> None:
    decisions = frames[0]
    assert list(decisions.columns) == DECISION_COLUMNS
    # the clock ticks a minute an operation from 08:00 on the first slot's day: minute 480
    assert decisions["time"].tolist() == [481, 482, 482, 482, 483, 484, 485, 486, 486, 487,
                                          488, 489, 490]  # fmt: skip
    assert decisions["token_id"].tolist() == [1, 2, 1, 1, 3, 4, 4, 2, 3, 1, 5, 6, 7]
    assert decisions["slot_id"].tolist() == [1, 1, 1, 2, 1, 1, 1, 1, 1, 2, 3, 2, 2]
    assert decisions["day"].tolist() == [0] * 10 + [1, 0, 0]
    assert decisions["doctor_id"].astype(str).tolist() == ["1"] * 10 + ["2", "1", "1"]
    assert decisions["related_token_id"].tolist() == [
        pd.NA, 1, 2, 2, pd.NA, pd.NA, pd.NA, pd.NA, 2, pd.NA, pd.NA, pd.NA, pd.NA]
    assert decisions["seats_held"].tolist() == [1, 1, 1, 1, 1, 2, 1, 0, 1, 0, 1, 1, 1]
    assert decisions["capacity"].tolist() == [1] * 10 + [2, 1, 1]
    assert decisions["source"].astype(str).tolist()[:6] == [
        "WALKIN", "PAID", "WALKIN", "WALKIN", "FOLLOWUP", "EMERGENCY"]
    assert (decisions["replication"] == 0).all()


def test_patients_frame_by_hand(frames) -> None:
    patients = frames[1]
    assert list(patients.columns) == PATIENT_COLUMNS
    assert patients["token_id"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert patients["slot_id"].tolist() == [2, 1, 1, 1, 3, 2, 2]  # token 1 ends where moved
    assert patients["requested_slot_id"].tolist() == [1, 1, 1, 1, 3, 2, 2]
    assert patients["doctor_id"].astype(str).tolist() == ["1", "1", "1", "1", "2", "1", "1"]
    assert patients["day"].tolist() == [0, 0, 0, 0, 1, 0, 0]
    assert patients["requested_at"].tolist() == [481, 482, 483, 484, 488, 489, 490]
    assert patients["slot_start"].tolist() == [560, 540, 540, 540, 1440 + 540, 560, 560]
    assert patients["status"].astype(str).tolist() == [
        "NO_SHOW", "CANCELLED", "ALLOCATED", "CANCELLED", "ALLOCATED", "ALLOCATED",
        "WAITLISTED"]  # fmt: skip
    assert patients["times_bumped"].tolist() == [1, 0, 0, 0, 0, 0, 0]
    for column in UNKNOWN:  # the desk records no arrivals or consultations
        assert patients[column].isna().all(), column
    assert patients["seen_by"].isna().all()


def test_slots_frame_by_hand(frames) -> None:
    slots = frames[2]
    assert list(slots.columns) == SLOT_COLUMNS
    assert slots["slot_id"].tolist() == [1, 2, 3]
    assert slots["start"].tolist() == [540, 560, 1980]
    assert slots["end"].tolist() == [560, 580, 2000]
    assert slots["day"].tolist() == [0, 0, 1]
    assert slots["seats_held"].tolist() == [1, 1, 1]  # Chitra; Farah; Esha
    assert slots["most_seats_held"].tolist() == [2, 1, 1]  # the emergency's moment
    assert slots["overbooked_by"].tolist() == [1, 0, 0]


def test_dtypes_and_categories_are_the_simulators(frames) -> None:
    simulated = single_run(original_opd_day(), seed=7)
    for mine, theirs in zip(frames, (simulated.decisions, simulated.patients, simulated.slots),
                            strict=True):  # fmt: skip
        assert list(mine.columns) == list(theirs.columns)
        for column in mine.columns:
            ours, sims = mine[column].dtype, theirs[column].dtype
            if isinstance(sims, pd.CategoricalDtype):
                assert isinstance(ours, pd.CategoricalDtype), column
                assert ours.ordered == sims.ordered
                if column == "reason":
                    assert list(ours.categories[:len(REASON_CATEGORIES)]) == REASON_CATEGORIES
                elif column not in ("doctor_id", "seen_by"):  # the scenario's doctors there
                    assert list(ours.categories) == list(sims.categories), column
            else:
                assert ours == sims, column
    for frame in frames:
        for column in ("doctor_id", "seen_by"):
            if column in frame.columns:
                assert list(frame[column].cat.categories) == ["1", "2"]  # ids as text, id order


def test_summary(store: Path, frames) -> None:
    history = read_store(store)
    summary = history_summary(history, frames)
    simulated = single_run(original_opd_day(), seed=7).summary
    assert set(simulated) - {"ci95", "per_replication"} <= set(summary)
    assert summary["tokens_booked"] == 7 and summary["slots_created"] == 3
    assert summary["doctors"] == 2 and summary["days"] == 2
    assert summary["tokens_by_source"] == {"EMERGENCY": 1, "PAID": 1, "FOLLOWUP": 1,
                                           "ONLINE": 3, "WALKIN": 1}  # fmt: skip
    assert (summary["bumped"], summary["reallocated"], summary["promoted"]) == (1, 1, 1)
    assert summary["overbooked_slots"] == 1
    assert (summary["cancellations"], summary["no_shows"], summary["completed"]) == (2, 1, 0)
    assert (summary["still_allocated"], summary["still_waitlisted"]) == (3, 1)
    assert summary["expired"] == summary["waitlisted_remaining"] == 0
    ended = sum(summary[k] for k in ("completed", "cancellations", "no_shows", "expired",
                                     "still_allocated", "still_waitlisted"))  # fmt: skip
    assert ended + summary["left_unseen"]["n"] == summary["tokens_booked"]
    assert summary["waits"]["overall"] == {"n": 0, "mean": None, "p50": None, "p90": None,
                                           "p95": None}  # fmt: skip
    assert summary["by_doctor"] == {
        d: {"patients_seen": 0, "busy_minutes": None, "utilisation": None,
            "overtime_minutes": None, "late_minutes": None} for d in ("1", "2")}  # fmt: skip
    assert summary["doctor_names"] == {"1": "Dr Rao", "2": "Dr Iyer"}
    assert summary["consultations_recorded"] is False
    assert summary["utilisation_mean"] is None


def test_analysis_on_the_exported_frames(frames) -> None:
    decisions, patients, _ = frames
    outcomes = outcomes_by_source(patients)
    assert outcomes.loc["ONLINE"].tolist() == [3, 0, 0, 0, 0, 0, 0]
    assert outcomes.loc["WALKIN"].tolist() == [1, 0, 0, 1, 0, 0, 1]
    assert outcomes.loc["PAID", "cancelled"] == 1
    whom = who_bumped_whom(decisions)
    assert int(whom.to_numpy().sum()) == 1 and whom.loc["WALKIN", "PAID"] == 1
    waitlist = waitlist_outcomes(decisions)
    assert waitlist.loc["FOLLOWUP"].tolist() == [1, 1, 0, 0, 0, 0]
    assert waitlist.loc["ONLINE", "waitlisted"] == 1  # Gopal, still waiting
    assert int(waitlist.loc["ONLINE"].drop("waitlisted").sum()) == 0
    fates = bumped_fates(decisions, patients)
    assert fates.loc["WALKIN", "reallocated_not_seen"] == 1  # moved, then did not come
    assert int(fates.to_numpy().sum()) == 1


def test_a_bumped_token_still_waiting_or_seated_has_its_own_fate(tmp_path: Path) -> None:
    """Tokens of a history need not have ended: bumped and still waitlisted, or moved and still
    seated, are fates of their own (not "not seen")."""
    from opd_sim.store import Desk

    with Desk(tmp_path / "s.db", clock=lambda: 1.8e9) as desk:
        desk.add_doctor("Dr A")
        desk.add_slot(1, "2027-01-05T09:00", "2027-01-05T09:20", 1)
        desk.add_slot(1, "2027-01-05T09:20", "2027-01-05T09:40", 1)
        desk.book(1, "WALKIN", "w1")  # seated in slot 1
        desk.book(1, "PAID", "p1")  # bumps w1 to slot 2
        desk.book(2, "PAID", "p2")  # bumps w1 again: no later seat, waitlisted on slot 2
        desk.book(1, "WALKIN", "w2")  # waitlisted on slot 1
        desk.book(1, "EMERGENCY", "e1")  # overbooks slot 1
    decisions, patients, _ = history_frames(read_store(tmp_path / "s.db"))
    fates = bumped_fates(decisions, patients)
    assert fates.loc["WALKIN", "still_waitlisted"] == 1
    assert int(fates.to_numpy().sum()) == 1


def test_times_use_the_local_time_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's clock (epoch seconds) is read in the local time zone, like the slots'
    wall-clock times: 03:30 UTC is 09:00 in Kolkata, the slot's start."""
    import time

    from opd_sim.store import Desk

    at = 1795491000.0  # 2026-11-24T03:30:00Z
    with Desk(tmp_path / "s.db", clock=lambda: at) as desk:
        desk.add_doctor("Dr A")
        desk.add_slot(1, "2026-11-24T09:00", "2026-11-24T09:20", 1)
        desk.book(1, "PAID", "p")
    history = read_store(tmp_path / "s.db")
    for zone, minutes in (("Asia/Kolkata", 540.0), ("UTC", 210.0)):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        try:
            decisions, patients, _ = history_frames(history)
        finally:
            monkeypatch.undo()
            time.tzset()
        assert patients["requested_at"].tolist() == [minutes]
        assert decisions["time"].tolist() == [minutes]


def test_an_empty_store_gives_empty_frames_of_the_same_dtypes(tmp_path: Path) -> None:
    from opd_sim.store import Desk

    with Desk(tmp_path / "s.db") as desk:
        desk.add_doctor("Dr A")
    frames = history_frames(read_store(tmp_path / "s.db"))
    assert [len(frame) for frame in frames] == [0, 0, 0]
    assert frames[0]["time"].dtype == np.float64 and frames[2]["capacity"].dtype == np.int32
    summary = history_summary(read_store(tmp_path / "s.db"), frames)
    assert summary["days"] == 0 and summary["tokens_booked"] == 0
    assert not math.isnan(summary["doctors"])
