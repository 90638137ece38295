"""The worked examples of docs/rules.md are the engine's own traces: each table is rebuilt here
from a fresh engine and must appear in the document word for word (paste the new table after an
intended change of the rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opd_sim.engine import Decision, Engine

RULES = Path(__file__).resolve().parents[2] / "docs" / "rules.md"

# Example 1: one doctor, slot 1 from 9:00 (capacity 2) and slot 2 from 9:20 (capacity 1).
MORNING: list[tuple] = [
    ("book", 1, "ONLINE", "Asha"),
    ("book", 1, "WALKIN", "Bala"),
    ("book", 1, "PAID", "Chitra"),
    ("book", 1, "EMERGENCY", "Dev"),
    ("book", 1, "FOLLOWUP", "Esha"),
    ("book", 1, "WALKIN", "Farid"),
    ("cancel", 3),
    ("no_show", 5),
    ("complete", 4),
    ("expire_waitlist", 1),
]

# Example 2: the same requests under each shipped policy.
POLICIES: list[tuple[str, dict]] = [
    ("priority-bump", {}),
    ("fifo", {}),
    ("bump-cap", {"max_bumps": 1}),
    ("emergency-cap", {"max_overbook": 0}),
    ("noshow-overbook", {"no_show_rate": 0.34}),
    ("reserved", {"reserved": {"WALKIN": 1}}),
]
REQUESTS: list[tuple] = [
    ("book", 1, "ONLINE"),
    ("book", 1, "ONLINE"),
    ("book", 1, "PAID"),
    ("book", 2, "FOLLOWUP"),
    ("book", 1, "EMERGENCY"),
    ("book", 1, "WALKIN"),
    ("cancel", 3),
]


def two_slots(policy: str = "priority-bump", **params: object) -> Engine:
    """Dr Rao with slot 1 at 9:00 (capacity 2) and slot 2 at 9:20 (capacity 1)."""
    engine = Engine(policy, **params)
    engine.add_doctor("Dr Rao")
    engine.add_slot(1, 540, 560, capacity=2)
    engine.add_slot(1, 560, 580, capacity=1)
    return engine


def apply(engine: Engine, name: str, *args: object) -> list[Decision]:
    """One engine operation's decisions."""
    done = getattr(engine, name)(*args)
    return done if isinstance(done, list) else done.decisions


def call(name: str, *args: object) -> str:
    """``book(1, "ONLINE", "Asha")``: the operation as it is written in Python."""
    shown = ", ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    return f"`{name}({shown})`"


def morning_table() -> str:
    """Example 1 as a Markdown table, one row per decision."""
    engine = two_slots()
    rows = [
        "| step | operation | decision | token | slot | related | seats held | reason |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for step, (name, *args) in enumerate(MORNING, 1):
        for n, d in enumerate(apply(engine, name, *args)):
            cells = [str(step), call(name, *args)] if n == 0 else ["", ""]
            cells += [d.kind.value, str(d.token_id), str(d.slot_id)]
            cells += ["" if d.related_token_id is None else str(d.related_token_id)]
            cells += [f"{d.seats_held} of {d.capacity}", d.reason]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def brief(decisions: list[Decision], slot_id: int) -> str:
    """Decisions in a few words: kind and token, plus the slot when it is not the one asked for."""
    words = []
    for d in decisions:
        where = "" if d.slot_id == slot_id else f" in slot {d.slot_id}"
        words.append(f"{d.kind.value} {d.token_id}{where}")
    return ", ".join(words)


def policies_table() -> str:
    """Example 2 as a Markdown table: one row per request, one column per policy."""
    engines = [two_slots(name, **params) for name, params in POLICIES]
    rows = [
        "| request | " + " | ".join(f"`{engine.policy}`" for engine in engines) + " |",
        "| --- |" + " --- |" * len(engines),
    ]
    for step, (name, *args) in enumerate(REQUESTS, 1):
        slots = [e.tokens[args[0]].slot_id if name == "cancel" else args[0] for e in engines]
        cells = [
            brief(apply(engine, name, *args), slot)
            for engine, slot in zip(engines, slots, strict=True)
        ]
        rows.append(f"| {step}. {call(name, *args)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


@pytest.mark.parametrize("table", [morning_table, policies_table], ids=["morning", "policies"])
def test_the_worked_example_is_the_engines_trace(table) -> None:
    """The table in docs/rules.md is exactly what the engine decides today."""
    expected = table()
    assert expected in RULES.read_text(encoding="utf-8"), f"docs/rules.md should hold:\n{expected}"
