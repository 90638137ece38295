"""The allocation rules of docs/rules.md, one scenario each, asserting whole decision traces."""

from __future__ import annotations

import pytest

from opd_sim.engine import Decision, DecisionKind, Engine, Reason, Source, TokenStatus
from opd_sim.errors import InvalidInput, TokenStateError
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


def test_a_walkin_who_leaves_after_30_minutes_frees_the_seat_for_the_next(engine: Engine) -> None:
    """A seated walk-in not called within their patience leaves unseen: LEFT, the reason giving
    the minutes waited, and the seat goes to the best waitlisted token, as for a cancellation."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "WALKIN", "Bala", at=530)
    engine.book(slot.id, "WALKIN", "Chitra", at=535)
    engine.book(slot.id, "WALKIN", "Dev", at=536)
    outcome = engine.leave(1, at=570, waited_minutes=30)
    walkin = Source.WALKIN
    assert outcome.decisions == [
        Decision(570, DecisionKind.LEFT, 1, walkin, 1, 1, None,
                 "left unseen after waiting 30 minutes", 0, 1),
        Decision(570, DecisionKind.PROMOTED, 2, walkin, 1, 1, 1, Reason.SEAT_FREED, 1, 1),
    ]  # fmt: skip
    assert engine.log[-2:] == outcome.decisions
    assert outcome.token.status is TokenStatus.LEFT and outcome.token is engine.tokens[1]
    assert engine.tokens[2].status is TokenStatus.ALLOCATED
    assert list(slot.seated) == [engine.tokens[2]] and list(slot.waitlist) == [engine.tokens[3]]
    assert [(d.kind.value, d.token_id) for d in engine.history(1)] == [
        ("ALLOCATED", 1), ("LEFT", 1), ("PROMOTED", 2)
    ]
    assert list(engine.problems()) == []


def test_a_waitlisted_walkin_who_leaves_leaves_the_waitlist(engine: Engine) -> None:
    """A walk-in waiting on the waitlist may leave too: no seat frees, nobody is promoted."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "ONLINE", "Asha", at=480)
    engine.book(slot.id, "WALKIN", "Bala", at=530)
    engine.book(slot.id, "WALKIN", "Chitra", at=531)
    outcome = engine.leave(2, at=561.46, waited_minutes=31.46)
    assert outcome.decisions == [
        Decision(561.46, DecisionKind.LEFT, 2, Source.WALKIN, 1, 1, None,
                 "left unseen after waiting 31.5 minutes", 1, 1),
    ]  # fmt: skip
    assert engine.tokens[2].status is TokenStatus.LEFT
    assert list(slot.waitlist) == [engine.tokens[3]] and list(slot.seated) == [engine.tokens[1]]
    assert list(engine.problems()) == []


