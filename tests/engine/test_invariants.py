"""Property-based checks: random operation sequences never break the rules."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from opd_sim.engine import Engine, Source, TokenStatus

SEATED = (TokenStatus.ALLOCATED, TokenStatus.COMPLETED)


def build_engine() -> Engine:
    """Two doctors; doctor 1 has three slots on day 0 and one on day 1, doctor 2 has two."""
    engine = Engine()
    engine.add_doctor("Dr Rao")
    engine.add_doctor("Dr Iyer")
    for start, capacity, day in ((540, 2, 0), (560, 1, 0), (580, 3, 0), (540, 1, 1)):
        engine.add_slot(1, start, start + 20, capacity, day=day)
    for start, capacity in ((540, 1), (560, 2)):
        engine.add_slot(2, start, start + 20, capacity)
    return engine


def replay(operations: list[tuple]) -> Engine:
    """A fresh engine fed the same operations."""
    engine = build_engine()
    for name, *args in operations:
        getattr(engine, name)(*args)
    return engine


class OpdDay(RuleBasedStateMachine):
    """Random operations on a small OPD, checking the invariants in docs/rules.md at each step."""

    def __init__(self) -> None:
        super().__init__()
        self.engine = build_engine()
        self.operations: list[tuple] = []
        self.clock = 0.0

    def _do(self, name: str, *args: object) -> None:
        self.clock += 1.0
        self.operations.append((name, *args, self.clock))
        getattr(self.engine, name)(*args, self.clock)

    @rule(slot=st.integers(1, 6), source=st.sampled_from(list(Source)))
    def book(self, slot: int, source: Source) -> None:
        self._do("book", slot, source, f"patient {len(self.operations)}")

    def _tokens(self, *statuses: TokenStatus) -> list[int]:
        return [t.id for t in self.engine.tokens.values() if t.status in statuses]

    @precondition(lambda self: self._tokens(TokenStatus.ALLOCATED, TokenStatus.WAITLISTED))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        live = self._tokens(TokenStatus.ALLOCATED, TokenStatus.WAITLISTED)
        self._do("cancel", data.draw(st.sampled_from(live)))

    @precondition(lambda self: self._tokens(TokenStatus.ALLOCATED))
    @rule(data=st.data())
    def no_show(self, data: st.DataObject) -> None:
        self._do("no_show", data.draw(st.sampled_from(self._tokens(TokenStatus.ALLOCATED))))

    @precondition(lambda self: self._tokens(TokenStatus.ALLOCATED))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        self._do("complete", data.draw(st.sampled_from(self._tokens(TokenStatus.ALLOCATED))))

    @invariant()
    def no_slot_holds_more_ordinary_tokens_than_capacity(self) -> None:
        for slot in self.engine.slots.values():
            ordinary = [t for t in slot.seated if t.source is not Source.EMERGENCY]
            assert len(ordinary) <= slot.capacity, slot

    @invariant()
    def a_slot_over_capacity_is_flagged_overbooked(self) -> None:
        for slot in self.engine.slots.values():
            assert slot.overbooked == (len(slot.seated) > slot.capacity)
            if slot.overbooked:
                assert any(t.source is Source.EMERGENCY for t in slot.seated)

    @invariant()
    def every_token_is_in_exactly_one_state(self) -> None:
        places: dict[int, list[str]] = {t: [] for t in self.engine.tokens}
        for slot in self.engine.slots.values():
            for token in slot.seated:
                places[token.id].append("seated")
                assert token.slot_id == slot.id and token.status in SEATED
            for token in slot.waitlist:
                places[token.id].append("waitlist")
                assert token.slot_id == slot.id and token.status is TokenStatus.WAITLISTED
        for token in self.engine.tokens.values():
            expected = (
                ["seated"] if token.status in SEATED
                else ["waitlist"] if token.status is TokenStatus.WAITLISTED
                else []
            )  # fmt: skip
            assert places[token.id] == expected, (token, places[token.id])

    @invariant()
    def nobody_waits_for_a_slot_with_a_free_seat(self) -> None:
        for slot in self.engine.slots.values():
            if slot.waitlist:
                assert len(slot.seated) >= slot.capacity, slot

    @invariant()
    def no_waitlisted_token_outranks_an_allocated_one(self) -> None:
        for slot in self.engine.slots.values():
            allocated = [
                t.key for t in slot.seated
                if t.status is TokenStatus.ALLOCATED and t.source is not Source.EMERGENCY
            ]  # fmt: skip
            if allocated and slot.waitlist:
                assert min(t.key for t in slot.waitlist) > max(allocated), slot

    @invariant()
    def the_waitlist_is_in_priority_then_request_order(self) -> None:
        for slot in self.engine.slots.values():
            keys = [t.key for t in slot.waitlist]
            assert keys == sorted(keys)

    @invariant()
    def the_engine_agrees_it_is_consistent(self) -> None:
        assert list(self.engine.problems()) == []

    def teardown(self) -> None:
        again = replay(self.operations)
        assert again.log == self.engine.log
        assert [(t.id, t.status, t.slot_id) for t in again.tokens.values()] == [
            (t.id, t.status, t.slot_id) for t in self.engine.tokens.values()
        ]


OpdDay.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestOpdDay = OpdDay.TestCase
