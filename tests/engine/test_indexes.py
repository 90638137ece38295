"""The engine's indexes answer exactly what a full read would: the bump search's heap agrees with
a scan of every seated token, the later-seat list with a walk of the whole day, and the sorted
buckets of a waitlist with one sorted list."""

from __future__ import annotations

from bisect import insort

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from opd_sim.engine import Engine, Slot, Source, Token, TokenStatus
from opd_sim.engine.allocation import WALK_LIMIT
from opd_sim.engine.ranked import LOAD, Ranked
from opd_sim.engine.records import SCAN_LIMIT

PRIORITIES = range(0, 7)  # past both ends of 1..5 too


def scan(slot: Slot, priority: int, bumpable) -> Token | None:
    """The bump search by its definition: every seated token read."""
    qualified = [t for t in slot.seated if t.priority > priority and bumpable(t)]
    return max(qualified, key=lambda t: t.key, default=None)


def walk(engine: Engine, day: list[Slot], token: Token, slot: Slot) -> Slot | None:
    """The later-seat search by its definition: the slot's doctor's ``day`` (its slots in start
    order, ties in the order they were added) walked from the first slot starting later."""
    policy = engine.policy
    for later in day:
        if (later.start > slot.start and len(later.seated) < policy.seats(later)
                and policy.may_seat(later, token)):  # fmt: skip
            return later
    return None


class _Operations(RuleBasedStateMachine):
    """Random bookings, cancellations, no-shows, consultations and completions."""

    engine: Engine

    def _live(self, *statuses: TokenStatus) -> list[int]:
        return [t.id for t in self.engine.tokens.values() if t.status in statuses]

    @rule(data=st.data(), source=st.sampled_from(list(Source)))
    def book(self, data: st.DataObject, source: Source) -> None:
        slot = data.draw(st.sampled_from(sorted(self.engine.slots)))
        self.engine.book(slot, source)

    @precondition(lambda self: self._live(TokenStatus.ALLOCATED, TokenStatus.WAITLISTED))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        live = self._live(TokenStatus.ALLOCATED, TokenStatus.WAITLISTED)
        self.engine.cancel(data.draw(st.sampled_from(live)))

    @precondition(lambda self: self._live(TokenStatus.ALLOCATED))
    @rule(data=st.data())
    def no_show(self, data: st.DataObject) -> None:
        self.engine.no_show(data.draw(st.sampled_from(self._live(TokenStatus.ALLOCATED))))

    @precondition(lambda self: self._live(TokenStatus.ALLOCATED))
    @rule(data=st.data(), done=st.booleans())
    def consult(self, data: st.DataObject, done: bool) -> None:
        token = data.draw(st.sampled_from(self._live(TokenStatus.ALLOCATED)))
        (self.engine.complete if done else self.engine.start_consult)(token)

    @invariant()
    def the_engine_agrees_it_is_consistent(self) -> None:
        assert list(self.engine.problems()) == []


class BumpSearch(_Operations):
    """Slots holding more tokens than SCAN_LIMIT, so the bump search reads its heap; under
    bump-cap, seated tokens refused as victims (bumped once, with the doctor, seen) sit on it."""

    @initialize(policy=st.sampled_from(["priority-bump", "bump-cap"]),
                capacities=st.lists(st.integers(SCAN_LIMIT - 2, SCAN_LIMIT + 12), min_size=1,
                                    max_size=2),
                fill=st.lists(st.sampled_from(list(Source)), min_size=SCAN_LIMIT,
                              max_size=2 * SCAN_LIMIT + 20))  # fmt: skip
    def open_the_day(self, policy: str, capacities: list[int], fill: list[Source]) -> None:
        self.engine = Engine(policy)
        self.engine.add_doctor("Dr Rao")
        for index, capacity in enumerate(capacities):
            self.engine.add_slot(1, 540 + 20 * index, 560 + 20 * index, capacity)
        for index, source in enumerate(fill):
            self.engine.book(1 + index % len(capacities), source)

    @invariant()
    def the_heap_answers_as_a_scan(self) -> None:
        bumpable = self.engine.policy.bumpable
        for slot in self.engine.slots.values():
            for priority in PRIORITIES:
                assert slot.worst_bumpable(priority, bumpable) is scan(slot, priority, bumpable)


