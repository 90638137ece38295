"""history() gives the same answer as reading the whole log, however often it is asked."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from opd_sim.engine import Engine, Source
from opd_sim.errors import OpdSimError

STEPS = st.lists(
    st.tuples(st.sampled_from(["book", "cancel", "no_show", "ask"]), st.integers(0, 5),
              st.sampled_from(list(Source))),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(STEPS)
def test_history_matches_a_full_read_of_the_log(steps: list[tuple[str, int, Source]]) -> None:
    """Between random bookings, cancellations and no-shows (bumps and promotions included),
    each token's history is exactly the logged decisions about it or naming it, in order."""
    engine = Engine()
    engine.add_doctor("Dr Rao")
    for start in (540, 560, 580):
        engine.add_slot(1, start, start + 20, 1)
    for action, n, source in steps:
        try:
            if action == "book":
                engine.book(1 + n % 3, source, at=float(len(engine.log)))
            elif action == "cancel":
                engine.cancel(1 + n)
            elif action == "no_show":
                engine.no_show(1 + n)
            else:
                token = 1 + n
                expected = [d for d in engine.log if token in (d.token_id, d.related_token_id)]
                assert engine.history(token) == expected
        except OpdSimError:
            pass  # an unknown token or a refused change: the engine decided nothing
    for token in engine.tokens:
        expected = [d for d in engine.log if token in (d.token_id, d.related_token_id)]
        assert engine.history(token) == expected
