"""Overbooking by doctor and by hour: by hand, and against a real run's decisions."""

from __future__ import annotations

from opd_sim.analysis import overbooking_by_doctor, overbooking_by_hour

from . import by_hand
from .conftest import run_frames, shipped, shipped_frames, variant


def test_overbooking_by_hand():
    """Doctor a's 09:00 slot held 4 of 2 seats and its 14:00 slot 3 of 2; its other 09:00 slot
    and doctor b's slot were never past capacity; two replications are summed."""
    slots = by_hand.slots(
        (0, "a", 0, 540.0, 555.0, 2, 4), (0, "a", 0, 555.0, 570.0, 2, 2),
        (0, "a", 0, 840.0, 855.0, 2, 3), (0, "b", 0, 840.0, 855.0, 2, 1),
        (1, "a", 1, 1440 + 540.0, 1440 + 555.0, 2, 3),
    )  # fmt: skip
    doctors = overbooking_by_doctor(slots)
    assert doctors.to_dict("index") == {
        "a": {"slots": 4, "slots_over_capacity": 3, "seats_over_capacity": 4},
        "b": {"slots": 1, "slots_over_capacity": 0, "seats_over_capacity": 0},
    }
    hours = overbooking_by_hour(slots)
    assert hours.to_dict("index") == {
        9: {"slots": 3, "slots_over_capacity": 2, "seats_over_capacity": 3},
        14: {"slots": 2, "slots_over_capacity": 1, "seats_over_capacity": 1},
    }


def test_overbooking_on_a_real_week():
    """Under the default rules only emergencies go past capacity, each overbooked slot by the
    emergencies seated there: slots over capacity are the slots with an OVERBOOKED decision."""
    run = shipped_frames("city_hospital_week")
    doctors, hours = overbooking_by_doctor(run.slots), overbooking_by_hour(run.slots)
    summary = run.summaries[0]
    assert doctors["slots"].sum() == hours["slots"].sum() == summary["slots_created"]
    assert doctors["slots_over_capacity"].sum() == summary["overbooked_slots"] > 0
    assert hours["slots_over_capacity"].sum() == summary["overbooked_slots"]
    overbooked = run.decisions[run.decisions["kind"] == "OVERBOOKED"]
    assert doctors["seats_over_capacity"].sum() <= len(overbooked)
    assert list(doctors.index) == list(summary["by_doctor"])
    assert set(hours.index) == {9, 10, 11, 12, 14, 15, 16}


def test_selling_extra_seats_overbooks_without_emergencies():
    """noshow-overbook sells seats past capacity on purpose: slots go over capacity with no
    OVERBOOKED decision at all (the slots frame sees what the decision kinds do not)."""
    demand = {**shipped("original_opd_day").model_dump()["demand"], "emergency": {"per_hour": 0}}
    scenario = variant("original_opd_day", demand=demand,
                       policy={"name": "noshow-overbook", "params": {"no_show_rate": 0.4}})
    run = run_frames(scenario)
    assert not (run.decisions["kind"] == "OVERBOOKED").any()
    assert overbooking_by_doctor(run.slots)["slots_over_capacity"].sum() > 0
