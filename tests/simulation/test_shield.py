"""The consultation shield: a policy wrapper that never lets a patient be bumped mid-consult."""

from __future__ import annotations

from opd_sim.engine import Engine, make_policy
from opd_sim.simulation.shield import ConsultShield


def _full_slot(in_consult):
    engine = Engine(policy=ConsultShield(make_policy("emergency-cap", {"max_overbook": 0}),
                                         in_consult))  # fmt: skip
    doctor = engine.add_doctor("a")
    slot = engine.add_slot(doctor.id, 540, 555, capacity=2)
    later = engine.add_slot(doctor.id, 555, 570, capacity=1)
    walkin = engine.book(slot.id, "WALKIN", at=0).token
    online = engine.book(slot.id, "ONLINE", at=1).token
    return engine, slot, later, walkin, online


def test_without_consultations_the_policy_decides_alone():
    """With nobody in consultation, the emergency bumps the lowest-priority token (the walk-in)."""
    engine, slot, _later, walkin, _ = _full_slot(set())
    kinds = [(d.kind.value, d.token_id) for d in engine.book(slot.id, "EMERGENCY", at=2).decisions]
    assert kinds == [("ALLOCATED", 3), ("BUMPED", walkin.id), ("REALLOCATED", walkin.id)]


def test_a_token_in_consultation_is_passed_over():
    """With the walk-in being seen, the emergency bumps the next candidate (the online token)."""
    in_consult = set()
    engine, slot, _later, walkin, online = _full_slot(in_consult)
    in_consult.add(walkin.id)
    kinds = [(d.kind.value, d.token_id) for d in engine.book(slot.id, "EMERGENCY", at=2).decisions]
    assert kinds == [("ALLOCATED", 3), ("BUMPED", online.id), ("REALLOCATED", online.id)]
    assert walkin in slot.seated


def test_the_shield_reports_the_real_policy():
    """The wrapped engine still names and describes the scenario's policy."""
    shield = ConsultShield(make_policy("bump-cap", {"max_bumps": 2}), set())
    assert shield.name == "bump-cap" and str(shield) == "bump-cap(max_bumps=2)"
