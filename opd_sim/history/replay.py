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

from dataclasses import dataclass
from typing import Any

from opd_sim.engine import Engine, Policy, Source
from opd_sim.errors import TokenStateError
from opd_sim.history.events import Event, EventStream
from opd_sim.history.records import History, HistorySlot, HistoryToken

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
        wall_clock=stream.wall_clock,
    )  # fmt: skip
    return Replayed(label, history, tuple(skipped))
