"""Property-based checks: random operation sequences never break the rules."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from opd_sim.engine import DecisionKind, Engine, Reason, Source, Token, TokenStatus

SEATED = (TokenStatus.ALLOCATED, TokenStatus.COMPLETED)


def build_engine(policy: str = "priority-bump", params: dict[str, Any] | None = None) -> Engine:
    """Two doctors; doctor 1 has three slots on day 0 and one on day 1, doctor 2 has two."""
    engine = Engine(policy, **(params or {}))
    engine.add_doctor("Dr Rao")
    engine.add_doctor("Dr Iyer")
    for start, capacity, day in ((540, 2, 0), (560, 1, 0), (580, 3, 0), (540, 1, 1)):
        engine.add_slot(1, start, start + 20, capacity, day=day)
    for start, capacity in ((540, 1), (560, 2)):
        engine.add_slot(2, start, start + 20, capacity)
    return engine


def replay(operations: list[tuple], policy: str = "priority-bump",
           params: dict[str, Any] | None = None) -> Engine:  # fmt: skip
    """A fresh engine fed the same operations."""
    engine = build_engine(policy, params)
    for name, args, keywords in operations:
        getattr(engine, name)(*args, **keywords)
    return engine


class OpdDay(RuleBasedStateMachine):
    """Random operations on a small OPD, checking the invariants in docs/rules.md at each step.

    Time passes (a minute an operation, and sometimes much more), so that under a policy whose
    priorities change with time the engine decides in priorities that keep changing.
    """

    policy: str = "priority-bump"
    params: dict[str, Any] = {}

    def __init__(self) -> None:
        super().__init__()
        self.engine = build_engine(self.policy, self.params)
        self.operations: list[tuple] = []
        self.clock = 0.0

    def _do(self, name: str, *args: object, **keywords: object) -> None:
        """Run one timed operation, then check each of its decisions against the state before."""
        self.clock += 1.0
        keywords["at"] = self.clock
        self.operations.append((name, args, keywords))
        before = self._ranks()
        outcome = getattr(self.engine, name)(*args, **keywords)
        self._check_decisions(name, outcome.decisions, before)

    def _priority(self, token: Token) -> int:
        return self.engine.policy.priority_at(token, self.clock)

    def _ranks(self) -> dict[int, tuple[list[tuple[tuple[int, int], Token]], list[Token]]]:
        """Each slot's bumpable seated tokens and its waitlist, ranked by (priority now, request
        order): what the engine must decide by at this moment."""
        bumpable = self.engine.policy.bumpable
        ranks = {}
        for slot in self.engine.slots.values():
            seated = [((self._priority(t), t.seq), t) for t in slot.seated if bumpable(t)]
            waiting = sorted(slot.waitlist, key=lambda t: (self._priority(t), t.seq))
            ranks[slot.id] = (sorted(seated, key=lambda pair: pair[0]), waiting)
        return ranks

    def _check_decisions(self, name: str, decisions: list, before: dict) -> None:
        """A request bumps the bumpable seated token ranked lowest at that moment, and only one of
        strictly lower priority than its own; it waits only if there is none; freed seats go to
        the waiting tokens ranked best at that moment, in that order."""
        first = decisions[0]
        if name == "book" and first.kind in (DecisionKind.ALLOCATED, DecisionKind.WAITLISTED):
            request = self.engine.tokens[first.token_id]
            seated, _ = before[first.slot_id]
            lower = [token for (priority, _), token in seated
                     if priority > self._priority(request)]  # fmt: skip
            if first.related_token_id is not None:  # a bump: the victim is the lowest ranked
                assert lower and lower[-1].id == first.related_token_id, (first, lower)
            elif first.kind is DecisionKind.WAITLISTED:
                assert lower == [], (first, lower)
        promoted = [d.token_id for d in decisions if d.kind is DecisionKind.PROMOTED]
        if promoted:
            _, waiting = before[first.slot_id]
            assert promoted == [t.id for t in waiting[: len(promoted)]], (promoted, waiting)

    def _tokens(self, *statuses: TokenStatus) -> list[int]:
        return [t.id for t in self.engine.tokens.values() if t.status in statuses]

    def _present(self) -> list[int]:
        """Tokens of patients who may leave unseen: waiting, or seated and not with the doctor."""
        return [t.id for t in self.engine.tokens.values()
                if t.status is TokenStatus.WAITLISTED
                or (t.status is TokenStatus.ALLOCATED and not t.in_consult)]  # fmt: skip

    @rule(slot=st.integers(1, 6), source=st.sampled_from(list(Source)))
    def book(self, slot: int, source: Source) -> None:
        self._do("book", slot, source, f"patient {len(self.operations)}")

    @rule(slot=st.integers(1, 6), sources=st.lists(st.sampled_from(list(Source)), min_size=2,
                                                    max_size=6))  # fmt: skip
    def a_rush_of_requests(self, slot: int, sources: list[Source]) -> None:
        """Several requests for one slot, a minute apart: full slots, bumps, long waitlists."""
        for source in sources:
            self._do("book", slot, source, f"patient {len(self.operations)}")

    @rule(minutes=st.integers(1, 90))
    def time_passes(self, minutes: int) -> None:
        self.clock += minutes

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
    def start_consult(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(self._tokens(TokenStatus.ALLOCATED)))
        self.operations.append(("start_consult", (token,), {}))
        self.engine.start_consult(token)

    @precondition(lambda self: self._tokens(TokenStatus.ALLOCATED))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        self._do("complete", data.draw(st.sampled_from(self._tokens(TokenStatus.ALLOCATED))))

    @precondition(lambda self: self._present())
    @rule(data=st.data(), waited=st.floats(0, 300))
    def leave(self, data: st.DataObject, waited: float) -> None:
        self._do("leave", data.draw(st.sampled_from(self._present())), waited_minutes=waited)

    @precondition(lambda self: self._tokens(TokenStatus.WAITLISTED))
    @rule(data=st.data())
    def expire_waited_too_long(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(self._tokens(TokenStatus.WAITLISTED)))
        self._do("expire", token, reason=Reason.WAITED_TOO_LONG)

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
    def no_waitlisted_token_outranks_a_seated_one_it_could_have_bumped(self) -> None:
        """In fixed priorities: no waiting token ranks above a bumpable seated one."""
        bumpable = self.engine.policy.bumpable
        for slot in self.engine.slots.values():
            seated = [t.key for t in slot.seated if bumpable(t)]
            if seated and slot.waitlist:
                assert min(t.key for t in slot.waitlist) > max(seated), slot

    @invariant()
    def the_waitlist_is_in_priority_then_request_order(self) -> None:
        for slot in self.engine.slots.values():
            keys = [t.key for t in slot.waitlist]
            assert keys == sorted(keys)

    @invariant()
    def the_engine_agrees_it_is_consistent(self) -> None:
        assert list(self.engine.problems()) == []

    def teardown(self) -> None:
        again = replay(self.operations, self.policy, self.params)
        assert again.log == self.engine.log
        assert [(t.id, t.status, t.slot_id) for t in again.tokens.values()] == [
            (t.id, t.status, t.slot_id) for t in self.engine.tokens.values()
        ]


class AgingOpdDay(OpdDay):
    """The same random days under ``aging`` at 20 minutes a level, so that priorities change
    between operations.

    Every decision is still checked in the priorities of its moment (``_check_decisions``). But
    between decisions a waiting token may age past a seated one: both rise a level per step,
    each from its own request, so the one whose next step comes first is ahead for a while (at
    60 minutes a level, a walk-in of minute 0 promoted at minute 70 over an ONLINE token of
    minute 30, both at 4 then, is still at 4 at minute 90, when the ONLINE token is at 3: see
    test_aging.py). Time alone moves no one (the engine has no clock), so the fixed-priority
    statement becomes: no waiting token is more than one level above a seated token it could
    bump, in the priorities of now.
    """

    policy = "aging"
    params = {"minutes_per_level": 20, "max_bumps": 1}

    @invariant()
    def no_waitlisted_token_outranks_a_seated_one_it_could_have_bumped(self) -> None:
        bumpable = self.engine.policy.bumpable
        for slot in self.engine.slots.values():
            seated = [self._priority(t) for t in slot.seated if bumpable(t)]
            if seated and slot.waitlist:
                best_waiting = min(self._priority(t) for t in slot.waitlist)
                assert best_waiting >= max(seated) - 1, slot


SETTINGS = settings(max_examples=150, stateful_step_count=40, deadline=None)
OpdDay.TestCase.settings = SETTINGS
AgingOpdDay.TestCase.settings = SETTINGS
TestOpdDay = OpdDay.TestCase
TestAgingOpdDay = AgingOpdDay.TestCase