def test_a_leaver_in_an_overbooked_slot_frees_no_seat(engine: Engine) -> None:
    """As for a cancellation: leaving an overbooked slot may leave it full, promoting nobody."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "ONLINE", at=500)
    engine.book(slot.id, "EMERGENCY", at=545)
    engine.book(slot.id, "ONLINE", at=546)
    assert trace(engine.leave(1, at=600, waited_minutes=60).decisions) == [("LEFT", 1, 1, None)]
    assert engine.tokens[3].status is TokenStatus.WAITLISTED


def test_a_leaving_patient_may_wait_a_fraction_of_a_minute_or_none(engine: Engine) -> None:
    """The minutes are rounded to one decimal and written without a trailing .0."""
    slot = engine.add_slot(1, 540, 560, capacity=4)
    for _ in range(4):
        engine.book(slot.id, "WALKIN")
    reasons = [engine.leave(token, at=560, waited_minutes=minutes).decisions[0].reason
               for token, minutes in ((1, 0), (2, 0.04), (3, 12.25), (4, 90.0))]  # fmt: skip
    assert reasons == [
        "left unseen after waiting 0 minutes", "left unseen after waiting 0 minutes",
        "left unseen after waiting 12.2 minutes", "left unseen after waiting 90 minutes",
    ]


def _with_doctor(engine: Engine) -> None:
    engine.start_consult(1)


@pytest.mark.parametrize(
    ("prepare", "fragment"),
    [
        (lambda e: e.complete(1), "it is COMPLETED; only an ALLOCATED or WAITLISTED token can"
                                  " leave unseen"),
        (_with_doctor, "it is ALLOCATED and with the doctor; only an ALLOCATED token not with the"
                       " doctor, or a WAITLISTED token, can leave unseen"),
        (lambda e: e.leave(1, at=560, waited_minutes=20), "it is LEFT; only an ALLOCATED or"
                                                          " WAITLISTED token can leave unseen"),
        (lambda e: e.cancel(1), "it is CANCELLED;"),
        (lambda e: e.no_show(1), "it is NO_SHOW;"),
    ],
    ids=["completed", "with the doctor", "left", "cancelled", "no-show"],
)
def test_only_a_present_patient_not_yet_called_can_leave_unseen(engine: Engine, prepare,
                                                               fragment: str) -> None:  # fmt: skip
    """Leaving is refused by the rules (exit 3) for a seen patient, one with the doctor, one who
    has already left, cancelled or not come; the refusal changes nothing."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "WALKIN", at=530)
    engine.book(slot.id, "WALKIN", at=531)
    prepare(engine)
    before = [(t.id, t.status, t.slot_id) for t in engine.tokens.values()], list(engine.log)
    with pytest.raises(TokenStateError) as refused:
        engine.leave(1, at=600, waited_minutes=70)
    assert refused.value.exit_code == 3
    assert str(refused.value).startswith("cannot record the leaving of token 1: ")
    assert fragment in str(refused.value)
    assert ([(t.id, t.status, t.slot_id) for t in engine.tokens.values()],
            list(engine.log)) == before  # fmt: skip


@pytest.mark.parametrize("minutes", [-1, -0.01, float("nan"), float("inf"), True, "30", None,
                                     10**400])  # fmt: skip
def test_the_minutes_waited_must_be_a_finite_number_of_0_or_more(
    engine: Engine, minutes: object
) -> None:
    """A leave with an impossible wait is malformed input (exit 2), and decides nothing."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "WALKIN", at=530)
    with pytest.raises(InvalidInput, match="minutes waited must be a finite number of 0 or more"):
        engine.leave(1, at=570, waited_minutes=minutes)  # type: ignore[arg-type]
    assert engine.tokens[1].status is TokenStatus.ALLOCATED and len(engine.log) == 1


def test_a_token_waitlisted_too_long_expires_with_that_reason(engine: Engine) -> None:
    """The driver decides when a waitlisted token has waited too long; the engine records why."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "PAID", at=0)
    engine.book(slot.id, "ONLINE", at=10)
    engine.book(slot.id, "WALKIN", at=20)
    outcome = engine.expire(2, at=40, reason=Reason.WAITED_TOO_LONG)
    assert outcome.decisions == [
        Decision(40, DecisionKind.EXPIRED, 2, Source.ONLINE, 1, 1, None, Reason.WAITED_TOO_LONG,
                 1, 1),
    ]  # fmt: skip
    assert outcome.decisions[0].reason == "waitlisted past the waitlist expiry"
    assert engine.tokens[2].status is TokenStatus.EXPIRED
    assert list(slot.waitlist) == [engine.tokens[3]]
    # the day's end still expires the rest for that reason
    assert [(d.token_id, d.reason) for d in engine.expire_day(1, 0, at=1440)] == [
        (3, Reason.DAY_ENDED)
    ]
    assert engine.expire(  # the reason's text is the reason too
        engine.book(slot.id, "WALKIN", at=1500).token.id, at=1560,
        reason="waitlisted past the waitlist expiry",
    ).decisions[0].reason is Reason.WAITED_TOO_LONG


@pytest.mark.parametrize("reason", [Reason.SEEN, Reason.CANCELLED_WAITING, "too long", None, 3])
def test_a_token_expires_only_for_an_expiry_reason(engine: Engine, reason: object) -> None:
    """expire takes the reasons of EXPIRED decisions only (exit 2 otherwise), deciding nothing."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    engine.book(slot.id, "PAID")
    engine.book(slot.id, "ONLINE")
    with pytest.raises(InvalidInput, match="an expiry's reason must be one of"):
        engine.expire(2, at=40, reason=reason)  # type: ignore[arg-type]
    assert engine.tokens[2].status is TokenStatus.WAITLISTED and len(engine.log) == 2
