"""Decision reasons are codes: one fixed phrase per reason, naming no token, slot or number; the
one exception, a LEFT decision's reason, gives the minutes the patient waited."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opd_sim.engine import (
    DecisionKind,
    Engine,
    PriorityBump,
    Reason,
    Slot,
    Source,
    Token,
    left_unseen,
)
from opd_sim.errors import InvalidInput, OpdSimError
from tests.engine.conftest import trace

# the kind of decision each reason explains (docs/data-dictionary.md, Reasons)
KIND = {
    Reason.FREE_SEAT: DecisionKind.ALLOCATED,
    Reason.FREE_SEAT_MAY_OVERBOOK: DecisionKind.ALLOCATED,
    Reason.TOOK_BUMPED_SEAT: DecisionKind.ALLOCATED,
    Reason.PAST_CAPACITY: DecisionKind.OVERBOOKED,
    Reason.DISPLACED: DecisionKind.BUMPED,
    Reason.MOVED_LATER: DecisionKind.REALLOCATED,
    Reason.NO_LATER_SEAT: DecisionKind.WAITLISTED,
    Reason.SLOT_FULL: DecisionKind.WAITLISTED,
    Reason.SEAT_FREED: DecisionKind.PROMOTED,
    Reason.CANCELLED_SEAT: DecisionKind.CANCELLED,
    Reason.CANCELLED_WAITING: DecisionKind.CANCELLED,
    Reason.DID_NOT_COME: DecisionKind.NO_SHOW,
    Reason.SEEN: DecisionKind.COMPLETED,
    Reason.DAY_ENDED: DecisionKind.EXPIRED,
    Reason.WAITED_TOO_LONG: DecisionKind.EXPIRED,
}
#: the LEFT reason: the one that is not a member, giving the minutes waited
LEFT_UNSEEN = re.compile(r"left unseen after waiting (0|[1-9][0-9]*)(\.[1-9])? minutes")


def test_each_reason_is_one_fixed_phrase_without_ids() -> None:
    """Distinct texts, none holding a digit (ids and numbers are the decision's own fields)."""
    texts = [reason.value for reason in Reason]
    assert len(set(texts)) == len(texts) == len(KIND)
    assert not any(character.isdigit() for text in texts for character in text)
    assert [reason.value for reason in KIND] == texts  # listed by kind, in DecisionKind order


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(30, "30"), (30.0, "30"), (31.46, "31.5"), (31.44, "31.4"), (0, "0"), (-0.0, "0"),
     (0.04, "0"), (0.05, "0.1"), (59.96, "60"), (123456.78, "123456.8"), (1e9, "1000000000")],
)
def test_the_left_reason_gives_the_minutes_waited_to_one_decimal(minutes: float,
                                                                 text: str) -> None:  # fmt: skip
    """Rounded to one decimal, without a trailing .0: the one reason that is not a member."""
    reason = left_unseen(minutes)
    assert reason == f"left unseen after waiting {text} minutes" and type(reason) is str
    assert LEFT_UNSEEN.fullmatch(reason) and reason not in {r.value for r in Reason}


@pytest.mark.parametrize("minutes", [-0.5, float("nan"), float("-inf"), float("inf"), False,
                                     "12", None, 10**400])  # fmt: skip
def test_the_left_reason_refuses_an_impossible_wait(minutes: object) -> None:
    """Only a finite number of 0 or more minutes can have been waited (InvalidInput, exit 2)."""
    with pytest.raises(InvalidInput, match="minutes waited must be a finite number of 0 or more"):
        left_unseen(minutes)  # type: ignore[arg-type]


