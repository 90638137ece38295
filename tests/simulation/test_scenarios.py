"""The shipped scenarios: present, valid, runnable, and shaped as the issue asks."""

from __future__ import annotations

from opd_sim.simulation.builtin import ORIGINAL_OPD_DAY, original_opd_day
from opd_sim.simulation.checks import frame_problems

from .conftest import SCENARIOS, SHIPPED, shipped, shipped_run


def test_the_five_scenarios_are_shipped():
    """scenarios/ holds exactly the five shipped scenarios."""
    assert SHIPPED == ["city_hospital_week", "district_hospital", "original_opd_day",
                       "public_opd_walkin", "textbook_mm1"]  # fmt: skip


def test_the_district_hospital_uses_every_realistic_feature():
    """Rosters, lateness, patience, waitlist expiry, punctuality by source, an emergency
    profile, a shared queue of doctors of different speeds, and the aging policy."""
    district = shipped("district_hospital")
    assert any(d.sessions is not None for d in district.doctors)
    assert any(d.late_minutes is not None for d in district.doctors)
    assert district.patience_minutes and district.waitlist_expiry_minutes
    assert isinstance(district.punctuality_minutes, dict)
    assert district.demand.emergency.hourly_profile
    assert district.policy.name == "aging"
    queues: dict[str, set] = {}
    for doctor in district.doctors:
        if doctor.queue is not None:
            queues.setdefault(doctor.queue, set()).add(doctor.consult_minutes)
    assert any(len(kinds) > 1 for kinds in queues.values())


def test_every_shipped_scenario_runs_and_obeys_the_rules(scenario_name):
    """Each shipped scenario loads, runs in-process, and its frames pass every rule check."""
    result = shipped_run(scenario_name)
    assert len(result.patients) > 0 and len(result.decisions) > 0
    assert frame_problems(result.decisions, result.patients) == []
    assert result.summary["tokens_booked"] == len(result.patients)


def test_every_shipped_scenario_is_commented(scenario_name):
    """Each scenario file opens with comments saying what it models."""
    text = (SCENARIOS / f"{scenario_name}.yaml").read_text(encoding="utf-8")
    assert text.startswith("#") and text.count("#") >= 3


def test_builtin_original_day_is_the_shipped_file():
    """simulate-day's built-in scenario is byte-for-byte scenarios/original_opd_day.yaml."""
    assert (SCENARIOS / "original_opd_day.yaml").read_text(encoding="utf-8") == ORIGINAL_OPD_DAY
    assert original_opd_day() == shipped("original_opd_day")


def test_original_day_has_three_doctors_one_day_and_its_events():
    """The original day: 3 doctors, 1 day, bookings, emergency insertions and cancellations."""
    scenario = shipped("original_opd_day")
    assert len(scenario.doctors) == 3 and scenario.days == 1
    summary = shipped_run("original_opd_day").summary
    assert summary["emergencies"] > 0 and summary["cancellations"] > 0
    assert summary["tokens_booked"] > summary["slots_created"]


def test_city_week_is_big_and_uses_every_source():
    """The city week: 20+ doctors, 5 days, several specialties, all five sources booked."""
    scenario = shipped("city_hospital_week")
    assert len(scenario.doctors) >= 20 and scenario.days == 5
    specialties = {doctor.id.split("-")[0] for doctor in scenario.doctors}
    assert len(specialties) >= 5
    by_source = shipped_run("city_hospital_week").summary["tokens_by_source"]
    assert all(count > 0 for count in by_source.values()), by_source


def test_public_opd_is_walkin_heavy_with_published_waits():
    """The public OPD: 2-4 minute consults, mostly walk-ins, mean wait within 40-60 minutes."""
    scenario = shipped("public_opd_walkin")
    assert all(d.consult_minutes.mean_value == 3 for d in scenario.doctors)
    summary = shipped_run("public_opd_walkin", replications=5).summary
    by_source = summary["tokens_by_source"]
    assert by_source["WALKIN"] > 0.8 * summary["tokens_booked"]
    assert 40 <= summary["waits"]["overall"]["mean"] <= 60


def test_textbook_scenario_is_an_mm1_queue():
    """The textbook scenario: one doctor, walk-ins only, exponential consults, no seat limit."""
    scenario = shipped("textbook_mm1")
    (doctor,) = scenario.doctors
    assert doctor.seats_per_slot is None and doctor.consult_minutes.dist == "exponential"
    assert scenario.service_order == "arrival" and scenario.steady_state is not None
    by_source = shipped_run("textbook_mm1").summary["tokens_by_source"]
    assert by_source["WALKIN"] == sum(by_source.values())
