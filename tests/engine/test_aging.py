"""The aging policy: a token's priority improves by one level for every ``minutes_per_level``
minutes since its request, never above PAID, emergencies untouched; whom a request may bump and
whom a freed seat goes to are decided in the priorities of that moment."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opd_sim.engine import Engine, Reason, Source, Token, TokenStatus, make_policy
from opd_sim.errors import OpdSimError
from tests.engine.conftest import trace


def one_doctor(policy: str = "aging", capacities: tuple[int, ...] = (1,),
               **params: object) -> Engine:  # fmt: skip
    """Dr Rao with one 20-minute slot of each capacity from 9:00 (540), under ``policy``."""
    engine = Engine(policy, **params)
    engine.add_doctor("Dr Rao")
    for index, capacity in enumerate(capacities):
        engine.add_slot(1, 540 + 20 * index, 560 + 20 * index, capacity)
    return engine


def test_a_token_rises_one_level_per_step_never_above_paid() -> None:
    """A walk-in requested at 0 under 60 minutes a level: 5 until minute 60, then 4, 3 at 120, 2
    from 180 on and never 1; a PAID token stays 2, an emergency 1."""
    policy = make_policy("aging", {"minutes_per_level": 60})
    walkin, paid, emergency = (Token(n, source, "", n, 1, 1, 0.0, TokenStatus.ALLOCATED)
                               for n, source in enumerate((Source.WALKIN, Source.PAID,
                                                           Source.EMERGENCY)))  # fmt: skip
    times = [0, 59.9, 60, 119, 120, 179, 180, 240, 1e9, float("inf")]
    assert [policy.priority_at(walkin, t) for t in times] == [5, 5, 4, 4, 3, 3, 2, 2, 2, 2]
    assert {policy.priority_at(paid, t) for t in times} == {2}
    assert {policy.priority_at(emergency, t) for t in times} == {1}
    assert policy.priority_at(walkin, -30) == 5  # no time has passed: the priority it came with
    assert policy.priority_at(walkin, float("nan")) == 5
    assert make_policy("priority-bump").priority_at(walkin, 1e9) == 5  # the standard: never ages


def test_an_aged_walkin_cannot_be_bumped_by_an_online_booking() -> None:
    """Under aging at 60 minutes a level, a walk-in requested at 0 is at priority 3 at minute
    120: an ONLINE request (4) then cannot bump it and waits, where priority-bump bumps it."""
    aging, standard = one_doctor(minutes_per_level=60), one_doctor("priority-bump")
    for engine in (aging, standard):
        engine.book(1, "WALKIN", "Bala", at=0)
    assert trace(aging.book(1, "ONLINE", "Asha", at=120).decisions) == [
        ("WAITLISTED", 2, 1, None)
    ]
    assert trace(standard.book(1, "ONLINE", "Asha", at=120).decisions) == [
        ("ALLOCATED", 2, 1, 1), ("BUMPED", 1, 1, 2), ("WAITLISTED", 1, 1, 2)
    ]
    assert aging.log[-1].reason is Reason.SLOT_FULL


def test_a_walkin_ages_one_level_per_step() -> None:
    """At minute 59 the walk-in is still 5 and an ONLINE request bumps it; at 60 it is 4, equal
    to ONLINE (no bump), below FOLLOWUP (3), who bumps it."""
    young = one_doctor(minutes_per_level=60)
    young.book(1, "WALKIN", at=0)
    assert trace(young.book(1, "ONLINE", at=59).decisions) == [
        ("ALLOCATED", 2, 1, 1), ("BUMPED", 1, 1, 2), ("WAITLISTED", 1, 1, 2)
    ]
    older = one_doctor(minutes_per_level=60)
    older.book(1, "WALKIN", at=0)
    assert trace(older.book(1, "ONLINE", at=60).decisions) == [("WAITLISTED", 2, 1, None)]
    assert trace(older.book(1, "FOLLOWUP", at=60).decisions) == [
        ("ALLOCATED", 3, 1, 1), ("BUMPED", 1, 1, 3), ("WAITLISTED", 1, 1, 3)
    ]


def test_a_freed_seat_goes_to_an_aged_walkin_before_a_fresher_online_booking() -> None:
    """The walk-in waiting since 0 is at 3 at minute 130; the ONLINE token waiting since 100 is
    still 4: the walk-in is promoted, where priority-bump promotes the ONLINE token."""
    aging, standard = one_doctor(minutes_per_level=60), one_doctor("priority-bump")
    for engine in (aging, standard):
        engine.book(1, "PAID", "Chitra", at=0)
        engine.book(1, "WALKIN", "Bala", at=0)
        engine.book(1, "ONLINE", "Asha", at=100)
    assert trace(aging.cancel(1, at=130).decisions) == [
        ("CANCELLED", 1, 1, None), ("PROMOTED", 2, 1, 1)
    ]
    assert trace(standard.cancel(1, at=130).decisions) == [
        ("CANCELLED", 1, 1, None), ("PROMOTED", 3, 1, 1)
    ]
    assert [t.id for t in aging.slots[1].waitlist] == [3]
    assert list(aging.problems()) == []


def test_between_decisions_a_waiting_token_may_age_one_level_past_a_seated_one() -> None:
    """Time alone moves nobody. At minute 70 the walk-in of minute 0 and the ONLINE token of
    minute 30 are both at 4, and the earlier request is promoted; at minute 90 the ONLINE token
    is at 3, one level above the seated walk-in (still 4), and stays waiting until a decision.
    (docs/rules.md: the bound of one level is an invariant under aging.)"""
    engine = one_doctor(minutes_per_level=60)
    engine.book(1, "FOLLOWUP", at=0)
    walkin = engine.book(1, "WALKIN", at=0).token
    online = engine.book(1, "ONLINE", at=30).token  # the FOLLOWUP is at 3 by then: no bump
    assert trace(engine.cancel(1, at=70).decisions) == [
        ("CANCELLED", 1, 1, None), ("PROMOTED", walkin.id, 1, 1)
    ]
    policy = engine.policy
    assert (policy.priority_at(walkin, 90), policy.priority_at(online, 90)) == (4, 3)
    assert walkin.status is TokenStatus.ALLOCATED and online.status is TokenStatus.WAITLISTED
    # the next decision is taken in the priorities of its moment: an ONLINE request (4) cannot
    # bump the walk-in (4), a FOLLOWUP (3) can
    assert trace(engine.book(1, "ONLINE", at=90).decisions) == [("WAITLISTED", 4, 1, None)]
    assert trace(engine.book(1, "FOLLOWUP", at=90).decisions) == [
        ("ALLOCATED", 5, 1, walkin.id), ("BUMPED", walkin.id, 1, 5), ("WAITLISTED", walkin.id, 1, 5)
    ]


def test_a_walkin_who_leaves_promotes_by_the_priorities_of_that_moment() -> None:
    """Leaving frees the seat like a cancellation, and aging picks whom it goes to."""
    engine = one_doctor(minutes_per_level=30)
    engine.book(1, "FOLLOWUP", at=0)
    engine.book(1, "WALKIN", at=10)  # 5 - 2 = 3 at minute 70
    engine.book(1, "FOLLOWUP", at=50)  # 3 at minute 70, but requested later
    assert trace(engine.leave(1, at=70, waited_minutes=25).decisions) == [
        ("LEFT", 1, 1, None), ("PROMOTED", 2, 1, 1)
    ]


def test_the_victim_is_the_lowest_in_the_priorities_of_the_request_time() -> None:
    """At minute 70 (60 a level) the walk-in of minute 0 is at 4, the ONLINE token of minute 50
    at 4, the walk-in of minute 65 at 5: a FOLLOWUP bumps the latter, then, of the two at 4, the
    more recent request: the ONLINE token (priority-bump would bump the first walk-in)."""
    engine = one_doctor(capacities=(3,), minutes_per_level=60)
    engine.book(1, "WALKIN", at=0)
    engine.book(1, "ONLINE", at=50)
    engine.book(1, "WALKIN", at=65)
    assert trace(engine.book(1, "FOLLOWUP", at=70).decisions) == [
        ("ALLOCATED", 4, 1, 3), ("BUMPED", 3, 1, 4), ("WAITLISTED", 3, 1, 4)
    ]
    assert trace(engine.book(1, "FOLLOWUP", at=71).decisions) == [
        ("ALLOCATED", 5, 1, 2), ("BUMPED", 2, 1, 5), ("WAITLISTED", 2, 1, 5)
    ]
    # the FOLLOWUPs (3) are not bumped by another FOLLOWUP; the walk-in at 4 is
    assert trace(engine.book(1, "FOLLOWUP", at=72).decisions) == [
        ("ALLOCATED", 6, 1, 1), ("BUMPED", 1, 1, 6), ("WAITLISTED", 1, 1, 6)
    ]


def test_an_aged_token_at_paid_is_not_bumped_by_paid_but_an_emergency_still_overbooks() -> None:
    """Long aged, a walk-in is at PAID's 2: a PAID request is not strictly higher and waits; an
    emergency takes its own path and is seated past capacity."""
    engine = one_doctor(minutes_per_level=60)
    engine.book(1, "WALKIN", at=0)
    assert trace(engine.book(1, "PAID", at=1000).decisions) == [("WAITLISTED", 2, 1, None)]
    assert trace(engine.book(1, "EMERGENCY", at=1000).decisions) == [("OVERBOOKED", 3, 1, None)]
    assert engine.tokens[1].status is TokenStatus.ALLOCATED


def test_an_emergency_on_the_ordinary_path_still_outranks_every_aged_token() -> None:
    """Aging never lifts a token to 1: under a policy whose emergencies may have to bump (here
    one that never lets them overbook), an emergency still bumps a walk-in aged to 2."""

    from dataclasses import dataclass

    from opd_sim.engine.policies import Aging

    @dataclass(frozen=True)
    class AgingWithoutOverbooking(Aging):
        def may_overbook(self, slot, token):  # type: ignore[no-untyped-def]
            return False

    engine = Engine(AgingWithoutOverbooking(minutes_per_level=60))
    engine.add_doctor("Dr Rao")
    engine.add_slot(1, 540, 560, 1)
    engine.book(1, "WALKIN", at=0)
    assert trace(engine.book(1, "EMERGENCY", at=1000).decisions) == [
        ("ALLOCATED", 2, 1, 1), ("BUMPED", 1, 1, 2), ("WAITLISTED", 1, 1, 2)
    ]
    assert trace(engine.book(1, "EMERGENCY", at=1001).decisions) == [("WAITLISTED", 3, 1, None)]


@pytest.mark.parametrize(("max_bumps", "last"), [
    (1, [("WAITLISTED", 3, 2, None)]),
    (2, [("ALLOCATED", 3, 2, 1), ("BUMPED", 1, 2, 3), ("WAITLISTED", 1, 2, 3)]),
])  # fmt: skip
def test_a_token_bumped_max_bumps_times_is_not_bumped_again(max_bumps: int,
                                                            last: list[tuple]) -> None:  # fmt: skip
    """Bumped once into the later slot, the walk-in keeps that seat under max_bumps=1."""
    engine = one_doctor(capacities=(1, 1), minutes_per_level=120, max_bumps=max_bumps)
    engine.book(1, "WALKIN", at=0)
    assert trace(engine.book(1, "PAID", at=1).decisions) == [
        ("ALLOCATED", 2, 1, 1), ("BUMPED", 1, 1, 2), ("REALLOCATED", 1, 2, 2)
    ]
    assert trace(engine.book(2, "PAID", at=2).decisions) == last


def test_the_parameters_default_to_the_original_systems_two_hours_and_one_bump() -> None:
    """aging() is two hours a level and one bump; it is described with its parameters."""
    policy = make_policy("aging")
    assert (policy.minutes_per_level, policy.max_bumps) == (120, 1)
    assert str(policy) == "aging(minutes_per_level=120, max_bumps=1)"
    assert str(make_policy("aging", {"minutes_per_level": 30.5, "max_bumps": 0})) == (
        "aging(minutes_per_level=30.5, max_bumps=0)"
    )


# Random days: operations with the time they happen at, for two engines to be fed alike.
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["book", "book", "book", "cancel", "no_show", "complete", "start_consult",
                         "leave", "expire", "expire_long", "expire_day"]),
        st.integers(0, 9),
        st.sampled_from(list(Source)),
        st.integers(0, 90),  # minutes since the previous step
    ),
    max_size=60,
)


def run_day(engine: Engine, steps: list[tuple[str, int, Source, int]]) -> Engine:
    """Two doctors' slots, then the steps; refused or unknown operations decide nothing."""
    engine.add_doctor("Dr Rao")
    engine.add_doctor("Dr Iyer")
    for start, capacity in ((540, 2), (560, 1), (580, 2)):
        engine.add_slot(1, start, start + 20, capacity)
    engine.add_slot(2, 540, 560, 1)
    clock = 0.0
    for action, n, source, minutes in steps:
        clock += minutes
        try:
            if action == "book":
                engine.book(1 + n % 4, source, at=clock)
            elif action == "leave":
                engine.leave(1 + n, at=clock, waited_minutes=minutes)
            elif action == "expire_long":
                engine.expire(1 + n, at=clock, reason=Reason.WAITED_TOO_LONG)
            elif action == "expire_day":
                engine.expire_day(1 + n % 2, 0, at=clock)
            elif action == "start_consult":
                engine.start_consult(1 + n)
            else:
                getattr(engine, action)(1 + n, at=clock)
        except OpdSimError:
            pass
    return engine


@settings(max_examples=200, deadline=None)
@given(STEPS, st.integers(0, 3))
def test_aging_without_time_to_age_decides_exactly_as_bump_cap(steps, max_bumps: int) -> None:
    """With minutes_per_level far beyond any wait, aging(max_bumps=k) makes bump-cap(max_bumps=k)'s
    decisions, one for one, whatever the operations."""
    aging = run_day(Engine("aging", minutes_per_level=1e9, max_bumps=max_bumps), steps)
    capped = run_day(Engine("bump-cap", max_bumps=max_bumps), steps)
    assert aging.log == capped.log
    assert [(t.id, t.status, t.slot_id, t.times_bumped) for t in aging.tokens.values()] == [
        (t.id, t.status, t.slot_id, t.times_bumped) for t in capped.tokens.values()
    ]
    assert list(aging.problems()) == []
