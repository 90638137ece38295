"""Realistic OPD days, checked by hand on small days: a late doctor, a patient who leaves
unseen and the promotion that follows, a token that expires from the waitlist, rosters, and a
shared queue whose doctors take different times."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.engine import Source, make_policy
from opd_sim.scenario import Scenario, scenario_from_text
from opd_sim.simulation import (
    Opd,
    decisions_frame,
    multiple_replications,
    patients_frame,
    replication_seeds,
    slots_frame,
    summarize,
)
from opd_sim.simulation.checks import frame_problems
from opd_sim.simulation.demand import Cohort, Requests
from opd_sim.simulation.patients import Attributes

NINE = 540.0


def _day(text: str) -> Scenario:
    return scenario_from_text(text, "day.yaml")


def _run(opd: Opd) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    opd.run()
    assert opd.unfinished() == []
    decisions, patients = decisions_frame(opd), patients_frame(opd)
    assert frame_problems(decisions, patients) == []
    return decisions, patients, summarize(opd, decisions, patients)


def _walk_ins(scenario: Scenario, arrivals: list[tuple[float, float, float]],
              source: Source = Source.WALKIN, then: list[tuple[float, float, float]] = (),
              then_source: Source = Source.ONLINE, policy: str | None = None) -> Opd:  # fmt: skip
    """An OPD whose only demand is patients turning up unbooked at given minutes (walk-ins,
    then patients of ``then_source`` turning up unbooked too), each with its consultation
    time and patience (NaN: stays however long it takes), in place of drawn ones."""
    opd = Opd(scenario, replication_seeds(0, 1)[0],
              None if policy is None else make_policy(policy))  # fmt: skip
    cohorts = [_cohort(scenario, arrivals, source)]
    if then:
        cohorts.append(_cohort(scenario, list(then), then_source))
    times = np.concatenate([c.requested_at for c in cohorts])
    which = np.concatenate([np.full(len(c.requested_at), k) for k, c in enumerate(cohorts)])
    within = np.concatenate([np.arange(len(c.requested_at)) for c in cohorts])
    order = np.argsort(times, kind="stable")
    opd.requests = Requests(cohorts, times[order], np.stack([which[order], within[order]], 1))
    return opd


def _cohort(scenario: Scenario, arrivals: list[tuple[float, float, float]],
            source: Source) -> Cohort:  # fmt: skip
    n = len(arrivals)
    times, consult, patience = (np.array(column, dtype=float) for column in zip(*arrivals,
                                                                               strict=True))
    drawn = Attributes(
        consult=consult.reshape(n, 1), punctuality=np.zeros(n), stays_away=np.ones(n),
        no_show=np.zeros(n, dtype=bool), cancel_before=np.full(n, np.nan),
        return_after=np.zeros(n, dtype=np.int64), return_slot_fraction=np.zeros(n),
        patience=patience, consult_column=(0,) * len(scenario.doctors),
    )  # fmt: skip
    none = np.full(n, -1)
    return Cohort(source, times, (times // 1440).astype(np.int64), none, none, np.zeros(n),
                  drawn, on_the_day=source is not Source.WALKIN)  # fmt: skip


def _trace(decisions: pd.DataFrame) -> list[tuple[Any, ...]]:
    related = decisions["related_token_id"].astype(object).where(
        decisions["related_token_id"].notna(), None)  # fmt: skip
    return list(zip(decisions["time"], decisions["kind"].astype(str), decisions["token_id"],
                    related, decisions["reason"].astype(str), strict=True))  # fmt: skip


ONE_SLOT = """
sessions: [{open: "09:00", close: "10:00"}]
slot_minutes: 60
doctors: [{id: a, seats_per_slot: 2}]
"""


def test_a_walk_in_leaves_after_30_minutes_and_the_waitlist_is_promoted() -> None:
    """Two seats, the doctor busy 09:00-10:00 with the first walk-in. The second (09:05) holds
    the other seat; the third (09:34) finds none and waits on the slot. At 09:35 the second has
    waited its 30 minutes and leaves unseen: its seat goes to the third, whom the doctor calls
    at 10:00 (26 minutes after arriving, inside its own 30)."""
    scenario = _day(ONE_SLOT + "patience_minutes: {walkin: {dist: fixed, value: 30}}\n")
    opd = _walk_ins(scenario, [(NINE, 60, 30), (NINE + 5, 10, 30), (NINE + 34, 10, 30)])
    decisions, patients, summary = _run(opd)
    assert _trace(decisions) == [
        (540.0, "ALLOCATED", 1, None, "free seat"),
        (545.0, "ALLOCATED", 2, None, "free seat"),
        (574.0, "WAITLISTED", 3, None, "slot full; no seated token of lower priority it may bump"),
        (575.0, "LEFT", 2, None, "left unseen after waiting 30 minutes"),
        (575.0, "PROMOTED", 3, 2, "best waitlisted token; a seat was freed"),
        (600.0, "COMPLETED", 1, None, "seen by the doctor"),
        (610.0, "COMPLETED", 3, None, "seen by the doctor"),
    ]
    assert patients["status"].astype(str).tolist() == ["COMPLETED", "LEFT", "COMPLETED"]
    assert patients["left_at"].tolist()[1] == 575.0
    assert math.isnan(patients["wait_minutes"].iloc[1])  # not seen: no wait to report
    assert patients["wait_minutes"].iloc[2] == 26.0
    assert summary["left_unseen"]["n"] == 1
    assert summary["left_unseen"]["by_source"]["WALKIN"] == {"n": 1, "rate": 1 / 3}
    assert summary["completed"] + summary["left_unseen"]["n"] == summary["tokens_booked"]


def test_a_patient_called_in_time_does_not_leave() -> None:
    """Patience is a bound on waiting to be called: a patient called at 29.9 minutes of 30
    is seen, and one whose patience runs out while with the doctor is seen too."""
    scenario = _day(ONE_SLOT + "patience_minutes: {walkin: {dist: fixed, value: 30}}\n")
    opd = _walk_ins(scenario, [(NINE, 29.9, 30), (NINE, 50, 30)])
    decisions, patients, summary = _run(opd)
    assert patients["status"].astype(str).tolist() == ["COMPLETED", "COMPLETED"]
    assert summary["left_unseen"]["n"] == 0
    assert "LEFT" not in set(decisions["kind"].astype(str))


def test_a_token_expires_from_the_waitlist_after_waitlist_expiry_minutes() -> None:
    """The third walk-in waits on the full slot from 09:10; 20 minutes after its request (09:30)
    it expires, with the reason, long before the day's end."""
    scenario = _day(ONE_SLOT + "waitlist_expiry_minutes: {walkin: 20}\n")
    opd = _walk_ins(scenario, [(NINE, 60, math.nan), (NINE + 5, 10, math.nan),
                               (NINE + 10, 10, math.nan)])  # fmt: skip
    decisions, _patients, summary = _run(opd)
    assert _trace(decisions)[2:4] == [
        (550.0, "WAITLISTED", 3, None, "slot full; no seated token of lower priority it may bump"),
        (570.0, "EXPIRED", 3, None, "waitlisted past the waitlist expiry"),
    ]
    assert summary["expired"] == summary["expired_waiting_too_long"] == 1
    assert summary["waitlisted_remaining"] == 0


