"""Replaying a store under the policy it was booked with makes its audit log again, decision for
decision (every field, in order), and its tokens as they are.

The desk decides each operation with an engine holding only the slot's doctor's day; the replay
engine holds every doctor and day at once. Equal logs show the rules are day-local, and that the
event stream (requests, cancellations, no-shows, slots opened as late as the log allows) is
complete. Stores are built by scripted days and by random operation sequences (hypothesis).
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opd_sim.errors import OpdSimError
from opd_sim.history import read_store
from opd_sim.history.comparison import compare_histories
from opd_sim.history.events import events_from_history
from opd_sim.history.records import History
from opd_sim.history.replay import replay
from opd_sim.store import Desk

POLICIES = [
    "priority-bump", "fifo", "bump-cap", "emergency-cap", "noshow-overbook", "aging",
    ("reserved", {"reserved": {"WALKIN": 1}}),
]  # fmt: skip
DAYS = ("2026-11-24", "2026-11-25")


def _clock() -> Callable[[], float]:
    ticks = itertools.count(1_795_000_000, 90)  # a booking every minute and a half
    return lambda: float(next(ticks))


def _policy(policy: str | tuple[str, dict[str, object]]) -> tuple[str, dict[str, object]]:
    return (policy, {}) if isinstance(policy, str) else policy


def assert_reproduced(store: Path, name: str, params: dict[str, object]) -> History:
    """The store replayed under its own policy: the same decisions and tokens, all applied."""
    actual = read_store(store)
    done = replay(events_from_history(actual), name, **params)
    assert [d.as_dict() for d in done.history.decisions] == [d.as_dict() for d in actual.decisions]
    assert done.history.tokens == actual.tokens
    assert done.not_applicable == ()
    assert compare_histories(actual, done.history).changed == ()
    return actual


def scripted_days(desk: Desk) -> None:
    """Two doctors over two days: free seats, bumps reallocated and waitlisted, emergencies past
    capacity, promotions after cancellations and no-shows, a slot opened after bookings."""
    rao, iyer = desk.add_doctor("Dr Rao")["id"], desk.add_doctor("Dr Iyer")["id"]
    day1, day2 = DAYS
    a = desk.add_slot(rao, f"{day1}T09:00", f"{day1}T09:30", 2)["id"]
    b = desk.add_slot(iyer, f"{day1}T09:00", f"{day1}T09:30", 1)["id"]
    for source, patient in [("ONLINE", "Asha"), ("WALKIN", "Bala"), ("PAID", "Chitra"),
                            ("FOLLOWUP", "Dev")]:  # fmt: skip
        desk.book(a, source, patient)  # bumps with no later slot: waitlisted
    later = desk.add_slot(rao, f"{day1}T10:00", f"{day1}T10:30", 1)["id"]  # opened afterwards
    desk.book(a, "PAID", "Esha")  # bumps, now reallocated into the later slot
    desk.book(a, "EMERGENCY", "Farid")  # past capacity
    desk.book(b, "WALKIN", "Gita")
    desk.book(b, "WALKIN", "Hari")  # waitlisted
    desk.no_show(7)  # Gita: Hari promoted
    desk.cancel(3)  # Chitra: the best waitlisted token promoted
    c = desk.add_slot(rao, f"{day2}T09:00", f"{day2}T09:20", 1)["id"]
    d = desk.add_slot(rao, f"{day2}T09:00", f"{day2}T09:20", 1)["id"]  # the same start: ties
    desk.book(c, "WALKIN", "Indu")
    desk.book(c, "ONLINE", "Jaya")  # bumps Indu: d starts no later, so she waits on c
    desk.book(d, "WALKIN", "Kiran")
    desk.cancel(10)
    desk.book(later, "WALKIN", "Lata")
    desk.book(later, "EMERGENCY", "Mani")


@pytest.mark.parametrize("policy", POLICIES, ids=str)
def test_scripted_days_replay_to_their_own_audit_log(
    tmp_path: Path, policy: str | tuple[str, dict[str, object]]
) -> None:
    name, params = _policy(policy)
    store = tmp_path / "opd.db"
    with Desk(store, clock=_clock(), policy=name if not params else _make(name, params)) as desk:
        scripted_days(desk)
    actual = assert_reproduced(store, name, params)
    if name == "priority-bump":  # the script does make each kind of decision
        kinds = {d.kind.value for d in actual.decisions}
        assert kinds >= {"ALLOCATED", "BUMPED", "REALLOCATED", "WAITLISTED", "PROMOTED",
                         "OVERBOOKED", "CANCELLED", "NO_SHOW"}  # fmt: skip


def _make(name: str, params: dict[str, object]) -> object:
    from opd_sim.engine import make_policy

    return make_policy(name, params)


SOURCES = st.sampled_from(["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"])
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("slot"), st.integers(1, 2), st.sampled_from(DAYS),
                  st.sampled_from(["09:00", "09:30", "10:00"]), st.integers(1, 3)),
        st.tuples(st.just("book"), st.integers(0, 30), SOURCES),
        st.tuples(st.just("book"), st.integers(0, 30), SOURCES),
        st.tuples(st.just("cancel"), st.integers(1, 40)),
        st.tuples(st.just("no_show"), st.integers(1, 40)),
    ),
    max_size=45,
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=OPERATIONS, policy=st.sampled_from(POLICIES))
def test_random_operations_replay_to_their_own_audit_log(
    operations: list[tuple[object, ...]], policy: str | tuple[str, dict[str, object]]
) -> None:
    """Whatever the desk was asked (refused operations included), the replay makes its log."""
    name, params = _policy(policy)
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "opd.db"
        with Desk(store, clock=_clock(), policy=_make(name, params)) as desk:  # type: ignore[arg-type]
            desk.add_doctor("Dr Rao")
            desk.add_doctor("Dr Iyer")
            slots: list[int] = []
            for operation in operations:
                try:
                    if operation[0] == "slot":
                        _, doctor, day, start, capacity = operation
                        hour, minute = str(start).split(":")
                        end = f"{day}T{hour}:{int(minute) + 20:02d}"
                        made = desk.add_slot(doctor, f"{day}T{start}", end, capacity)  # type: ignore[arg-type]
                        slots.append(made["id"])
                    elif operation[0] == "book" and slots:
                        desk.book(slots[int(operation[1]) % len(slots)], str(operation[2]), "P")  # type: ignore[call-overload]
                    elif operation[0] == "cancel":
                        desk.cancel(int(operation[1]))  # type: ignore[call-overload]
                    elif operation[0] == "no_show":
                        desk.no_show(int(operation[1]))  # type: ignore[call-overload]
                except OpdSimError:
                    pass  # refused: nothing written, nothing to replay
        assert_reproduced(store, name, params)


def test_a_hand_checked_day_under_fifo(tmp_path: Path) -> None:
    """A day booked under priority-bump, replayed under fifo: nobody is bumped, full slots
    waitlist, emergencies still overbook, a freed seat goes to the head of the waitlist
    (docs/rules.md); a no-show of a token fifo left waiting does not apply."""
    store = tmp_path / "opd.db"
    with Desk(store, clock=_clock()) as desk:
        rao = desk.add_doctor("Dr Rao")["id"]
        s1 = desk.add_slot(rao, f"{DAYS[0]}T09:00", f"{DAYS[0]}T09:20", 2)["id"]
        desk.add_slot(rao, f"{DAYS[0]}T09:20", f"{DAYS[0]}T09:40", 1)  # slot 2
        desk.book(s1, "ONLINE", "Asha")  # 1
        desk.book(s1, "WALKIN", "Bala")  # 2
        desk.book(s1, "PAID", "Chitra")  # 3: bumps Bala into s2
        desk.book(s1, "FOLLOWUP", "Dev")  # 4: bumps Asha, waitlisted on s1 (s2 is full)
        desk.book(s1, "EMERGENCY", "Esha")  # 5: overbooks s1
        desk.cancel(3)  # Chitra's seat: s1 still holds its capacity (Dev, Esha): no promotion
        desk.no_show(2)  # Bala, in s2 under priority-bump
    actual = read_store(store)
    fifo = replay(events_from_history(actual), "fifo")
    trace = [(d.kind.value, d.token_id, d.slot_id, d.related_token_id)
             for d in fifo.history.decisions]  # fmt: skip
    assert trace == [
        ("ALLOCATED", 1, s1, None),
        ("ALLOCATED", 2, s1, None),
        ("WAITLISTED", 3, s1, None),  # fifo: no bump
        ("WAITLISTED", 4, s1, None),
        ("OVERBOOKED", 5, s1, None),  # emergencies still overbook
        ("CANCELLED", 3, s1, None),  # Chitra leaves the waitlist
        ("NO_SHOW", 2, s1, None),  # Bala's seat frees: 2 seated of 2 (Asha, Esha), none promoted
    ]
    assert fifo.not_applicable == ()
    outcomes = {t.id: (t.status, t.slot_id) for t in fifo.history.tokens}
    assert outcomes == {1: ("ALLOCATED", s1), 2: ("NO_SHOW", s1), 3: ("CANCELLED", s1),
                        4: ("WAITLISTED", s1), 5: ("ALLOCATED", s1)}  # fmt: skip
    changed = compare_histories(actual, fifo.history).changed
    assert [(c.token, c.actual_outcome, c.replayed_outcome) for c in changed] == [
        (1, "WAITLISTED on slot 1", "ALLOCATED in slot 1"),  # Dev bumped her; fifo did not
        (2, "NO_SHOW, slot 2", "NO_SHOW, slot 1"),
        (4, "ALLOCATED in slot 1", "WAITLISTED on slot 1"),
    ]
