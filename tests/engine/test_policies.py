"""Policies change the rules through one interface, by name, without touching the engine."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from opd_sim.engine import Engine, Policy, Source, make_policy, policy_names, register_policy
from opd_sim.errors import UnknownPolicy
from tests.engine.conftest import trace


def engine_with(policy: str, **params: object) -> Engine:
    """An engine under ``policy`` with one doctor and two 20-minute slots of capacity 1 and 2."""
    engine = Engine(policy, **params)
    engine.add_doctor("Dr Rao")
    engine.add_slot(1, 540, 560, 1)
    engine.add_slot(1, 560, 580, 2)
    return engine


def test_registry_lists_the_shipped_policies() -> None:
    """The default and the alternative policies are all registered by name."""
    shipped = {"priority-bump", "fifo", "bump-cap", "emergency-cap", "noshow-overbook", "reserved",
               "aging"}
    assert shipped <= set(policy_names())
    assert make_policy("priority-bump").name == "priority-bump"


def test_fifo_never_bumps() -> None:
    """Under fifo a PAID request for a full slot waits behind the walk-in."""
    engine = engine_with("fifo")
    engine.book(1, "WALKIN")
    assert trace(engine.book(1, "PAID").decisions) == [("WAITLISTED", 2, 1, None)]
    assert trace(engine.book(1, "EMERGENCY").decisions) == [("OVERBOOKED", 3, 1, None)]


def test_bump_cap_protects_a_token_bumped_enough() -> None:
    """With max_bumps=1 a token already bumped once keeps its new seat."""
    engine = engine_with("bump-cap", max_bumps=1)
    engine.book(2, "ONLINE", "fills 9:20")
    engine.book(1, "WALKIN", "w")
    bumped = engine.book(1, "FOLLOWUP", "f")
    assert trace(bumped.decisions)[-1] == ("REALLOCATED", 2, 2, 3)
    assert trace(engine.book(2, "PAID").decisions) == [("ALLOCATED", 4, 2, 1), ("BUMPED", 1, 2, 4),
                                                       ("WAITLISTED", 1, 2, 4)]  # fmt: skip
    assert trace(engine.book(2, "PAID").decisions) == [("WAITLISTED", 5, 2, None)]


def test_emergency_cap_limits_overbooking() -> None:
    """Past max_overbook extra seats an emergency bumps like any higher priority instead."""
    engine = engine_with("emergency-cap", max_overbook=1)
    engine.book(1, "WALKIN")
    assert trace(engine.book(1, "EMERGENCY").decisions) == [("OVERBOOKED", 2, 1, None)]
    assert trace(engine.book(1, "EMERGENCY").decisions) == [
        ("ALLOCATED", 3, 1, 1), ("BUMPED", 1, 1, 3), ("REALLOCATED", 1, 2, 3)
    ]
    assert trace(engine.book(1, "EMERGENCY").decisions) == [("WAITLISTED", 4, 1, None)]


def test_noshow_overbooking_sells_extra_seats() -> None:
    """With a 50 % no-show rate a slot of capacity 1 sells 2 seats and is then overbooked."""
    engine = engine_with("noshow-overbook", no_show_rate=0.5)
    engine.book(1, "ONLINE")
    assert trace(engine.book(1, "ONLINE").decisions) == [("ALLOCATED", 2, 1, None)]
    assert engine.slots[1].overbooked
    assert trace(engine.book(1, "ONLINE").decisions) == [("WAITLISTED", 3, 1, None)]
    assert make_policy("noshow-overbook", {"no_show_rate": 0.2}).seats(engine.slots[2]) == 2
    assert make_policy("noshow-overbook", {"no_show_rate": 0.2}).seats(
        engine.add_slot(1, 600, 620, 4)
    ) == 5


def test_reserved_seats_hold_a_seat_for_walkins() -> None:
    """A seat reserved for WALKIN is refused to ONLINE but given to a walk-in."""
    engine = engine_with("reserved", reserved={"walkin": 1})
    engine.book(2, "ONLINE")
    assert trace(engine.book(2, "ONLINE").decisions) == [("WAITLISTED", 2, 2, None)]
    assert trace(engine.book(2, "WALKIN").decisions) == [("ALLOCATED", 3, 2, None)]
    engine.cancel(3)
    assert engine.tokens[2].status == "WAITLISTED"  # the freed seat is still held for walk-ins


def test_a_user_policy_plugs_in_without_editing_the_engine() -> None:
    """A policy registered outside the engine changes who is bumped."""

    @register_policy("test-spare-walkins")
    @dataclass(frozen=True)
    class SpareWalkins(Policy):
        def bumpable(self, token):  # type: ignore[no-untyped-def]
            return super().bumpable(token) and token.source is not Source.WALKIN

    engine = engine_with("test-spare-walkins")
    engine.book(1, "WALKIN")
    assert trace(engine.book(1, "PAID").decisions) == [("WAITLISTED", 2, 1, None)]


@pytest.mark.parametrize(
    ("name", "params", "fragment"),
    [
        ("nope", {}, "unknown policy 'nope'"),
        ("fifo", {"max_bumps": 1}, "does not take max_bumps"),
        ("bump-cap", {"max_bumps": -1}, "max_bumps must be a whole number of 0 or more"),
        ("bump-cap", {"max_bumps": True}, "max_bumps must be a whole number of 0 or more"),
        ("emergency-cap", {"max_overbook": 1.5}, "not 1.5"),
        ("noshow-overbook", {"no_show_rate": 1.0}, "no_show_rate must be a number in [0, 1)"),
        ("reserved", {"reserved": {"WALKIN": 1, "walkin": 2}}, "WALKIN is reserved twice"),
        ("reserved", {"reserved": {"VIP": 1}}, "unknown source 'VIP'"),
        ("aging", {"minutes_per_level": 0}, "minutes_per_level must be a positive finite number"),
        ("aging", {"minutes_per_level": -60}, "minutes_per_level must be a positive finite"),
        ("aging", {"minutes_per_level": float("inf")}, "not inf"),
        ("aging", {"minutes_per_level": float("nan")}, "not nan"),
        ("aging", {"minutes_per_level": True}, "not True"),
        ("aging", {"minutes_per_level": "2h"}, "not '2h'"),
        ("aging", {"max_bumps": -1}, "max_bumps must be a whole number of 0 or more"),
        ("aging", {"max_bumps": 1.5}, "max_bumps must be a whole number of 0 or more"),
        ("aging", {"levels": 2}, "does not take levels (takes: max_bumps, minutes_per_level)"),
    ],
)
def test_bad_policy_choices_are_clear_errors(name: str, params: dict, fragment: str) -> None:
    """An unknown policy or parameter raises UnknownPolicy naming the problem."""
    with pytest.raises(UnknownPolicy, match=None) as error:
        make_policy(name, params)
    assert fragment in str(error.value)


def test_a_token_in_consultation_is_never_bumped() -> None:
    """Once start_consult is called, even an emergency that must bump passes the token over."""
    engine = Engine("emergency-cap", max_overbook=0)
    engine.add_doctor("Dr Rao")
    slot = engine.add_slot(1, 540, 555, capacity=2)
    engine.add_slot(1, 555, 570, capacity=1)
    walkin = engine.book(slot.id, "WALKIN", at=0).token
    online = engine.book(slot.id, "ONLINE", at=1).token
    engine.start_consult(walkin.id)
    assert trace(engine.book(slot.id, "EMERGENCY", at=3).decisions) == [
        ("ALLOCATED", 3, 1, online.id),
        ("BUMPED", online.id, 1, 3),
        ("REALLOCATED", online.id, 2, 3),
    ]
    assert walkin in slot.seated and walkin.in_consult
    engine.complete(walkin.id, at=9)
    assert not walkin.in_consult


def test_an_emergency_past_capacity_is_overbooked_even_when_the_policy_sells_more_seats() -> None:
    """Under noshow-overbook an emergency seated past the slot's capacity is OVERBOOKED."""
    engine = engine_with("noshow-overbook", no_show_rate=0.5)  # capacity 1, sells 2 seats
    engine.book(1, "ONLINE")
    assert trace(engine.book(1, "EMERGENCY").decisions) == [("OVERBOOKED", 2, 1, None)]


def test_an_infinite_reservation_is_a_policy_error() -> None:
    """reserved: {WALKIN: inf} is refused as a bad policy parameter, not an overflow."""
    with pytest.raises(UnknownPolicy, match="policy 'reserved'"):
        make_policy("reserved", {"reserved": {"WALKIN": float("inf")}})
