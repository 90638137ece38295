"""What the analysis functions rely on in the frames: the sources, decision kinds, statuses and
the expiry reasons by name.

The names are the engine's own (``opd_sim.engine``), the very values the frames' categorical
columns hold; the analysis never imports the simulator, so it works on frames read back from
Parquet as well as on fresh ones.
"""

from __future__ import annotations

import pandas as pd

from opd_sim.engine import DecisionKind, Reason, Source, TokenStatus

__all__ = ["SOURCES", "previous_kind", "source_index"]

#: Every source, in priority order (EMERGENCY first).
SOURCES = [source.name for source in Source]

BUMPED = DecisionKind.BUMPED.value
WAITLISTED = DecisionKind.WAITLISTED.value
REALLOCATED = DecisionKind.REALLOCATED.value
PROMOTED = DecisionKind.PROMOTED.value
EXPIRED = DecisionKind.EXPIRED.value
CANCELLED = DecisionKind.CANCELLED.value
LEFT = DecisionKind.LEFT.value  # a decision kind and a token status alike

#: Final statuses, as the patients frame's ``status`` holds them (and ALLOCATED, which a
#: recorded history's tokens may still hold).
ALLOCATED_STATUS = TokenStatus.ALLOCATED.value
COMPLETED_STATUS = TokenStatus.COMPLETED.value
EXPIRED_STATUS = TokenStatus.EXPIRED.value
LEFT_STATUS = TokenStatus.LEFT.value

# An EXPIRED decision's reason says which expiry it was: the day ended, or the token had been
# waitlisted for the scenario's waitlist_expiry_minutes. Both are fixed phrases.
DAY_ENDED = Reason.DAY_ENDED.value
WAITED_TOO_LONG = Reason.WAITED_TOO_LONG.value


def source_index(name: str = "source") -> pd.CategoricalIndex:
    """The five sources in priority order, as a table's index (every source, used or not)."""
    return pd.CategoricalIndex(SOURCES, categories=SOURCES, ordered=False, name=name)


def previous_kind(decisions: pd.DataFrame) -> pd.Series:
    """For each decision, the kind of the decision before it about the same token (in the
    same replication), as text; empty text for a token's first decision.

    The decisions frame is in the order the engine decided, so the previous row of a token is
    the step it came from (a CANCELLED after WAITLISTED left the waitlist, say).
    """
    kinds = decisions["kind"].astype(str)
    grouped = kinds.groupby([decisions["replication"], decisions["token_id"]], sort=False)
    return grouped.shift(1).fillna("")
