"""The original specification's scenarios, each walked through the real ``opd-sim`` console script
on a real store file: every step is a separate process, so state visibly persists across them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.cli import Result

DAY = "2026-11-24"
Opd = Callable[..., Result]


def ok(result: Result) -> Any:
    """The parsed JSON of a call that must have succeeded."""
    assert result.code == 0 and result.err == "", result.err
    return result.json


def trace(result: Result) -> list[tuple[str, int, int, int | None]]:
    """A booking's decisions as (kind, token, slot, related token), to compare literally."""
    return [
        (d["kind"], d["token_id"], d["slot_id"], d["related_token_id"])
        for d in ok(result)["decisions"]
    ]


def slot(opd: Opd, doctor: int, start: str, end: str, capacity: int, day: str = DAY) -> int:
    """Open a slot from ``start`` to ``end`` (HH:MM) and return its id."""
    made = opd(
        "slot", "add", "--doctor", str(doctor), "--start", f"{day}T{start}",
        "--end", f"{day}T{end}", "--capacity", str(capacity),
    )  # fmt: skip
    return ok(made)["id"]


def book(opd: Opd, slot_id: int, source: str, patient: str) -> Result:
    return opd("token", "book", "--slot", str(slot_id), "--source", source, "--patient", patient)


def statuses(opd: Opd) -> dict[int, tuple[int, str]]:
    """Every token's (slot, status) as ``token list`` reports it."""
    return {t["id"]: (t["slot_id"], t["status"]) for t in ok(opd("token", "list"))}


@pytest.fixture
def rao(opd: Opd) -> int:
    """A store holding one doctor, Dr Rao; her id."""
    return ok(opd("doctor", "add", "--name", "Dr Rao"))["id"]


def test_allocation_persists_across_invocations(opd: Opd, rao: int) -> None:
    """Free seats are allocated, and a later process sees the tokens and seats taken."""
    s = slot(opd, rao, "09:00", "09:20", 2)
    first = ok(book(opd, s, "online", "Asha"))
    assert first["token"] == {
        "id": 1, "slot_id": s, "source": "ONLINE", "patient": "Asha", "status": "ALLOCATED"
    }  # fmt: skip
    assert trace(book(opd, s, "WALKIN", "Bala")) == [("ALLOCATED", 2, s, None)]
    assert ok(opd("doctor", "list")) == [{"id": rao, "name": "Dr Rao"}]
    assert ok(opd("slot", "list")) == [{
        "id": s, "doctor_id": rao, "start": f"{DAY}T09:00:00", "end": f"{DAY}T09:20:00",
        "capacity": 2, "seats_held": 2, "overbooked": False,
    }]  # fmt: skip
    assert statuses(opd) == {1: (s, "ALLOCATED"), 2: (s, "ALLOCATED")}


def test_full_slot_waitlists(opd: Opd, rao: int) -> None:
    """A request of no higher priority than anyone seated in a full slot is waitlisted."""
    s = slot(opd, rao, "09:00", "09:20", 1)
    ok(book(opd, s, "PAID", "Asha"))
    assert trace(book(opd, s, "WALKIN", "Bala")) == [("WAITLISTED", 2, s, None)]
    assert trace(book(opd, s, "PAID", "Chitra")) == [("WAITLISTED", 3, s, None)]  # ties never bump
    assert statuses(opd) == {1: (s, "ALLOCATED"), 2: (s, "WAITLISTED"), 3: (s, "WAITLISTED")}


def test_cancellation_promotes_best_waitlisted(opd: Opd, rao: int) -> None:
    """Cancelling frees the seat for the best waitlisted token: priority first, then request
    order, remembered across processes."""
    s = slot(opd, rao, "09:00", "09:20", 1)
    ok(book(opd, s, "PAID", "Asha"))
    ok(book(opd, s, "WALKIN", "Bala"))  # waits first, but lowest priority
    ok(book(opd, s, "ONLINE", "Chitra"))
    ok(book(opd, s, "ONLINE", "Dev"))  # same priority as Chitra, asked later
    assert trace(opd("token", "cancel", "1")) == [("CANCELLED", 1, s, None), ("PROMOTED", 3, s, 1)]
    assert trace(opd("token", "cancel", "3")) == [("CANCELLED", 3, s, None), ("PROMOTED", 4, s, 3)]
    assert statuses(opd) == {
        1: (s, "CANCELLED"), 2: (s, "WAITLISTED"), 3: (s, "CANCELLED"), 4: (s, "ALLOCATED")
    }  # fmt: skip


