"""The frame columns the analysis needs: delay_minutes and seen_by, and the slots frame."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opd_sim.simulation import SLOT_COLUMNS

from .conftest import run_frames, shipped, shipped_frames, variant


def test_slots_frame_has_one_row_per_slot_created(scenario_name):
    """Every slot created is a row, empty ones included: exactly the summary's slots_created."""
    run = shipped_frames(scenario_name)
    slots = run.slots
    assert list(slots.columns) == SLOT_COLUMNS
    assert len(slots) == run.summaries[0]["slots_created"] == slots["slot_id"].nunique()
    assert list(slots["doctor_id"].cat.categories) == list(run.summaries[0]["by_doctor"])


def test_slots_frame_seats_agree_with_the_patients(scenario_name):
    """Seats held at the end are the slot's patients seen (a seen token keeps its seat), the
    most ever held is at least that, and overbooked_by is how far the most went past capacity."""
    run = shipped_frames(scenario_name)
    slots = run.slots.set_index("slot_id")
    seen = run.patients[run.patients["status"] == "COMPLETED"].groupby("slot_id").size()
    assert (slots["seats_held"] == seen.reindex(slots.index, fill_value=0)).all()
    assert (slots["most_seats_held"] >= slots["seats_held"]).all()
    expected = (slots["most_seats_held"] - slots["capacity"]).clip(lower=0)
    assert (slots["overbooked_by"] == expected).all()


def test_most_seats_held_comes_from_the_decision_log():
    """most_seats_held is the largest seats_held any decision about the slot reported; slots no
    decision touched held none."""
    run = shipped_frames("city_hospital_week")
    most = run.decisions.groupby("slot_id")["seats_held"].max()
    slots = run.slots.set_index("slot_id")
    assert (slots["most_seats_held"] == most.reindex(slots.index, fill_value=0)).all()
    assert (slots["most_seats_held"] == 0).any() and (slots["overbooked_by"] > 0).any()


def test_seen_patients_have_a_delay_and_a_doctor(scenario_name):
    """seen_by and delay_minutes are set exactly for patients seen (status COMPLETED)."""
    patients = shipped_frames(scenario_name).patients
    seen = patients["status"] == "COMPLETED"
    assert (patients["seen_by"].notna() == seen).all()
    assert (patients["delay_minutes"].notna() == seen).all()
    assert list(patients["seen_by"].cat.categories) == list(patients["doctor_id"].cat.categories)


def test_delay_is_measured_from_the_later_of_arrival_and_slot_start():
    """A patient who came early is delayed from the slot start; one who came late, from
    arrival (then delay and wait are one)."""
    patients = shipped_frames("original_opd_day").patients
    seen = patients[patients["status"] == "COMPLETED"]
    early = seen["arrived_at"] < seen["slot_start"]
    assert early.any() and (~early).any()
    assert np.allclose(seen.loc[early, "delay_minutes"],
                       seen.loc[early, "consult_start"] - seen.loc[early, "slot_start"])
    assert (seen.loc[~early, "delay_minutes"] == seen.loc[~early, "wait_minutes"]).all()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_delay_never_exceeds_wait(seed):
    """For every patient seen, at any seed: delay_minutes <= wait_minutes."""
    patients = run_frames(shipped("original_opd_day"), seed).patients
    seen = patients[patients["status"] == "COMPLETED"]
    assert len(seen) and (seen["delay_minutes"] <= seen["wait_minutes"]).all()


def test_seen_by_is_the_slots_doctor_without_a_shared_queue(scenario_name):
    """A doctor with a queue of their own is the one who consults their slots' patients (a
    scenario's doctors who share a queue are left out: any of them may call the next)."""
    queues = Counter(d.queue for d in shipped(scenario_name).doctors if d.queue is not None)
    alone = [d.id for d in shipped(scenario_name).doctors if queues[d.queue] < 2]
    patients = shipped_frames(scenario_name).patients
    seen = patients[patients["seen_by"].notna() & patients["doctor_id"].isin(alone)]
    assert len(seen)
    assert (seen["seen_by"].astype(str) == seen["doctor_id"].astype(str)).all()


def test_seen_by_is_whoever_called_the_patient_in_a_shared_queue():
    """In a shared queue some patients are seen by another doctor than their slot's, and the
    consultations counted by seen_by are the simulator's own per-doctor counts."""
    scenario = shipped("original_opd_day")
    doctors = [{**d, "queue": "pool"} for d in scenario.model_dump()["doctors"]]
    run = run_frames(variant("original_opd_day", doctors=doctors))
    seen = run.patients[run.patients["seen_by"].notna()]
    assert (seen["seen_by"].astype(str) != seen["doctor_id"].astype(str)).any()
    counts = seen["seen_by"].value_counts()
    assert counts.to_dict() == {d: v["patients_seen"]
                                for d, v in run.summaries[0]["by_doctor"].items()}  # fmt: skip
    assert isinstance(seen["seen_by"].dtype, pd.CategoricalDtype)
