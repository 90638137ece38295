"""The pure allocation engine: who gets a seat in a doctor's slot, and why.

Imports nothing that knows of clocks, randomness, files, databases or frames.
"""

from opd_sim.engine.allocation import Engine
from opd_sim.engine.policies import (
    Policy,
    PriorityBump,
    make_policy,
    policy_class,
    policy_names,
    policy_registry,
    register_policy,
)
from opd_sim.engine.records import Decision, Doctor, Outcome, Slot, Token
from opd_sim.engine.vocabulary import (
    FINAL_STATUSES,
    IN_SLOT_STATUSES,
    SEATED_STATUSES,
    DecisionKind,
    Reason,
    Source,
    TokenStatus,
    left_unseen,
)

__all__ = [
    "FINAL_STATUSES",
    "IN_SLOT_STATUSES",
    "SEATED_STATUSES",
    "Decision",
    "DecisionKind",
    "Doctor",
    "Engine",
    "Outcome",
    "Policy",
    "PriorityBump",
    "Reason",
    "Slot",
    "Source",
    "Token",
    "TokenStatus",
    "left_unseen",
    "make_policy",
    "policy_class",
    "policy_names",
    "policy_registry",
    "register_policy",
]
