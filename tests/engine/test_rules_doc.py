"""The worked examples of docs/rules.md are the engine's own traces: each table is rebuilt here
from a fresh engine and must appear in the document word for word (paste the new table after an
intended change of the rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opd_sim.engine import Decision, Engine, Reason

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


# Example 3: the same two slots; patients who leave unseen, and a token waitlisted too long.
LEAVING: list[tuple] = [
    ("book", 1, "ONLINE", "Asha", {"at": 480}),
    ("book", 1, "WALKIN", "Bala", {"at": 530}),
    ("book", 1, "WALKIN", "Chitra", {"at": 535}),
    ("book", 1, "WALKIN", "Dev", {"at": 538}),
    ("leave", 2, {"at": 570, "waited_minutes": 40}),
    ("leave", 4, {"at": 581, "waited_minutes": 43}),
    ("book", 1, "WALKIN", "Esha", {"at": 585}),
    ("expire", 5, {"at": 615, "reason": Reason.WAITED_TOO_LONG}),
]

# Example 4: the same two slots, requests over a morning, under priority-bump and aging.
AGING: list[tuple[str, dict]] = [("priority-bump", {}),
                                 ("aging", {"minutes_per_level": 60, "max_bumps": 1})]  # fmt: skip
AGED_REQUESTS: list[tuple] = [
    ("book", 1, "WALKIN", {"at": 420}),
    ("book", 1, "WALKIN", {"at": 425}),
    ("book", 2, "FOLLOWUP", {"at": 430}),
    ("book", 1, "ONLINE", {"at": 545}),
    ("book", 1, "FOLLOWUP", {"at": 546}),
    ("book", 1, "PAID", {"at": 547}),
    ("cancel", 6, {"at": 560}),
]


def two_slots(policy: str = "priority-bump", **params: object) -> Engine:
    """Dr Rao with slot 1 at 9:00 (capacity 2) and slot 2 at 9:20 (capacity 1)."""
    engine = Engine(policy, **params)
    engine.add_doctor("Dr Rao")
    engine.add_slot(1, 540, 560, capacity=2)
    engine.add_slot(1, 560, 580, capacity=1)
    return engine


def split(operation: tuple) -> tuple[str, tuple, dict]:
    """An operation's name, positional arguments and keyword arguments (a last dict, if any)."""
    name, *args = operation
    keywords = args.pop() if args and isinstance(args[-1], dict) else {}
    return name, tuple(args), keywords


def apply(engine: Engine, name: str, *args: object, **keywords: object) -> list[Decision]:
    """One engine operation's decisions."""
    done = getattr(engine, name)(*args, **keywords)
    return done if isinstance(done, list) else done.decisions


def shown(value: object) -> str:
    """A value as Python writes it: a reason by its member, text quoted, a number as it is."""
    if isinstance(value, Reason):
        return f"Reason.{value.name}"
    return f'"{value}"' if isinstance(value, str) else str(value)


def call(name: str, *args: object, **keywords: object) -> str:
    """``book(1, "ONLINE", "Asha", at=480)``: the operation as it is written in Python."""
    words = [shown(a) for a in args] + [f"{k}={shown(v)}" for k, v in keywords.items()]
    return f"`{name}({', '.join(words)})`"


def decisions_table(operations: list[tuple]) -> str:
    """A worked example under the default rules as a Markdown table, one row per decision."""
    engine = two_slots()
    rows = [
        "| step | operation | decision | token | slot | related | seats held | reason |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for step, operation in enumerate(operations, 1):
        name, args, keywords = split(operation)
        for n, d in enumerate(apply(engine, name, *args, **keywords)):
            cells = [str(step), call(name, *args, **keywords)] if n == 0 else ["", ""]
            cells += [d.kind.value, str(d.token_id), str(d.slot_id)]
            cells += ["" if d.related_token_id is None else str(d.related_token_id)]
            cells += [f"{d.seats_held} of {d.capacity}", d.reason]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def morning_table() -> str:
    """Example 1 as a Markdown table, one row per decision."""
    return decisions_table(MORNING)


def leaving_table() -> str:
    """Example 3 as a Markdown table, one row per decision."""
    return decisions_table(LEAVING)


def brief(decisions: list[Decision], slot_id: int) -> str:
    """Decisions in a few words: kind and token, plus the slot when it is not the one asked for."""
    words = []
    for d in decisions:
        where = "" if d.slot_id == slot_id else f" in slot {d.slot_id}"
        words.append(f"{d.kind.value} {d.token_id}{where}")
    return ", ".join(words)


def compared_table(policies: list[tuple[str, dict]], operations: list[tuple]) -> str:
    """The same operations under each policy as a Markdown table: one row per operation, one
    column per policy."""
    engines = [two_slots(name, **params) for name, params in policies]
    rows = [
        "| request | " + " | ".join(f"`{engine.policy}`" for engine in engines) + " |",
        "| --- |" + " --- |" * len(engines),
    ]
    for step, operation in enumerate(operations, 1):
        name, args, keywords = split(operation)
        slots = [e.tokens[args[0]].slot_id if name == "cancel" else args[0] for e in engines]
        cells = [
            brief(apply(engine, name, *args, **keywords), slot)
            for engine, slot in zip(engines, slots, strict=True)
        ]
        rows.append(f"| {step}. {call(name, *args, **keywords)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def policies_table() -> str:
    """Example 2: one row per request, one column per shipped policy."""
    return compared_table(POLICIES, REQUESTS)


def aging_table() -> str:
    """Example 4: one row per request, priority-bump beside aging."""
    return compared_table(AGING, AGED_REQUESTS)


@pytest.mark.parametrize("table", [morning_table, policies_table, leaving_table, aging_table],
                         ids=["morning", "policies", "leaving", "aging"])  # fmt: skip
def test_the_worked_example_is_the_engines_trace(table) -> None:
    """The table in docs/rules.md is exactly what the engine decides today."""
    expected = table()
    assert expected in RULES.read_text(encoding="utf-8"), f"docs/rules.md should hold:\n{expected}"
