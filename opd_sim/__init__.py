"""opd_sim: hospital OPD token allocation — a pure engine, a simulator and a booking desk."""

from opd_sim.engine import (
    FINAL_STATUSES,
    Decision,
    DecisionKind,
    Doctor,
    Engine,
    Outcome,
    Policy,
    PriorityBump,
    Reason,
    Slot,
    Source,
    Token,
    TokenStatus,
    make_policy,
    policy_class,
    policy_names,
    register_policy,
)
from opd_sim.errors import OpdSimError

__version__ = "0.1.0"

__all__ = [
    "FINAL_STATUSES",
    "Decision",
    "DecisionKind",
    "Doctor",
    "Engine",
    "OpdSimError",
    "Outcome",
    "Policy",
    "PriorityBump",
    "Reason",
    "Slot",
    "Source",
    "Token",
    "TokenStatus",
    "__version__",
    "make_policy",
    "policy_class",
    "policy_names",
    "register_policy",
]
