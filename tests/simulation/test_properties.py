"""Property-based: any small random scenario, under any policy, runs and obeys every rule."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opd_sim.scenario.model import SOURCE_KEYS, Scenario
from opd_sim.simulation import Opd, decisions_frame, patients_frame, replication_seeds
from opd_sim.simulation.checks import frame_problems

POLICIES = [
    ("priority-bump", {}), ("fifo", {}), ("bump-cap", {"max_bumps": 1}),
    ("emergency-cap", {"max_overbook": 0}), ("reserved", {"reserved": {"WALKIN": 1}}),
    ("noshow-overbook", {"no_show_rate": 0.25}), ("aging", {"minutes_per_level": 30}),
]  # fmt: skip
rates = st.floats(min_value=0, max_value=12)
# doctors' own rosters (None: the scenario's sessions): shorter, split, later
ROSTERS = [None, None, [{"open": 600, "close": 700}],
           [{"open": 540, "close": 600}, {"open": 660, "close": 800}]]  # fmt: skip
probabilities = st.floats(min_value=0, max_value=0.5)


@st.composite
def scenarios(draw):
    """A small random scenario: 1-3 doctors (some with their own roster, some late, some
    sharing a queue), 1-3 days, one or two sessions, every source, patience and waitlist
    expiry for some sources."""
    policy, params = draw(st.sampled_from(POLICIES))
    doctors = [{"id": f"d{i}", "seats_per_slot": draw(st.sampled_from([1, 2, 3, None])),
                "consult_minutes": {"dist": "exponential",
                                    "mean": draw(st.floats(min_value=1, max_value=20))},
                "sessions": draw(st.sampled_from(ROSTERS)),
                "late_minutes": draw(st.sampled_from(
                    [None, {"dist": "exponential", "mean": 10}, {"dist": "fixed", "value": 0}])),
                "queue": draw(st.sampled_from([None, None, "shared"]))}
               for i in range(draw(st.integers(1, 3)))]  # fmt: skip
    sessions = [{"open": 540, "close": 720}]
    if draw(st.booleans()):
        sessions.append({"open": 780, "close": 960})
    return Scenario.model_validate({
        "days": draw(st.integers(1, 3)),
        "sessions": sessions,
        "slot_minutes": draw(st.sampled_from([10, 15, 25, 30])),
        "doctors": doctors,
        "demand": {
            "online": {"per_day": draw(rates) * 3},
            "paid": {"per_day": draw(rates)},
            "walkin": {"per_hour": draw(rates), "hourly_profile": [2, 1, 0.5]},
            "followup": {"probability": draw(probabilities),
                         "return_after_days": {"dist": "uniform", "low": 1, "high": 2}},
            "emergency": {"per_hour": draw(st.floats(min_value=0, max_value=3)),
                          "hourly_profile": draw(st.sampled_from([[], [0, 1, 2]]))},
        },
        "patience_minutes": {s: {"dist": "exponential", "mean": draw(st.sampled_from([5, 60]))}
                             for s in draw(st.lists(st.sampled_from(SOURCE_KEYS),
                                                    unique=True))},
        "waitlist_expiry_minutes": draw(st.sampled_from(
            [None, 30, {"walkin": 15, "online": 2000}])),
        "cancellation": {s: {"probability": draw(probabilities)}
                         for s in ("online", "paid", "followup", "walkin")},
        "no_show": {s: {"probability": draw(probabilities), "per_lead_day": 0.02}
                    for s in ("online", "paid", "followup", "walkin")},
        "service_order": draw(st.sampled_from(["token", "priority", "arrival"])),
        "policy": {"name": policy, "params": params},
    })  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**32))
def test_any_small_scenario_obeys_the_rules(scenario, seed):
    """Random scenarios and policies: engine invariants hold and the frames pass every check."""
    opd = Opd(scenario, replication_seeds(seed, 1)[0]).run()
    assert opd.unfinished() == []
    assert list(opd.engine.problems()) == []
    params = scenario.policy.params
    rate = params.get("no_show_rate", 0.0) if scenario.policy.name == "noshow-overbook" else 0.0
    def seats(capacity):
        return math.floor(capacity / (1 - rate) + 1e-9)
    patients = patients_frame(opd)
    problems = frame_problems(decisions_frame(opd), patients, seats)
    assert problems == []
    # conservation of work: each doctor was busy exactly the consultations they gave
    took = (patients["consult_end"] - patients["consult_start"]).groupby(
        patients["seen_by"], observed=False).sum()  # fmt: skip
    for room in opd.rooms:
        assert math.isclose(room.busy_minutes, took.get(room.doctor_id, 0.0), abs_tol=1e-6)
