"""Property-based: any small random scenario, under any policy, runs and obeys every rule."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opd_sim.scenario.model import Scenario
from opd_sim.simulation import Opd, decisions_frame, patients_frame, replication_seeds
from opd_sim.simulation.checks import frame_problems

POLICIES = [
    ("priority-bump", {}), ("fifo", {}), ("bump-cap", {"max_bumps": 1}),
    ("emergency-cap", {"max_overbook": 0}), ("reserved", {"reserved": {"WALKIN": 1}}),
    ("noshow-overbook", {"no_show_rate": 0.25}),
]  # fmt: skip
rates = st.floats(min_value=0, max_value=12)
probabilities = st.floats(min_value=0, max_value=0.5)


@st.composite
def scenarios(draw):
    """A small random scenario: 1-3 doctors, 1-3 days, one or two sessions, every source."""
    policy, params = draw(st.sampled_from(POLICIES))
    doctors = [{"id": f"d{i}", "seats_per_slot": draw(st.sampled_from([1, 2, 3, None])),
                "consult_minutes": {"dist": "exponential",
                                    "mean": draw(st.floats(min_value=1, max_value=20))}}
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
            "emergency": {"per_hour": draw(st.floats(min_value=0, max_value=3))},
        },
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
    problems = frame_problems(decisions_frame(opd), patients_frame(opd), seats)
    assert problems == []
