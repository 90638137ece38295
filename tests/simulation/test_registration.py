"""The registration counter sends an unbooked patient exactly where asking every doctor would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from opd_sim.engine import DecisionKind, Engine, Source, TokenStatus
from opd_sim.scenario.model import Scenario
from opd_sim.simulation.calendar import MINUTES_PER_DAY, SlotCalendar
from opd_sim.simulation.registration import Registration

# after these, a slot may hold fewer seats or a shorter waitlist (as Opd tells registration)
FELL = (DecisionKind.CANCELLED, DecisionKind.NO_SHOW, DecisionKind.PROMOTED,
        DecisionKind.EXPIRED)  # fmt: skip
POLICIES = [("priority-bump", {}), ("fifo", {}), ("reserved", {"reserved": {"PAID": 1}}),
            ("noshow-overbook", {"no_show_rate": 0.3})]  # fmt: skip


def _by_asking_every_doctor(engine: Engine, calendar: SlotCalendar, day: int, now: float,
                            source: Source) -> int:  # fmt: skip
    """The routing rule, read straight off the engine: slots grouped by start time, the earliest
    group still running (its last slot ends after now) or to come with a seat for the source,
    fewest seats held, doctor order; else the shortest waitlist of the first such group (after
    the day's last slot: the last group)."""
    minute = now - day * MINUTES_PER_DAY
    groups = len(calendar.group_starts)
    first = next((g for g in range(groups) if minute < calendar.group_ends[g] - 1e-9),
                 groups - 1)  # fmt: skip
    for group in range(first, groups):
        slots = [(d, calendar.slot_id(d, day, k)) for d, k in calendar.group_slots[group]]
        open_ = [(engine.seats_held(slot), d, slot) for d, slot in slots
                 if engine.has_seat(slot, source)]  # fmt: skip
        if open_:
            return min(open_)[2]
    slots = [(d, calendar.slot_id(d, day, k)) for d, k in calendar.group_slots[first]]
    return min((engine.waitlist_length(slot), d, slot) for d, slot in slots)[2]


operations = st.lists(
    st.tuples(st.sampled_from(["walkin", "walkin", "book", "cancel", "cancel", "no_show",
                               "complete"]),
              st.integers(0, 10_000), st.sampled_from(list(Source))),
    min_size=1, max_size=120,
)  # fmt: skip


# doctors' own rosters (None: the scenario's 09:00-10:00): later, split, cut short by a close
ROSTERS = [None, [{"open": 550, "close": 620}], [{"open": 540, "close": 565},
                                                 {"open": 580, "close": 640}],
           [{"open": 600, "close": 660}]]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(range(len(ROSTERS))), min_size=1, max_size=4),
       st.sampled_from([1, 2]), st.sampled_from(POLICIES), operations)  # fmt: skip
def test_registration_agrees_with_asking_every_doctor(
    rosters: list[int], seats: int, policy: tuple[str, dict], ops: list
) -> None:
    """Through random bookings, cancellations, no-shows and completions, every walk-in is sent
    to the slot the rule names when each doctor is asked, whatever the doctors' rosters."""
    scenario = Scenario.model_validate({
        "days": 2, "sessions": [{"open": 540, "close": 600}], "slot_minutes": 20,
        "doctors": [{"id": f"d{i}", "seats_per_slot": seats, "sessions": ROSTERS[roster]}
                    for i, roster in enumerate(rosters)],
    })  # fmt: skip
    engine = Engine(policy[0], **policy[1])
    calendar = SlotCalendar.build(scenario, engine)
    registration = Registration(calendar, engine)

    def told(decisions: list) -> None:
        for decision in decisions:
            if decision.kind in FELL:
                registration.counts_fell(decision.slot_id)

    now = 540.0
    for action, number, source in ops:
        now = min(now + number % 3, 670.0)
        day = number % 2
        at = day * MINUTES_PER_DAY + now
        tokens = list(engine.tokens.values())
        if action == "walkin":
            sent = registration.slot_for(day, at, source)
            assert sent == _by_asking_every_doctor(engine, calendar, day, at, source)
            told(engine.book(sent, source, at=at).decisions)
        elif action == "book":
            told(engine.book(1 + number % calendar.slot_count, source, at=at).decisions)
        elif tokens:
            token = tokens[number % len(tokens)]
            if action == "cancel" and token.status in (TokenStatus.ALLOCATED,
                                                      TokenStatus.WAITLISTED):  # fmt: skip
                told(engine.cancel(token.id, at=at).decisions)
            elif action == "no_show" and token.status is TokenStatus.ALLOCATED:
                told(engine.no_show(token.id, at=at).decisions)
            elif action == "complete" and token.status is TokenStatus.ALLOCATED:
                told(engine.complete(token.id, at=at).decisions)


def test_a_seat_freed_after_the_slot_filled_is_offered_again() -> None:
    """A full slot leaves the counter's heap; a cancellation puts it back, so the next walk-in
    takes the freed seat rather than a later slot."""
    scenario = Scenario.model_validate({
        "sessions": [{"open": 540, "close": 600}], "slot_minutes": 30,
        "doctors": [{"id": "a", "seats_per_slot": 1}, {"id": "b", "seats_per_slot": 1}],
    })  # fmt: skip
    engine = Engine()
    calendar = SlotCalendar.build(scenario, engine)
    registration = Registration(calendar, engine)
    first = [registration.slot_for(0, 541.0, Source.WALKIN)]
    engine.book(first[0], Source.WALKIN, at=541.0)
    second = registration.slot_for(0, 542.0, Source.WALKIN)
    engine.book(second, Source.WALKIN, at=542.0)
    later = registration.slot_for(0, 543.0, Source.WALKIN)  # 09:00 full at both doctors
    assert (first[0], second, later) == (calendar.slot_id(0, 0, 0), calendar.slot_id(1, 0, 0),
                                         calendar.slot_id(0, 0, 1))  # fmt: skip
    for decision in engine.cancel(1, at=544.0).decisions:
        if decision.kind in FELL:
            registration.counts_fell(decision.slot_id)
    assert registration.slot_for(0, 545.0, Source.WALKIN) == calendar.slot_id(0, 0, 0)
