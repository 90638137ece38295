"""The waiting room: patients called in service order, at a cost that does not grow with the
number waiting (a scan per call made an OPD whose doctors cannot keep up run for hours)."""

from __future__ import annotations

import random

from opd_sim.engine import Source, Token, TokenStatus
from opd_sim.simulation.patients import Patient
from opd_sim.simulation.waiting import WaitingRoom


def _patient(seq: int, slot_id: int) -> Patient:
    token = Token(seq, Source.WALKIN, "", seq, slot_id, slot_id, 0.0, TokenStatus.ALLOCATED)
    return Patient(token, 0, 10.0, 0.0, False, float("nan"), 0, 0.0)


def _call(room: WaitingRoom, now: float) -> Patient | None:
    """Call the next patient, who is then with the doctor (as ``Opd._poke`` marks them)."""
    patient = room.call(now)
    if patient is not None:
        patient.consult_start = now
    return patient


def test_patients_are_called_in_key_order_and_each_key_is_read_a_few_times() -> None:
    """20,000 present patients come out sorted; keys are read about twice each, not n times."""
    reads = 0

    def key(patient: Patient) -> tuple[float, ...]:
        nonlocal reads
        reads += 1
        return (patient.token.slot_id, patient.token.seq)

    room = WaitingRoom(key, lambda patient: 0.0)
    patients = [_patient(seq, random.Random(seq).randrange(500)) for seq in range(20_000)]
    for patient in patients:
        room.add(patient)
    called = []
    while (patient := _call(room, 1.0)) is not None:
        called.append(patient)
    assert called == sorted(patients, key=lambda p: (p.token.slot_id, p.token.seq))
    assert reads <= 2 * len(patients)


def test_early_waitlisted_and_moved_patients() -> None:
    """Nobody is called before their session opens; a waitlisted patient is skipped until
    entered again; a patient moved to another slot is called under the new key."""
    opens = {1: 0.0, 2: 0.0, 3: 100.0}
    room = WaitingRoom(lambda p: (p.token.slot_id, p.token.seq), lambda p: opens[p.token.slot_id])
    early, bumped, moved, plain = _patient(1, 3), _patient(2, 1), _patient(3, 1), _patient(4, 2)
    for patient in (early, bumped, moved, plain):
        room.add(patient)
    bumped.token.status = TokenStatus.WAITLISTED
    moved.token.slot_id = 3  # reallocated to a later slot; Opd enters it again
    room.add(moved)
    assert _call(room, 50.0) is plain
    assert _call(room, 50.0) is None  # the early and the moved wait for 100; bumped is out
    bumped.token.status = TokenStatus.ALLOCATED  # promoted: Opd enters it again
    room.add(bumped)
    assert _call(room, 50.0) is bumped
    called = [_call(room, 100.0), _call(room, 100.0), _call(room, 100.0)]
    assert called == [early, moved, None]
