"""An oracle: one slot, no emergencies, no cancellations ends with exactly the K best requests."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from opd_sim.engine import Engine, Source, TokenStatus

ORDINARY = [s for s in Source if s is not Source.EMERGENCY]


@settings(max_examples=300, deadline=None)
@given(capacity=st.integers(1, 6), sources=st.lists(st.sampled_from(ORDINARY), max_size=40))
def test_single_slot_keeps_the_k_best_requests(capacity: int, sources: list[Source]) -> None:
    """In any arrival order, the seated tokens are the K best by (priority, request order)."""
    engine = Engine()
    engine.add_doctor("Dr Rao")
    slot = engine.add_slot(1, 540, 560, capacity)
    for index, source in enumerate(sources):
        engine.book(slot.id, source, f"p{index}")
    ranked = sorted(range(len(sources)), key=lambda i: (sources[i].priority, i))
    best = {i + 1 for i in ranked[:capacity]}  # token ids are 1, 2, ... in request order
    allocated = {t.id for t in engine.tokens.values() if t.status is TokenStatus.ALLOCATED}
    assert allocated == best
    assert [t.id for t in slot.waitlist] == [i + 1 for i in ranked[capacity:]]
