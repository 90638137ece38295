"""The allocation rules of docs/rules.md, one scenario each, asserting whole decision traces."""

from __future__ import annotations

import pytest

from opd_sim.engine import Engine, Source, TokenStatus
from opd_sim.errors import TokenStateError
from tests.engine.conftest import trace


def test_allocates_while_the_slot_has_capacity(engine: Engine) -> None:
    """Original scenario: requests take free seats until capacity is reached."""
    slot = engine.add_slot(1, 540, 560, capacity=2)
    first = engine.book(slot.id, "ONLINE", "a")
    second = engine.book(slot.id, "WALKIN", "b")
    assert trace(first.decisions + second.decisions) == [
        ("ALLOCATED", 1, 1, None),
        ("ALLOCATED", 2, 1, None),
    ]
    assert slot.seats_held == 2 and not slot.overbooked
    assert engine.free_seats(slot.id) == 0


def test_waitlists_when_the_slot_is_full(engine: Engine) -> None:
    """Original scenario: a request for a full slot, with nobody lower to bump, is waitlisted."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "ONLINE", "a")
    outcome = engine.book(slot.id, "ONLINE", "b")
    assert trace(outcome.decisions) == [("WAITLISTED", 2, 1, None)]
    assert outcome.token.status is TokenStatus.WAITLISTED
    assert list(slot.waitlist) == [outcome.token]


def test_cancellation_promotes_the_best_waitlisted(engine: Engine) -> None:
    """Original scenario: a cancellation frees a seat and the best waitlisted token takes it."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "FOLLOWUP", "seated")
    engine.book(slot.id, "WALKIN", "walkin waits")
    engine.book(slot.id, "ONLINE", "online waits")
    engine.book(slot.id, "ONLINE", "later online waits")
    outcome = engine.cancel(1, at=5.0)
    assert trace(outcome.decisions) == [("CANCELLED", 1, 1, None), ("PROMOTED", 3, 1, 1)]
    assert engine.tokens[3].status is TokenStatus.ALLOCATED
    assert [t.id for t in slot.waitlist] == [4, 2]


def test_no_show_promotes(engine: Engine) -> None:
    """A no-show frees the seat and promotes the waitlist at once."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "PAID", "a")
    engine.book(slot.id, "PAID", "b")
    outcome = engine.no_show(1)
    assert trace(outcome.decisions) == [("NO_SHOW", 1, 1, None), ("PROMOTED", 2, 1, 1)]
    assert engine.tokens[1].status is TokenStatus.NO_SHOW


def test_emergency_overbooks_a_full_slot(engine: Engine) -> None:
    """An emergency is seated in a full slot past capacity, flagged OVERBOOKED, bumping nobody."""
    slot = engine.add_slot(1, 540, 560, capacity=2)
    engine.book(slot.id, "WALKIN", "a")
    engine.book(slot.id, "WALKIN", "b")
    outcome = engine.book(slot.id, Source.EMERGENCY, "e")
    assert trace(outcome.decisions) == [("OVERBOOKED", 3, 1, None)]
    assert outcome.decisions[0].seats_held == 3
    assert slot.overbooked and slot.seats_held == 3
    assert all(t.status is TokenStatus.ALLOCATED for t in engine.tokens.values())


def test_emergency_takes_a_free_seat_without_overbooking(engine: Engine) -> None:
    """An emergency in a slot with a free seat is simply ALLOCATED and counts as a seat."""
    slot = engine.add_slot(1, 540, 560, capacity=2)
    outcome = engine.book(slot.id, "EMERGENCY", "e")
    assert trace(outcome.decisions) == [("ALLOCATED", 1, 1, None)]
    assert engine.free_seats(slot.id) == 1 and not slot.overbooked


def test_higher_priority_bumps_the_lowest_into_the_next_free_slot(engine: Engine) -> None:
    """PAID bumps the lowest (latest on ties) into the next later slot with a free seat."""
    nine = engine.add_slot(1, 540, 560, capacity=2)
    nine20 = engine.add_slot(1, 560, 580, capacity=1)
    nine40 = engine.add_slot(1, 580, 600, capacity=1)
    engine.book(nine20.id, "ONLINE", "fills 9:20")
    engine.book(nine.id, "WALKIN", "early walk-in")
    engine.book(nine.id, "WALKIN", "late walk-in")
    outcome = engine.book(nine.id, "PAID", "paid")
    assert trace(outcome.decisions) == [
        ("ALLOCATED", 4, 1, 3),
        ("BUMPED", 3, 1, 4),
        ("REALLOCATED", 3, nine40.id, 4),
    ]
    bumped = engine.tokens[3]
    assert bumped.status is TokenStatus.ALLOCATED and bumped.slot_id == nine40.id
    assert bumped.times_bumped == 1 and bumped.requested_slot_id == nine.id


def test_bumped_token_is_waitlisted_when_no_later_slot_is_free(engine: Engine) -> None:
    """With no later free seat that day, the bumped token waits on the slot it was bumped from."""
    first = engine.add_slot(1, 540, 560, capacity=1)
    engine.add_slot(1, 520, 540, capacity=1)  # earlier slots do not count
    engine.add_slot(1, 600, 620, capacity=1, day=1)  # nor another day's
    engine.book(first.id, "ONLINE", "a")
    outcome = engine.book(first.id, "FOLLOWUP", "b")
    assert trace(outcome.decisions) == [
        ("ALLOCATED", 2, 1, 1),
        ("BUMPED", 1, 1, 2),
        ("WAITLISTED", 1, 1, 2),
    ]
    assert list(first.waitlist) == [engine.tokens[1]]


def test_bumped_token_skips_other_doctors(engine: Engine) -> None:
    """Re-allocation stays with the same doctor."""
    engine.add_doctor("Dr Iyer")
    mine = engine.add_slot(1, 540, 560, capacity=1)
    engine.add_slot(2, 560, 580, capacity=5)
    engine.book(mine.id, "WALKIN", "a")
    outcome = engine.book(mine.id, "PAID", "b")
    assert outcome.decisions[-1].kind == "WAITLISTED"


def test_equal_priority_never_bumps(engine: Engine) -> None:
    """A request of the same priority as every seated token is waitlisted, not bumping."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.add_slot(1, 560, 580, capacity=1)
    engine.book(slot.id, "ONLINE", "a")
    outcome = engine.book(slot.id, "ONLINE", "b")
    assert trace(outcome.decisions) == [("WAITLISTED", 2, 1, None)]


