"""Doctors as servers: each doctor's consulting room, its queue, and the order patients are called.

A service order is a small function chosen once per run, as Ciw's disciplines are: given a
present patient with a seat, it returns the sort key; the room calls the patient with the
smallest key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from opd_sim.simulation.patients import Patient
from opd_sim.simulation.waiting import WaitingRoom

__all__ = ["SERVICE_ORDERS", "ConsultingRoom", "ServiceOrder"]

ServiceOrder = Callable[[Patient, Sequence[float]], tuple[float, ...]]
"""``(patient, slot_start by slot id) -> key``: the patient with the smallest key is called."""


def by_token(patient: Patient, slot_start: Sequence[float]) -> tuple[float, ...]:
    """Token order: the earliest slot first, then the earliest request."""
    token = patient.token
    return (slot_start[token.slot_id], token.seq)


def by_priority(patient: Patient, slot_start: Sequence[float]) -> tuple[float, ...]:
    """Priority order: the best source first, then the earliest arrival."""
    token = patient.token
    return (token.priority, patient.arrived_at, token.seq)


def by_arrival(patient: Patient, slot_start: Sequence[float]) -> tuple[float, ...]:
    """Arrival order: first come, first seen."""
    return (patient.arrived_at, patient.token.seq)


#: The scenario's ``service_order`` names and their keys.
SERVICE_ORDERS: dict[str, ServiceOrder] = {
    "token": by_token,
    "priority": by_priority,
    "arrival": by_arrival,
}


@dataclass(slots=True, eq=False)
class ConsultingRoom:
    """A doctor as a single server: who is waiting, who is being seen, and the time worked.

    Rooms of one shared queue (the scenario's ``doctors[].queue``) hold the very same waiting
    room, so whichever doctor is free first calls the next patient.
    """

    index: int
    doctor_id: str
    queue: WaitingRoom  # present, not yet called
    current: Patient | None = None
    busy_minutes: float = 0.0
    busy_in_session_minutes: float = 0.0
    patients_seen: int = 0
    late_minutes: float = 0.0  # summed over the sessions the doctor came late to
    # who is on duty: in the hospital and calling patients when free (see Opd)
    on_duty: bool = False
    in_session: bool = False  # between the opening and the close of one of their sessions
    leaving: bool = False  # consulting at midnight: goes off duty once done
    mates: list[ConsultingRoom] = field(default_factory=list)  # the rooms of its queue
