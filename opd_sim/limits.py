"""How big a run may be by default: light to import, so every command can show the limits.

``opd-sim run`` and ``compare`` refuse a run estimated past them (``opd_sim.scenario.size``)
unless ``--max-tokens`` / ``--max-slots`` raise them.
"""

from __future__ import annotations

__all__ = ["MAX_SLOTS", "MAX_TOKENS"]

#: Tokens a run may make, all replications together (each one's frames stay in memory until the
#: run is written). Measured: one replication of 1,000,154 tokens on 400,000 slots peaked at
#: 2.4 GB resident, 37 CPU seconds (``opd-sim run --no-report``: 20 doctors, 1,250 days).
MAX_TOKENS = 1_000_000
#: Slots of one replication, about 460 bytes each (1,000,320 slots, no demand: 0.6 GB resident).
MAX_SLOTS = 2_000_000
