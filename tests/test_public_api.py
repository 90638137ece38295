"""The public surface is curated and pinned."""

from __future__ import annotations

import opd_sim


def test_public_names_are_pinned() -> None:
    """opd_sim.__all__ lists exactly the supported names, and each exists."""
    assert sorted(opd_sim.__all__) == sorted([
        "FINAL_STATUSES", "Decision", "DecisionKind", "Doctor", "Engine", "OpdSimError", "Outcome",
        "Policy", "PriorityBump", "Reason", "Slot", "Source", "Token", "TokenStatus", "__version__",
        "make_policy", "policy_class", "policy_names", "register_policy",
    ])  # fmt: skip
    for name in opd_sim.__all__:
        assert hasattr(opd_sim, name)


def test_importing_opd_sim_is_light() -> None:
    """Importing the package does not load pandas, numpy or SimPy."""
    import subprocess
    import sys

    code = "import sys, opd_sim; print(any(m in sys.modules for m in ('pandas','numpy','simpy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