def test_a_reason_is_plain_text_in_json(engine: Engine) -> None:
    """A decision's reason is a str; as_dict gives the plain text, ready for JSON."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    decision = engine.book(slot.id, "WALKIN").decisions[0]
    assert decision.reason is Reason.FREE_SEAT and decision.reason == "free seat"
    record = decision.as_dict()
    assert type(record["reason"]) is str
    assert json.loads(json.dumps(record))["reason"] == "free seat"
    engine.book(slot.id, "WALKIN")
    left = engine.leave(2, at=20, waited_minutes=12.5).decisions[0].as_dict()
    assert json.loads(json.dumps(left))["reason"] == "left unseen after waiting 12.5 minutes"
    assert left["kind"] == "LEFT"


@dataclass(frozen=True)
class PaidOverbook(PriorityBump):
    """PAID requests are seated at once, like emergencies."""

    def may_overbook(self, slot: Slot, token: Token) -> bool:
        return token.source in (Source.EMERGENCY, Source.PAID)


def test_the_may_overbook_path_gives_the_same_reasons_to_any_source() -> None:
    """A free seat or a seat past capacity on the may-overbook path reads the same for an
    emergency and for any source a policy seats at once (the decision's source says which)."""
    engine = Engine(PaidOverbook())
    engine.add_doctor("Dr Rao")
    slot = engine.add_slot(1, 540, 560, capacity=1)
    decisions = [engine.book(slot.id, source).decisions[0] for source in ("PAID", "EMERGENCY")]
    assert [(d.kind, d.reason) for d in decisions] == [
        (DecisionKind.ALLOCATED, Reason.FREE_SEAT_MAY_OVERBOOK),
        (DecisionKind.OVERBOOKED, Reason.PAST_CAPACITY),
    ]


def test_a_bump_explains_each_of_its_three_decisions(engine: Engine) -> None:
    """The bumper took a lower-priority token's seat; the victim was displaced, then moved on or
    waitlisted; the related token says who."""
    first = engine.add_slot(1, 540, 560, capacity=1)
    engine.add_slot(1, 560, 580, capacity=1)
    engine.book(first.id, "WALKIN")
    moved = engine.book(first.id, "ONLINE").decisions
    waited = engine.book(first.id, "PAID").decisions
    assert [d.reason for d in moved] == [Reason.TOOK_BUMPED_SEAT, Reason.DISPLACED,
                                         Reason.MOVED_LATER]  # fmt: skip
    assert [d.reason for d in waited] == [Reason.TOOK_BUMPED_SEAT, Reason.DISPLACED,
                                          Reason.NO_LATER_SEAT]  # fmt: skip
    assert trace(waited) == [("ALLOCATED", 3, 1, 2), ("BUMPED", 2, 1, 3), ("WAITLISTED", 2, 1, 3)]


STEPS = st.lists(
    st.tuples(st.sampled_from(["book", "cancel", "no_show", "complete", "expire", "expire_long",
                               "leave", "start_consult"]),
              st.integers(0, 7), st.sampled_from(list(Source))),
    max_size=60,
)
PARAMS = {"reserved": {"reserved": {"WALKIN": 1}}, "aging": {"minutes_per_level": 5}}


@settings(max_examples=100, deadline=None)
@given(STEPS, st.sampled_from(["priority-bump", "fifo", "emergency-cap", "reserved", "aging"]))
def test_every_reason_goes_with_its_kind(steps: list[tuple[str, int, Source]],
                                         policy: str) -> None:  # fmt: skip
    """Whatever the operations and the policy, each decision's reason explains its kind: a
    member's kind, or LEFT for the minutes waited."""
    engine = Engine(policy, **PARAMS.get(policy, {}))
    engine.add_doctor("Dr Rao")
    for start in (540, 560, 580):
        engine.add_slot(1, start, start + 20, 2)
    for at, (action, n, source) in enumerate(steps):
        try:
            if action == "book":
                engine.book(1 + n % 3, source, at=at)
            elif action == "expire_long":
                engine.expire(1 + n, at=at, reason=Reason.WAITED_TOO_LONG)
            elif action == "leave":
                engine.leave(1 + n, at=at, waited_minutes=at / 3)
            elif action == "start_consult":
                engine.start_consult(1 + n)
            else:
                getattr(engine, action)(1 + n, at=at)
        except OpdSimError:
            pass  # an unknown token or a refused change: the engine decided nothing
    for d in engine.log:
        if d.kind is DecisionKind.LEFT:
            assert LEFT_UNSEEN.fullmatch(d.reason), d
        else:
            assert KIND[d.reason] is d.kind, d