def test_no_show_promotes_waitlisted(opd: Opd, rao: int) -> None:
    """A no-show frees the seat and the waitlisted token is promoted into it."""
    s = slot(opd, rao, "09:00", "09:20", 1)
    ok(book(opd, s, "FOLLOWUP", "Asha"))
    ok(book(opd, s, "FOLLOWUP", "Bala"))
    result = opd("token", "no-show", "1")
    assert ok(result)["token"]["status"] == "NO_SHOW"
    assert trace(result) == [("NO_SHOW", 1, s, None), ("PROMOTED", 2, s, 1)]
    assert statuses(opd) == {1: (s, "NO_SHOW"), 2: (s, "ALLOCATED")}


def test_emergency_overbooks_full_slot(opd: Opd, rao: int) -> None:
    """An emergency is seated in a full slot past its capacity; slot list says overbooked."""
    s = slot(opd, rao, "09:00", "09:20", 1)
    ok(book(opd, s, "PAID", "Asha"))
    result = book(opd, s, "emergency", "Esha")
    assert ok(result)["token"]["status"] == "ALLOCATED"
    assert trace(result) == [("OVERBOOKED", 2, s, None)]
    (listed,) = ok(opd("slot", "list"))
    assert (listed["seats_held"], listed["capacity"], listed["overbooked"]) == (2, 1, True)
    human = opd("slot", "list", json_output=False)
    assert "OVERBOOKED" in human.out


def test_bump_reallocates_to_later_free_slot_same_doctor_same_day(opd: Opd, rao: int) -> None:
    """A strictly higher priority bumps the lowest seated token, which moves to the next later slot
    of the same doctor on the same day with a free seat (not earlier, not another doctor or day)."""
    other = ok(opd("doctor", "add", "--name", "Dr Iyer"))["id"]
    earlier = slot(opd, rao, "08:00", "08:20", 1)  # free, but earlier
    s = slot(opd, rao, "09:00", "09:20", 1)
    slot(opd, other, "09:30", "09:50", 1)  # free, but another doctor
    slot(opd, rao, "09:30", "09:50", 1, day="2026-11-25")  # free, but another day
    full_later = slot(opd, rao, "09:20", "09:40", 1)
    free_later = slot(opd, rao, "10:00", "10:20", 1)
    ok(book(opd, full_later, "PAID", "Asha"))  # token 1 fills the first later slot
    ok(book(opd, s, "WALKIN", "Bala"))  # token 2
    result = book(opd, s, "PAID", "Chitra")  # token 3
    assert trace(result) == [
        ("ALLOCATED", 3, s, 2),
        ("BUMPED", 2, s, 3),
        ("REALLOCATED", 2, free_later, 3),
    ]
    assert statuses(opd)[2] == (free_later, "ALLOCATED")  # a re-allocated token shows its new slot
    seats = {x["id"]: x["seats_held"] for x in ok(opd("slot", "list"))}
    assert (seats[earlier], seats[s], seats[free_later]) == (0, 1, 1)


def test_bump_waitlists_when_no_later_seat_then_promotes_back(opd: Opd, rao: int) -> None:
    """With no later free seat that day the bumped token waits on the slot it lost, and a later
    cancellation in another process promotes it back."""
    s = slot(opd, rao, "09:00", "09:20", 1)
    later = slot(opd, rao, "09:20", "09:40", 1)
    ok(book(opd, later, "FOLLOWUP", "Asha"))  # token 1: the later slot is full
    ok(book(opd, s, "ONLINE", "Bala"))  # token 2
    assert trace(book(opd, s, "PAID", "Chitra")) == [
        ("ALLOCATED", 3, s, 2),
        ("BUMPED", 2, s, 3),
        ("WAITLISTED", 2, s, 3),
    ]
    assert statuses(opd) == {1: (later, "ALLOCATED"), 2: (s, "WAITLISTED"), 3: (s, "ALLOCATED")}
    assert trace(opd("token", "cancel", "3")) == [("CANCELLED", 3, s, None), ("PROMOTED", 2, s, 3)]


def test_human_output_is_short_lines(opd: Opd, rao: int) -> None:
    """Without --json the desk prints a readable line per token and decision, upper-case sources."""
    s = slot(opd, rao, "09:00", "09:20", 1)
    booked = book(opd, s, "paid", "Asha")
    human = opd("token", "list", json_output=False)
    assert human.code == 0
    assert human.out.splitlines() == [
        "id  slot_id  source  patient  status",
        f"1   {s}        PAID    Asha     ALLOCATED",
    ]
    assert ok(booked)["token"]["source"] == "PAID"
