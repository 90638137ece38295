"""The engine is the only home of the rules: its drivers ask it and never read its insides."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from opd_sim.engine import TokenStatus

ROOT = Path(__file__).resolve().parents[1]
DRIVERS = ("opd_sim/simulation", "opd_sim/store", "opd_sim/history")
ENGINE_STATE = {"seated", "waitlist"}  # a slot's own lists
POLICY_HOOKS = {"seats", "may_seat", "may_overbook", "victim", "bumpable", "priority_at"}
STATUS_NAMES = {status.value for status in TokenStatus}
QUOTED_STATUS = re.compile("'({})'".format("|".join(sorted(STATUS_NAMES))))


def _driver_files() -> list[Path]:
    return sorted(p for folder in DRIVERS for p in (ROOT / folder).rglob("*.py"))


def _is_status(node: ast.AST) -> bool:
    """A status written out: ``"ALLOCATED"``, ``TokenStatus.ALLOCATED`` or its ``.value``."""
    if isinstance(node, ast.Constant):
        return node.value in STATUS_NAMES
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "TokenStatus")  # fmt: skip


def violations(source: str) -> list[str]:
    """What a driver module does that only the engine may: read a slot's seated list or
    waitlist, call a policy hook, touch the policy registry, or write out a list of statuses."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute):
            if node.attr in ENGINE_STATE:
                found.append(f"line {line}: reads .{node.attr}")
            owner = node.value
            owner_name = getattr(owner, "attr", None) or getattr(owner, "id", "")
            if node.attr in POLICY_HOOKS and "policy" in owner_name.lower():
                found.append(f"line {line}: calls the policy hook {node.attr}")
        if isinstance(node, ast.Name | ast.Attribute | ast.alias):
            name = getattr(node, "id", None) or getattr(node, "attr", None) or node.name
            if name == "_REGISTRY":
                found.append(f"line {line}: touches the policy registry")
        statuses = isinstance(node, ast.Tuple | ast.List | ast.Set) and sum(
            _is_status(item) for item in node.elts
        )
        if statuses and statuses >= 2:
            found.append(f"line {line}: writes out a list of token statuses")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and QUOTED_STATUS.search(
            node.value
        ):
            found.append(f"line {line}: names a status in SQL")
    return found


@pytest.mark.parametrize("path", _driver_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_drivers_ask_the_engine(path: Path) -> None:
    """The simulator and the desk use the engine's queries, not its slots, policy or statuses."""
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "code",
    [
        "taken = len(slot.seated)",
        "n = len(engine.slots[1].waitlist)",
        "ok = self._policy.may_seat(slot, probe)",
        "cap = policy.seats(slot)",
        "from opd_sim.engine.policies import _REGISTRY",
        "LIVE = ('ALLOCATED', 'COMPLETED')",
        "FINAL = (TokenStatus.CANCELLED, TokenStatus.NO_SHOW)",
        "SQL = \"SELECT count(*) FROM token WHERE status IN ('ALLOCATED', 'COMPLETED')\"",
    ],
)
def test_the_scan_catches_each_kind_of_reach(code: str) -> None:
    """Each forbidden reach into the engine is caught, so the scan above can fail."""
    assert violations(code)
