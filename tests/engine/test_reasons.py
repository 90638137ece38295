"""Decision reasons are codes: one fixed phrase per reason, naming no token, slot or number."""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from opd_sim.engine import DecisionKind, Engine, PriorityBump, Reason, Slot, Source, Token
from opd_sim.errors import OpdSimError
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
}


def test_each_reason_is_one_fixed_phrase_without_ids() -> None:
    """Distinct texts, none holding a digit (ids and numbers are the decision's own fields)."""
    texts = [reason.value for reason in Reason]
    assert len(set(texts)) == len(texts) == len(KIND)
    assert not any(character.isdigit() for text in texts for character in text)
    assert [reason.value for reason in KIND] == texts  # listed by kind, in DecisionKind order


def test_a_reason_is_plain_text_in_json(engine: Engine) -> None:
    """A decision's reason is a str; as_dict gives the plain text, ready for JSON."""
    slot = engine.add_slot(1, 540, 560, capacity=1)
    decision = engine.book(slot.id, "WALKIN").decisions[0]
    assert decision.reason is Reason.FREE_SEAT and decision.reason == "free seat"
    record = decision.as_dict()
    assert type(record["reason"]) is str
    assert json.loads(json.dumps(record))["reason"] == "free seat"


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
    st.tuples(st.sampled_from(["book", "cancel", "no_show", "complete", "expire"]),
              st.integers(0, 7), st.sampled_from(list(Source))),
    max_size=60,
)


@settings(max_examples=100, deadline=None)
@given(STEPS, st.sampled_from(["priority-bump", "fifo", "emergency-cap", "reserved"]))
def test_every_reason_goes_with_its_kind(steps: list[tuple[str, int, Source]],
                                         policy: str) -> None:  # fmt: skip
    """Whatever the operations and the policy, each decision's reason explains its kind."""
    params = {"reserved": {"WALKIN": 1}} if policy == "reserved" else {}
    engine = Engine(policy, **params)
    engine.add_doctor("Dr Rao")
    for start in (540, 560, 580):
        engine.add_slot(1, start, start + 20, 2)
    for action, n, source in steps:
        try:
            if action == "book":
                engine.book(1 + n % 3, source)
            else:
                getattr(engine, action)(1 + n)
        except OpdSimError:
            pass  # an unknown token or a refused change: the engine decided nothing
    assert all(KIND[d.reason] is d.kind for d in engine.log)