def test_one_number_of_expiry_minutes_applies_to_every_source() -> None:
    """``waitlist_expiry_minutes: 20`` is the same as 20 for each source."""
    scenario = _day(ONE_SLOT + "waitlist_expiry_minutes: 20\n")
    opd = _walk_ins(scenario, [(NINE, 60, math.nan), (NINE + 5, 10, math.nan),
                               (NINE + 10, 10, math.nan)])  # fmt: skip
    _decisions, _patients, summary = _run(opd)
    assert summary["expired_waiting_too_long"] == 1


LATE_DOCTOR = """
sessions: [{open: "09:00", close: "10:00"}]
slot_minutes: 15
punctuality_minutes: {dist: fixed, value: 0}
doctors:
  - id: a
    consult_minutes: {dist: fixed, value: 15}
    late_minutes: {dist: fixed, value: 20}
demand:
  appointments:
    - {doctor: a, time: "09:00"}
    - {doctor: a, time: "09:15"}
    - {doctor: a, time: "09:30"}
    - {doctor: a, time: "09:45"}
"""


def test_a_doctor_20_minutes_late_shifts_every_consultation_and_adds_overtime() -> None:
    """Four patients booked on the quarter hours, on time, 15 minutes each. The doctor comes at
    09:20: each patient is called 20 minutes after their slot starts (slots keep their
    times), the last consultation ends at 10:20, so 20 minutes of overtime."""
    opd = Opd(_day(LATE_DOCTOR), replication_seeds(0, 1)[0])
    _decisions, patients, summary = _run(opd)
    assert patients["consult_start"].tolist() == [560.0, 575.0, 590.0, 605.0]
    assert patients["slot_start"].tolist() == [540.0, 555.0, 570.0, 585.0]
    assert patients["wait_minutes"].tolist() == [20.0] * 4
    doctor = summary["by_doctor"]["a"]
    assert doctor["late_minutes"] == 20.0
    assert doctor["overtime_minutes"] == 20.0
    assert doctor["busy_minutes"] == 60.0
    assert math.isclose(doctor["utilisation"], 40 / 60)


