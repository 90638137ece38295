"""How each source's tokens ended: seen, cancelled, no-show, expired, left unseen, and how often
bumped.

Read from the patients frame alone (its ``status`` and ``times_bumped`` columns), so the counts
add up to the summary's: summed over the sources they are its ``completed``, ``cancellations``,
``no_shows``, ``expired``, ``left_unseen.n`` and ``bumped``. Counts are summed over every
replication in the frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opd_sim.analysis._frames import SOURCES, source_index

__all__ = ["OUTCOMES", "outcomes_by_source"]

#: The columns of :func:`outcomes_by_source`, in order.
OUTCOMES = ("tokens", "seen", "cancelled", "no_shows", "expired", "left_unseen", "bumped")

# a final status -> its column; every token ends in exactly one of them
_ENDINGS = {"COMPLETED": "seen", "CANCELLED": "cancelled", "NO_SHOW": "no_shows",
            "EXPIRED": "expired", "LEFT": "left_unseen"}  # fmt: skip


def outcomes_by_source(patients: pd.DataFrame) -> pd.DataFrame:
    """By source (every source, in priority order): ``tokens``; tokens ``seen`` (COMPLETED),
    ``cancelled``, ``no_shows``, ``expired`` (still waitlisted when their day ended, or past
    the waitlist expiry) and ``left_unseen`` (came, and went home before being called in); and
    ``bumped``, the times its tokens lost a seat (a token bumped twice counts twice, as the
    summary's BUMPED decisions do)."""
    status = patients["status"].astype(str).to_numpy()
    parts = pd.DataFrame({"tokens": np.ones(len(patients), dtype=np.int64)})
    for name, column in _ENDINGS.items():
        parts[column] = (status == name).astype(np.int64)
    parts["bumped"] = patients["times_bumped"].to_numpy(dtype=np.int64)
    source = pd.Categorical(patients["source"].astype(str), categories=SOURCES)
    table = parts.groupby(source, observed=False).sum().astype(np.int64)
    table = table[list(OUTCOMES)]
    table.index = source_index()
    return table
