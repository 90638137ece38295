"""A policy written by a user plugs in by object and by registered name, in the engine, the
simulator and the booking desk, and is known by its own name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from opd_sim import Engine, PriorityBump, Source, Token, make_policy, policy_class, register_policy
from opd_sim.engine import Policy, Slot
from opd_sim.experiments import compare_policies
from opd_sim.scenario import scenario_from_text
from opd_sim.simulation import Opd, manifest, multiple_replications
from opd_sim.store import Desk


@dataclass(frozen=True)
class SpareWalkins(PriorityBump):
    """Priority bumping, but a walk-in is never bumped."""

    def bumpable(self, token: Token) -> bool:
        return super().bumpable(token) and token.source is not Source.WALKIN


@register_policy("test-walkins-first")
@dataclass(frozen=True)
class WalkinsFirst(Policy):
    """Walk-ins take any free seat; nobody else may take the last one; nobody is bumped."""

    def may_seat(self, slot: Slot, token: Token) -> bool:
        last = len(slot.seated) + 1 >= self.seats(slot)
        return token.source is Source.WALKIN or not last

    def victim(self, slot: Slot, token: Token) -> Token | None:
        return None


ONE_SLOT_DAY = """
name: one_slot
doctors: [{id: rao, seats_per_slot: 1}]
sessions: [{open: "09:00", close: "09:30"}]
slot_minutes: 30
demand: {online: {per_day: 6, lead_days: {dist: fixed, value: 1}}, walkin: {per_hour: 4}}
policy: test-walkins-first
"""


def _bump_case(engine: Engine) -> list[str]:
    engine.add_doctor("Dr Rao")
    slot = engine.add_slot(1, 540, 560, 1)
    engine.book(slot.id, "WALKIN")
    return [d.kind.value for d in engine.book(slot.id, "PAID").decisions]


def test_an_unregistered_policy_is_named_by_its_class_not_its_parent() -> None:
    """A subclass of the default policy does not report itself as priority-bump."""
    assert SpareWalkins.name == "SpareWalkins" and str(SpareWalkins()) == "SpareWalkins"
    assert WalkinsFirst.name == "test-walkins-first" and PriorityBump.name == "priority-bump"
    assert policy_class("test-walkins-first") is WalkinsFirst
    assert make_policy(SpareWalkins()) == SpareWalkins()


def test_the_engine_takes_a_policy_object_or_its_name() -> None:
    """By object the user's rule holds (the walk-in keeps its seat); by name, the registered one."""
    assert _bump_case(Engine()) == ["ALLOCATED", "BUMPED", "WAITLISTED"]
    assert _bump_case(Engine(SpareWalkins())) == ["WAITLISTED"]
    assert _bump_case(Engine("test-walkins-first")) == ["WAITLISTED"]


def test_the_desk_takes_a_policy_object_or_its_name(tmp_path: Path) -> None:
    """The booking desk decides by the policy it is given, object or name."""
    for policy, kinds in ((SpareWalkins(), ["WAITLISTED"]),
                          ("test-walkins-first", ["WAITLISTED"]),
                          ("priority-bump", ["ALLOCATED", "BUMPED", "WAITLISTED"])):  # fmt: skip
        with Desk(tmp_path / f"{policy}.db", policy=policy) as desk:
            desk.add_doctor("Dr Rao")
            desk.add_slot(1, "2026-11-24T09:00", "2026-11-24T09:20", 1)
            desk.book(1, "WALKIN", "Asha")
            decisions = desk.book(1, "PAID", "Bala")["decisions"]
            assert [d["kind"] for d in decisions] == kinds


def test_the_simulator_takes_a_policy_object_or_its_name() -> None:
    """A scenario naming the registered policy runs under it; an object passed in overrides."""
    scenario = scenario_from_text(ONE_SLOT_DAY, "one_slot.yaml")
    by_name = Opd(scenario, np.random.SeedSequence(1)).run()
    assert by_name.policy_description == "test-walkins-first"
    by_object = Opd(scenario, np.random.SeedSequence(1), policy=SpareWalkins()).run()
    assert by_object.policy_description == "SpareWalkins"
    assert isinstance(by_object.engine.policy, SpareWalkins)
    assert not by_name.unfinished() and not by_object.unfinished()


def test_summary_manifest_and_compare_name_the_users_policy() -> None:
    """Runs under a user's policy object report its own name in the summary, the manifest and
    a comparison, never the name of the class it extends."""
    scenario = scenario_from_text(ONE_SLOT_DAY, "one_slot.yaml")
    result = multiple_replications(scenario, 2, seed=3, policy=SpareWalkins())
    assert result.summary["policy"] == "SpareWalkins"
    assert manifest(result)["policy"]["name"] == "SpareWalkins"
    by_name = multiple_replications(scenario, 1, seed=3)
    assert by_name.summary["policy"] == "test-walkins-first"
    assert manifest(by_name)["policy"]["name"] == "test-walkins-first"
    comparison = compare_policies(scenario, [("test-walkins-first", {}), SpareWalkins()], 2)
    assert comparison.policies == ["test-walkins-first", "SpareWalkins"]
    assert set(comparison.table["policy"]) == {"test-walkins-first", "SpareWalkins"}