def test_a_doctor_still_consulting_at_the_opening_is_not_late() -> None:
    """Two sessions; the first runs over into the second's opening. Lateness applies to a
    doctor who is not there: one still with a patient at 10:00 calls the next at once."""
    text = LATE_DOCTOR.replace(
        'sessions: [{open: "09:00", close: "10:00"}]',
        'sessions: [{open: "09:00", close: "10:00"}, {open: "10:00", close: "10:15"}]',
    ) + '    - {doctor: a, time: "10:00"}\n'
    opd = Opd(_day(text), replication_seeds(0, 1)[0])
    _decisions, patients, summary = _run(opd)
    # late for the first session only: 09:20 start, then back to back
    assert patients["consult_start"].tolist() == [560.0, 575.0, 590.0, 605.0, 620.0]
    assert summary["by_doctor"]["a"]["late_minutes"] == 20.0


ROSTER = """
days: 2
sessions: [{open: "09:00", close: "13:00"}]
slot_minutes: 30
doctors:
  - {id: full}
  - id: half
    sessions: [{open: "10:00", close: "12:00"}]
"""


def test_a_roster_gives_the_doctor_slots_in_their_own_sessions_only() -> None:
    """The rostered doctor's slots are cut from 10:00-12:00 (four a day), the other's from
    09:00-13:00 (eight); utilisation is over each doctor's own session minutes."""
    result = multiple_replications(_day(ROSTER + "demand: {walkin: {per_hour: 6}}\n"), 1, seed=3)
    slots = result.slots
    half = slots[slots["doctor_id"] == "half"]
    assert len(half) == 2 * 4 and len(slots) == 2 * (8 + 4)
    minute = half["start"] % 1440
    assert minute.min() == 600 and half["end"].mod(1440).max() == 720
    workload = result.summary["by_doctor"]["half"]
    seen = result.patients[result.patients["seen_by"] == "half"]
    inside = (seen["consult_end"].clip(upper=seen["day"] * 1440 + 720)
              - seen["consult_start"].clip(lower=seen["day"] * 1440 + 600)).clip(lower=0)
    assert math.isclose(workload["utilisation"], inside.sum() / (2 * 120))
    assert frame_problems(result.decisions, result.patients) == []


def test_walk_ins_outside_a_rostered_doctors_hours_go_to_the_doctors_on_duty() -> None:
    """At 09:00 only ``full`` works: walk-ins of the first hour are sent to ``full``'s slots
    (the earliest running slot with a seat), none to ``half``'s 10:00 slot."""
    result = multiple_replications(_day(ROSTER + "demand: {walkin: {per_hour: 6}}\n"), 1, seed=3)
    patients = result.patients
    early = patients[(patients["requested_at"] % 1440) < 570]
    assert len(early) > 0
    assert set(early["doctor_id"].astype(str)) == {"full"}


SHARED = """
sessions: [{open: "09:00", close: "12:00"}]
slot_minutes: 60
doctors:
  - {id: quick, queue: pool, seats_per_slot: null, consult_minutes: {dist: fixed, value: 5}}
  - {id: slow, queue: pool, seats_per_slot: null, consult_minutes: {dist: fixed, value: 20}}
demand:
  walkin: {per_hour: 12}
  online: {per_day: 10}
"""