def test_lower_priority_never_bumps(engine: Engine) -> None:
    """A WALKIN cannot displace a PAID token."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "PAID", "a")
    assert trace(engine.book(slot.id, "WALKIN", "b").decisions) == [("WAITLISTED", 2, 1, None)]


def test_emergencies_are_never_bumped(engine: Engine) -> None:
    """A slot full of emergencies waitlists even a PAID request."""
    slot = engine.add_slot(1, 540, 560, capacity=2)
    engine.book(slot.id, "EMERGENCY", "e1")
    engine.book(slot.id, "EMERGENCY", "e2")
    outcome = engine.book(slot.id, "PAID", "p")
    assert trace(outcome.decisions) == [("WAITLISTED", 3, 1, None)]


def test_bump_picks_lowest_priority_then_most_recent(engine: Engine) -> None:
    """Among seated tokens the victim is the lowest priority, ties broken by latest request."""
    slot = engine.add_slot(1, 540, 560, capacity=4)
    for source in ("FOLLOWUP", "WALKIN", "ONLINE", "WALKIN"):
        engine.book(slot.id, source)
    first = engine.book(slot.id, "PAID")
    second = engine.book(slot.id, "PAID")
    third = engine.book(slot.id, "PAID")
    assert [o.decisions[1].token_id for o in (first, second, third)] == [4, 2, 3]


def test_overbooked_slot_has_no_free_seat_until_below_capacity(engine: Engine) -> None:
    """Capacity 2 overbooked to 3: one cancellation leaves it full; a second frees a seat."""
    slot = engine.add_slot(1, 540, 560, capacity=2)
    engine.book(slot.id, "ONLINE", "a")
    engine.book(slot.id, "ONLINE", "b")
    engine.book(slot.id, "EMERGENCY", "e")
    engine.book(slot.id, "ONLINE", "waits")
    assert trace(engine.cancel(1).decisions) == [("CANCELLED", 1, 1, None)]
    assert not slot.overbooked and engine.free_seats(slot.id) == 0
    assert trace(engine.cancel(2).decisions) == [("CANCELLED", 2, 1, None), ("PROMOTED", 4, 1, 2)]


def test_cancelling_a_waitlisted_token_leaves_the_waitlist(engine: Engine) -> None:
    """A waitlisted token can cancel; no seat frees so nobody is promoted."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "ONLINE")
    engine.book(slot.id, "ONLINE")
    assert trace(engine.cancel(2).decisions) == [("CANCELLED", 2, 1, None)]
    assert list(slot.waitlist) == []


def test_completed_token_keeps_its_seat_and_cannot_be_bumped(engine: Engine) -> None:
    """A seen patient still holds the seat; a later PAID request is waitlisted."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "WALKIN")
    assert trace(engine.complete(1).decisions) == [("COMPLETED", 1, 1, None)]
    assert trace(engine.book(slot.id, "PAID").decisions) == [("WAITLISTED", 2, 1, None)]


def test_expire_waitlist_at_day_end(engine: Engine) -> None:
    """Tokens still waiting when the day ends become EXPIRED, best first."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "ONLINE")
    engine.book(slot.id, "WALKIN")
    engine.book(slot.id, "FOLLOWUP")
    # the FOLLOWUP bumped the ONLINE token (no later slot), so both it and the walk-in wait
    expired = engine.expire_waitlist(slot.id, at=600)
    assert trace(expired) == [("EXPIRED", 1, 1, None), ("EXPIRED", 2, 1, None)]
    assert {t.id: t.status.value for t in engine.tokens.values()} == {
        1: "EXPIRED", 2: "EXPIRED", 3: "ALLOCATED"
    }
    assert list(slot.waitlist) == []


@pytest.mark.parametrize("operation", ["cancel", "no_show", "complete"])
def test_final_tokens_refuse_further_operations(engine: Engine, operation: str) -> None:
    """Cancelling, no-showing or completing a cancelled token is refused by the rules (exit 3)."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "ONLINE")
    engine.cancel(1)
    with pytest.raises(TokenStateError) as refused:
        getattr(engine, operation)(1)
    assert refused.value.exit_code == 3


def test_decisions_explain_a_token(engine: Engine) -> None:
    """history() lists every decision about a token, including those naming it as related."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "WALKIN")
    engine.book(slot.id, "PAID")
    engine.cancel(2)
    kinds = [(d.kind.value, d.token_id) for d in engine.history(1)]
    assert kinds == [
        ("ALLOCATED", 1), ("ALLOCATED", 2), ("BUMPED", 1), ("WAITLISTED", 1), ("PROMOTED", 1)
    ]
    assert all(d.reason for d in engine.log)
