"""Replay: recorded events driven through a fresh engine under a policy, giving the history that
policy would have made.

The engine holds every doctor and slot of the stream (a slot's ``day`` is the date of its start;
start and end stay text, as the desk keeps them). Each event is applied at its time, in order:
a slot event opens the slot (keeping its id), a booking requests a seat with the recorded token
id and request order, a cancellation and a no-show are the engine's ``cancel`` and ``no_show``.

Under another policy an event may not apply: a no-show of a token the replay left waitlisted
(the patient, never given a seat, would not have come), or any other operation the engine
refuses for the token's state. The replay skips such an event, lists it as not applicable with
the engine's reason, and goes on. The engine alone decides what applies: the replay asks it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opd_sim.engine import Decision, DecisionKind, Engine, Policy, Reason, Source
from opd_sim.errors import StoreError, TokenStateError
from opd_sim.history.events import Event, EventStream
from opd_sim.history.records import History, HistoryDoctor, HistorySlot, HistoryToken

__all__ = ["NotApplicable", "Replayed", "replay"]


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """An event the replay skipped, and the engine's reason for refusing it."""

    event: Event
    reason: str


@dataclass(frozen=True, slots=True)
class Replayed:
    """The history a replay made (tokens as they end, the engine's log as decisions) and the
    events that did not apply under its policy."""

    policy: str
    history: History
    not_applicable: tuple[NotApplicable, ...]


def replay(
    stream: EventStream, policy: Policy | str = "priority-bump", label: str | None = None,
    **policy_params: Any,
) -> Replayed:  # fmt: skip
    """Drive a fresh engine under ``policy`` (with ``policy_params``) through ``stream``'s
    events; ``label`` names the policy for people (default: its name)."""
    engine = Engine(policy, **policy_params)
    label = label or engine.policy.name
    names = {doctor.id: doctor.name for doctor in stream.doctors}
    skipped: list[NotApplicable] = []
    for event in stream.events:
        kind = event.kind
        if kind == "book":
            engine.book(event.slot, Source[event.source or ""], event.patient or "",
                        at=event.time, token_id=event.token, seq=event.seq)  # fmt: skip
        elif kind == "slot":
            if event.doctor not in engine.doctors:
                engine.add_doctor(names.get(event.doctor, ""), doctor_id=event.doctor)
            start = event.start or ""
            engine.add_slot(event.doctor, start, event.end, event.capacity or 0, day=start[:10],
                            slot_id=event.slot)  # fmt: skip
        else:
            operation = engine.cancel if kind == "cancel" else engine.no_show
            try:
                operation(event.token, event.time)
            except TokenStateError as refused:
                skipped.append(NotApplicable(event, str(refused)))
    history = History(
        doctors=tuple(stream.doctors),
        slots=tuple(HistorySlot(s.id, s.doctor_id, s.day, s.start, s.end, s.capacity)
                    for s in sorted(engine.slots.values(), key=lambda s: s.id)),
        tokens=tuple(HistoryToken(t.id, t.seq, t.slot_id, t.requested_slot_id, t.source.name,
                                  t.patient, t.status.value, t.times_bumped, t.requested_at)
                     for t in sorted(engine.tokens.values(), key=lambda t: t.id)),
        decisions=tuple(engine.log),
        origin=f"replay of {stream.origin} under {label}",
    )  # fmt: skip
    return Replayed(label, history, tuple(skipped))


# -----------------------------------------------------------------------------------------
# A minimal reader of a booking store, until opd_sim.history.store_reading.read_store lands:
# swap read_store in for _read_store when merging (same argument, same History).
# -----------------------------------------------------------------------------------------


def _read_store(path: str | Path) -> History:
    """The store at ``path`` as a History, read only: opened read-only, checked by the store's
    own schema check (a newer schema is StoreError, exit 2), nothing written."""
    from opd_sim.store.connection import _refuse_unusable
    from opd_sim.store.schema import check_or_create
    from opd_sim.store.sqlite_errors import store_error

    path = Path(path)
    if not _refuse_unusable(path, create=False):
        raise StoreError(f"no store at {path} (check --db and $OPD_SIM_DB)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open store {path}: {error}") from None
    try:
        if not check_or_create(conn, str(path), create=False):
            raise StoreError(f"no store at {path} (an empty database)")
        conn.execute("BEGIN")  # one snapshot for the four reads
        doctors = tuple(HistoryDoctor(*row) for row in conn.execute(
            "SELECT id, name FROM doctor ORDER BY id"))  # fmt: skip
        slots = tuple(HistorySlot(*row) for row in conn.execute(
            'SELECT id, doctor_id, day, start, "end", capacity FROM slot ORDER BY id'))  # fmt: skip
        tokens = tuple(HistoryToken(*row) for row in conn.execute(
            "SELECT id, seq, slot_id, requested_slot_id, source, patient, status, times_bumped,"
            " requested_at FROM token ORDER BY id"))  # fmt: skip
        decisions = tuple(_decision(row) for row in conn.execute(
            f"SELECT {', '.join(Decision._fields)} FROM audit ORDER BY id"))  # fmt: skip
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        mapped = store_error(error, path)
        raise (mapped or StoreError(f"cannot read store {path}: {error}")) from None
    finally:
        conn.close()
    return History(doctors, slots, tokens, decisions, origin=f"store {path}")


_REASONS = frozenset(reason.value for reason in Reason)


def _decision(row: tuple[Any, ...]) -> Decision:
    time, kind, token_id, source, doctor_id, slot_id, related, reason, held, capacity = row
    if reason in _REASONS:  # else a LEFT decision's reason, carrying minutes: kept as text
        reason = Reason(reason)
    return Decision(time, DecisionKind(kind), token_id, Source[source], doctor_id, slot_id,
                    related, reason, held, capacity)  # fmt: skip
