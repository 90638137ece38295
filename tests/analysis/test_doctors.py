"""Doctors' working time from the frames, by hand and against the simulator's own counters."""

from __future__ import annotations

import pytest

from opd_sim.analysis import doctor_workload, per_replication

from . import by_hand
from .conftest import run_frames, shipped, shipped_frames, variant

SUMMARY_KEYS = ("patients_seen", "busy_minutes", "utilisation", "overtime_minutes")


def _consult(start, end, seen_by, replication=0, doctor_id="a"):
    return {"consult_start": start, "consult_end": end, "seen_by": seen_by,
            "replication": replication, "doctor_id": doctor_id}  # fmt: skip


def test_doctor_workload_by_hand():
    """Doctor a works 09:00-09:40 and 14:00-14:20 (three slots), doctor b 09:00-09:20. Doctor a
    sees one patient inside the morning (25 min), one running 10 minutes into the break, and one
    of doctor b's (a shared queue) running 10 minutes past the day's last slot. In replication
    1 doctor b sees one patient for its whole slot and doctor a nobody."""
    day = [(0, "a", 0, 540.0, 560.0, 2, 1), (0, "a", 0, 560.0, 580.0, 2, 1),
           (0, "a", 0, 840.0, 860.0, 2, 1), (0, "b", 0, 540.0, 560.0, 2, 1)]  # fmt: skip
    slots = by_hand.slots(*day, *[(1, *row[1:]) for row in day])
    patients = by_hand.patients(
        _consult(545.0, 570.0, "a"), _consult(575.0, 590.0, "a"),
        _consult(850.0, 870.0, "a", doctor_id="b"), _consult(540.0, 560.0, "b", replication=1),
    )  # fmt: skip
    table = doctor_workload(patients, slots)
    a, b = table.loc["a"], table.loc["b"]
    assert a["patients_seen"] == 3 and a["busy_minutes"] == 60.0
    assert a["session_minutes"] == 120.0 and a["busy_in_session_minutes"] == 40.0
    assert a["idle_minutes"] == 80.0 and a["overtime_minutes"] == 20.0
    assert a["after_last_slot_minutes"] == 10.0 and a["utilisation"] == pytest.approx(1 / 3)
    assert b["patients_seen"] == 1 and b["session_minutes"] == 40.0 and b["utilisation"] == 0.5
    assert b["overtime_minutes"] == 0.0 and b["idle_minutes"] == 20.0
    one = per_replication(doctor_workload, patients, slots)
    assert one.loc[(0, "a"), "utilisation"] == pytest.approx(2 / 3)
    assert one.loc[(1, "a"), "patients_seen"] == 0 and one.loc[(1, "a"), "idle_minutes"] == 60


def _assert_matches(table, by_doctor):
    assert list(table.index) == list(by_doctor)
    for doctor, numbers in by_doctor.items():
        for key in SUMMARY_KEYS:
            assert table.at[doctor, key] == pytest.approx(numbers[key], abs=1e-6), (doctor, key)


def test_doctor_workload_is_the_simulators_own_count(scenario_name):
    """From the frames alone, every doctor's patients seen, busy minutes, utilisation and
    overtime equal the summary's by_doctor numbers (counted in the consulting rooms) to 1e-6."""
    run = shipped_frames(scenario_name)
    _assert_matches(doctor_workload(run.patients, run.slots), run.summaries[0]["by_doctor"])


def test_doctor_workload_follows_who_consulted_in_a_shared_queue():
    """With one queue for all doctors the work is counted for the doctor who consulted, as the
    rooms count it, replication by replication."""
    doctors = [{**d, "queue": "pool"} for d in shipped("original_opd_day").model_dump()["doctors"]]
    run = run_frames(variant("original_opd_day", doctors=doctors), replications=2)
    table = per_replication(doctor_workload, run.patients, run.slots)
    for r, summary in enumerate(run.summaries):
        _assert_matches(table.loc[r], summary["by_doctor"])


def test_pooled_utilisation_is_the_mean_over_replications():
    """Pooled over replications, minutes add up and utilisation is the replications' mean."""
    run = shipped_frames("original_opd_day", replications=3)
    pooled = doctor_workload(run.patients, run.slots)
    for doctor in pooled.index:
        mine = [s["by_doctor"][doctor] for s in run.summaries]
        assert pooled.at[doctor, "utilisation"] == pytest.approx(
            sum(m["utilisation"] for m in mine) / 3)
        assert pooled.at[doctor, "busy_minutes"] == pytest.approx(
            sum(m["busy_minutes"] for m in mine))
    assert (pooled["idle_minutes"] >= 0).all()
    assert (pooled["after_last_slot_minutes"] <= pooled["overtime_minutes"] + 1e-9).all()
