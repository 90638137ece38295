"""Named random streams: one numpy Generator per stochastic process, all spawned from one seed.

Replication ``r`` of seed ``s`` uses child ``r`` of ``SeedSequence(s)``, so it does not depend on
how many replications are run; within a replication each process gets its own child stream, so
changing one process (say, more walk-ins) leaves every other process's draws untouched.
"""

from __future__ import annotations

import numpy as np

__all__ = ["STREAM_NAMES", "child", "make_streams", "replication_seeds"]

#: One stream per stochastic process, in spawn order. Append new names at the end only:
#: inserting one would change every stream after it and so every seeded result.
STREAM_NAMES = (
    "online_arrivals",  # ONLINE bookings: counts per day, lead days, doctor and slot
    "paid_arrivals",  # PAID bookings: the same
    "walkin_arrivals",  # WALKIN arrival times
    "emergency_arrivals",  # EMERGENCY arrival times and doctors
    "followups",  # whether a seen patient returns, after how many days, into which slot
    "consult",  # consultation minutes
    "punctuality",  # arrival offsets from the slot start
    "noshow",  # whether a booked patient stays away
    "cancellation",  # whether and how early a booked patient cancels
    "on_the_day_arrivals",  # PAID, FOLLOWUP and ONLINE patients turning up unbooked
    "lateness",  # how late each doctor starts each session
    "patience",  # how long a present patient waits to be called before leaving unseen
)


def child(sequence: np.random.SeedSequence, index: int) -> np.random.SeedSequence:
    """Child ``index`` of ``sequence``, as ``sequence.spawn`` would make it, without mutating it.

    ``spawn`` counts the children it has handed out, so calling it twice gives different
    streams; this pure form makes "replication 3" mean the same thing however often it is asked.
    """
    return np.random.SeedSequence(
        sequence.entropy, spawn_key=(*sequence.spawn_key, index), pool_size=sequence.pool_size
    )


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The seed sequence of each replication: children 0..R-1 of ``SeedSequence(seed)``."""
    root = np.random.SeedSequence(seed)
    return [child(root, r) for r in range(replications)]


def make_streams(sequence: np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One independent Generator per name of :data:`STREAM_NAMES`, children of ``sequence``."""
    return {name: np.random.Generator(np.random.PCG64(child(sequence, i)))
            for i, name in enumerate(STREAM_NAMES)}  # fmt: skip