class LaterSeat(_Operations):
    """A day of more slots than WALK_LIMIT (some starting together), so a bumped token's search
    reads the list of slots with room; under noshow-overbook a slot has more seats than its
    capacity, under reserved a free seat may not be for everyone."""

    @initialize(policy=st.sampled_from(["priority-bump", "noshow-overbook", "reserved"]),
                starts=st.lists(st.integers(0, 30), min_size=WALK_LIMIT + 1,
                                max_size=WALK_LIMIT + 8),
                capacities=st.lists(st.integers(1, 2), min_size=WALK_LIMIT + 8,
                                    max_size=WALK_LIMIT + 8))  # fmt: skip
    def open_the_day(self, policy: str, starts: list[int], capacities: list[int]) -> None:
        params = {"reserved": {"reserved": {"WALKIN": 1}},
                  "noshow-overbook": {"no_show_rate": 0.4}}.get(policy, {})  # fmt: skip
        self.engine = Engine(policy, **params)
        self.engine.add_doctor("Dr Rao")
        for start, capacity in zip(starts, capacities, strict=False):  # out of order, ties too
            self.engine.add_slot(1, 540 + 15 * start, 555 + 15 * start, capacity)
        self.engine.add_slot(1, 540, 555, 1, day=1)  # another day is never searched

    @invariant()
    def the_list_answers_as_a_walk(self) -> None:
        engine = self.engine
        days: dict[object, list[Slot]] = {}
        for slot in engine.slots.values():  # added in id order; a stable sort keeps ties so
            days.setdefault(slot.day, []).append(slot)
        for day in days.values():
            day.sort(key=lambda s: s.start)
        for slot in engine.slots.values():
            for source in (Source.ONLINE, Source.WALKIN):  # under reserved, the seat differs
                probe = Token(None, source, "", 0, None, None, 0.0, TokenStatus.WAITLISTED)
                assert engine._later_seat_for(probe, slot) is walk(engine, days[slot.day], probe,
                                                                   slot)  # fmt: skip


SETTINGS = settings(max_examples=40, stateful_step_count=30, deadline=None)
BumpSearch.TestCase.settings = SETTINGS
LaterSeat.TestCase.settings = SETTINGS
TestBumpSearch = BumpSearch.TestCase
TestLaterSeat = LaterSeat.TestCase


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10_000), unique=True, max_size=3 * LOAD),
       st.data())  # fmt: skip
def test_sorted_buckets_hold_what_one_sorted_list_holds(keys: list[int],
                                                        data: st.DataObject) -> None:  # fmt: skip
    """Adds in any order, then removals, takes of the first and reads after a key: the buckets
    (split past 2 * LOAD items) always hold exactly the model's sorted list."""
    ranked: Ranked[int] = Ranked(lambda key: key)
    model: list[int] = []
    for key in keys:
        ranked.add(key)
        insort(model, key)
    assert list(ranked) == model and len(ranked) == len(model)
    assert Ranked(lambda key: key, model).__iter__ and list(Ranked(lambda key: key, model)) == model
    for _ in range(data.draw(st.integers(0, 40))):
        if not model:
            break
        action = data.draw(st.sampled_from(["remove", "pop_first", "after", "contains"]))
        if action == "remove":
            key = data.draw(st.sampled_from(model))
            ranked.remove(key)
            model.remove(key)
        elif action == "pop_first":
            assert ranked.pop_first() == model.pop(0)
        elif action == "after":
            probe = data.draw(st.integers(-1, 10_001))
            assert list(ranked.after(probe)) == [key for key in model if key > probe]
        else:
            probe = data.draw(st.integers(0, 10_000))
            # membership is of the item itself (a token), not of an equal one: ints above 256
            # are distinct objects, so the model is asked by identity too
            assert (probe in ranked) == any(key is probe for key in model)
            if model:
                held = model[data.draw(st.integers(0, len(model) - 1))]
                assert held in ranked
        assert list(ranked) == model and len(ranked) == len(model)
        assert bool(ranked) == bool(model)
    if model:
        assert ranked.first() == model[0]