def test_in_a_shared_queue_the_doctor_who_sees_the_patient_sets_the_time() -> None:
    """Two doctors of one queue, 5 and 20 minutes a patient: every consultation lasts the time
    of the doctor who saw the patient, whichever doctor's slot the token holds."""
    result = multiple_replications(_day(SHARED), 1, seed=11)
    seen = result.patients[result.patients["status"] == "COMPLETED"]
    took = seen["consult_end"] - seen["consult_start"]
    expected = seen["seen_by"].astype(str).map({"quick": 5.0, "slow": 20.0})
    assert np.allclose(took, expected)
    crossed = seen[seen["seen_by"].astype(str) != seen["doctor_id"].astype(str)]
    assert len(crossed) > 0  # some were seen by the other doctor of the queue
    assert sorted(result.summary["by_doctor"]) == ["quick", "slow"]


def test_shared_queue_times_are_common_random_numbers_across_policies() -> None:
    """The consultation times of a mixed shared queue are drawn with the patient, so two
    policies on one seed give every patient seen by the same doctor the same time."""
    text = SHARED.replace("{dist: fixed, value: 5}", "{dist: exponential, mean: 5}").replace(
        "{dist: fixed, value: 20}", "{dist: exponential, mean: 20}")  # fmt: skip
    one = multiple_replications(_day(text), 1, seed=4, policy="priority-bump").patients
    two = multiple_replications(_day(text), 1, seed=4, policy="fifo").patients
    both = one.merge(two, on="token_id", suffixes=("_a", "_b"))
    same = both[(both["seen_by_a"].astype(str) == both["seen_by_b"].astype(str))
                & both["consult_start_a"].notna()]  # fmt: skip
    assert len(same) > 10
    assert np.allclose(same["consult_end_a"] - same["consult_start_a"],
                       same["consult_end_b"] - same["consult_start_b"])  # fmt: skip


def test_emergencies_follow_their_hourly_profile() -> None:
    """``demand.emergency.hourly_profile: [0, 1]``: no emergency in the first hour."""
    text = """
days: 20
sessions: [{open: "09:00", close: "11:00"}]
doctors: [{id: a}]
demand: {emergency: {per_hour: 3, hourly_profile: [0, 1]}}
"""
    patients = multiple_replications(_day(text), 1, seed=1).patients
    minute = patients["requested_at"] % 1440
    assert len(patients) > 20
    assert (minute >= 600).all()


def test_punctuality_by_source() -> None:
    """``punctuality_minutes`` per source: ONLINE patients come 10 minutes early, PAID ones
    on time (fixed draws), each from their slot's start."""
    text = """
sessions: [{open: "09:00", close: "13:00"}]
doctors: [{id: a, seats_per_slot: 4}]
punctuality_minutes: {online: {dist: fixed, value: -10}, paid: {dist: fixed, value: 0}}
demand: {online: {per_day: 5}, paid: {per_day: 5}}
"""
    patients = multiple_replications(_day(text), 1, seed=2).patients
    came = patients[patients["arrived_at"].notna()]
    early = (came["slot_start"] - came["arrived_at"]).groupby(came["source"].astype(str)).unique()
    assert list(early["ONLINE"]) == [10.0] and list(early["PAID"]) == [0.0]


def test_slot_frames_hold_every_rostered_slot() -> None:
    opd = Opd(_day(ROSTER), replication_seeds(0, 1)[0]).run()
    slots = slots_frame(opd)
    assert len(slots) == opd.calendar.slot_count == 2 * (8 + 4)


HANDOVER = """
sessions: [{open: "09:00", close: "13:00"}]
slot_minutes: 15
punctuality_minutes: {dist: fixed, value: 0}
doctors:
  - {id: a, queue: medicine, seats_per_slot: 2, consult_minutes: {dist: fixed, value: 10}}
  - id: b
    queue: medicine
    seats_per_slot: 2
    consult_minutes: {dist: fixed, value: 10}
    sessions: [{open: "09:00", close: "11:00"}]
demand:
  appointments:
"""


