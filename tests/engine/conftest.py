"""Small builders for engine tests."""

from __future__ import annotations

import pytest

from opd_sim.engine import Engine


@pytest.fixture
def engine() -> Engine:
    """An engine with one doctor (id 1) and no slots, under the default policy."""
    engine = Engine()
    engine.add_doctor("Dr Rao")
    return engine


def trace(decisions) -> list[tuple]:
    """Decisions as (kind, token, slot, related) tuples, to compare a whole trace literally."""
    return [(d.kind.value, d.token_id, d.slot_id, d.related_token_id) for d in decisions]