def test_a_doctor_whose_session_closed_hands_a_shared_queue_over() -> None:
    """``b`` works 09:00-11:00 in a queue shared with ``a`` (09:00-13:00), whose slots hold two
    patients each, 10 minutes a consultation. ``b`` helps until 11:00 and then goes, since
    ``a`` is on duty in session: nobody is called in by ``b`` after 11:00, and ``b`` has no
    overtime; ``a`` sees the rest."""
    times = [f"{9 + k // 4:02d}:{15 * (k % 4):02d}" for k in range(16)]
    text = HANDOVER + "".join(f'    - {{doctor: a, time: "{t}", count: 2}}\n' for t in times)
    opd = Opd(_day(text), replication_seeds(0, 1)[0])
    _decisions, patients, summary = _run(opd)
    by_b = patients[patients["seen_by"].astype(str) == "b"]
    assert len(by_b) > 0 and (by_b["consult_start"] < 660).all()
    assert summary["by_doctor"]["b"]["overtime_minutes"] == 0.0
    assert summary["by_doctor"]["a"]["patients_seen"] + len(by_b) == 32


def test_the_last_doctor_of_a_shared_queue_stays_to_see_everyone() -> None:
    """When every doctor of the queue is past their session, they all stay (overtime), as a
    doctor of their own queue does: the patients still waiting are seen."""
    times = [f"{9 + k // 4:02d}:{15 * (k % 4):02d}" for k in range(16)]
    text = HANDOVER.replace('[{open: "09:00", close: "11:00"}]',
                            '[{open: "09:00", close: "13:00"}]')  # fmt: skip
    text += "".join(f'    - {{doctor: a, time: "{t}", count: 4}}\n' for t in times)
    text = text.replace("seats_per_slot: 2", "seats_per_slot: 4")
    opd = Opd(_day(text), replication_seeds(0, 1)[0])
    _decisions, patients, summary = _run(opd)
    assert (patients["status"] == "COMPLETED").all() and summary["completed"] == 64
    # 64 patients x 10 minutes, two doctors from 09:00, back to back: 320 minutes each, so 80
    # of overtime each past 13:00
    for doctor in ("a", "b"):
        assert summary["by_doctor"][doctor]["overtime_minutes"] == 80.0
    assert patients["consult_end"].max() == 14 * 60 + 20


AGING_DAY = """
sessions: [{open: "09:00", close: "12:00"}]
slot_minutes: 60
doctors: [{id: a, seats_per_slot: 1}]
"""


def test_aging_lifts_a_walk_in_above_an_online_booking() -> None:
    """One seat an hour. Walk-ins at 09:00, 09:01 and 09:02 take the 09:00, 10:00 and 11:00
    seats; the doctor sees the first until 10:00 and the second until 11:10. At 11:05 an ONLINE
    patient turns up unbooked and finds every seat taken: under ``priority-bump`` it bumps the
    11:00 walk-in (priority 5 < 4), who has no later seat and waits; under ``aging`` with 60
    minutes a level,
    that walk-in has waited 123 minutes since its request and stands at priority 3, above
    ONLINE, so it keeps its seat and the ONLINE patient waits instead."""
    walk_ins = [(NINE, 60, math.nan), (NINE + 1, 70, math.nan), (NINE + 2, 30, math.nan)]
    online = [(NINE + 125, 10, math.nan)]
    standard = _walk_ins(_day(AGING_DAY), walk_ins, then=online, policy="priority-bump")
    decisions, _patients, _summary = _run(standard)
    assert [step for step in _trace(decisions) if step[0] == 665.0] == [
        (665.0, "ALLOCATED", 4, 3, "took the seat of a lower-priority token"),
        (665.0, "BUMPED", 3, 4, "displaced by a token of strictly higher priority"),
        (665.0, "WAITLISTED", 3, 4, "bumped; no later free seat that day"),
    ]
    aged = _walk_ins(_day(AGING_DAY + "policy: {name: aging, params: {minutes_per_level: 60}}\n"),
                     walk_ins, then=online)  # fmt: skip
    decisions, _patients, _summary = _run(aged)
    assert [step for step in _trace(decisions) if step[0] == 665.0] == [
        (665.0, "WAITLISTED", 4, None, "slot full; no seated token of lower priority it may bump")]
    assert "BUMPED" not in set(decisions["kind"].astype(str))
