"""Doctors' rosters (``doctors[].sessions``) and lateness (``doctors[].late_minutes``).

Three checks: the summary's busy minutes are the consultations of the patients frame (work is
conserved, whatever the roster, the lateness or who leaves); on deterministic days the summary's
overtime and utilisation are exactly what the roster implies, worked out by hand; and a doctor
20 minutes late to each session shifts every consultation by 20 minutes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from opd_sim.analysis import doctor_workload
from opd_sim.scenario import Scenario
from opd_sim.simulation import multiple_replications, single_run

MORNING = {"open": "09:00", "close": "13:00"}
FIXED_10 = {"dist": "fixed", "value": 10}


def clinic(doctors: list[dict[str, Any]], **fields: Any) -> Scenario:
    """A one-day clinic, 09:00-13:00, 15-minute slots, punctual patients, in token order."""
    return Scenario.model_validate({
        "name": "roster", "seed": 2024, "sessions": [MORNING], "slot_minutes": 15,
        "doctors": doctors, "punctuality_minutes": {"dist": "fixed", "value": 0},
        "service_order": "token", **fields,
    })  # fmt: skip


def booked(doctor: str, times: list[str], count: int = 1, day: int = 0) -> list[dict[str, Any]]:
    """``count`` appointments with ``doctor`` at each of ``times``."""
    return [{"doctor": doctor, "day": day, "time": t, "count": count} for t in times]


def clock_times(first: str, slots: int, every: int) -> list[str]:
    """``slots`` times of day from ``first``, ``every`` minutes apart ("09:00", "09:15", ...)."""
    hours, minutes = map(int, first.split(":"))
    start = hours * 60 + minutes
    return [f"{(start + k * every) // 60:02d}:{(start + k * every) % 60:02d}" for k in range(slots)]


# --------------------------------------------------------------- conservation of work


def randomised(shared: bool) -> Scenario:
    """Two doctors, one with half the sessions (a morning in place of a morning and an
    afternoon), over two days: Poisson walk-ins, exponential consultations, random lateness and
    walk-ins who leave after exponential patience, so there is overtime and idle time to count."""
    queue = "pool" if shared else None
    consult = {"dist": "exponential", "mean": 8}
    late = {"dist": "uniform", "low": 0, "high": 30}
    return clinic(
        [{"id": "full", "seats_per_slot": 3, "queue": queue, "consult_minutes": consult,
          "late_minutes": late},
         {"id": "half", "seats_per_slot": 3, "queue": queue, "consult_minutes": consult,
          "late_minutes": late, "sessions": [MORNING]}],
        sessions=[MORNING, {"open": "14:00", "close": "17:00"}], days=2,
        demand={"walkin": {"per_hour": 12}},
        patience_minutes={"walkin": {"dist": "exponential", "mean": 60}},
    )  # fmt: skip


def in_windows(starts: np.ndarray, ends: np.ndarray,
               windows: list[tuple[float, float]]) -> float:  # fmt: skip
    """Minutes of the intervals [start, end) that fall inside the windows (disjoint)."""
    return float(sum(np.clip(np.minimum(ends, close) - np.maximum(starts, open_), 0, None).sum()
                     for open_, close in windows))  # fmt: skip


@pytest.mark.parametrize("shared", [False, True], ids=["own-queues", "shared-queue"])
def test_busy_minutes_are_the_consultations_of_the_patients_seen(shared: bool) -> None:
    """For each doctor and replication: busy_minutes is the sum of consult_end - consult_start
    of the patients they saw (seen_by), patients_seen their number, the part inside the
    doctor's own sessions (utilisation times session minutes) is the consultations clipped to
    those sessions, and overtime the rest; all doctors' work is the work of every seen patient.
    The analysts' doctor_workload, which reads the sessions off the slots frame, agrees."""
    base = randomised(shared)
    result = multiple_replications(base, 6, seed=base.seed)
    patients = result.patients
    overtime = late = 0.0
    for r, summary in enumerate(result.summary["per_replication"]):
        mine = patients[patients["replication"] == r]
        workload = doctor_workload(mine, result.slots[result.slots["replication"] == r])
        for doctor, counted in summary["by_doctor"].items():
            row = workload.loc[doctor]
            assert counted["patients_seen"] == row["patients_seen"]
            for key in ("busy_minutes", "overtime_minutes", "utilisation"):
                assert counted[key] == pytest.approx(row[key], rel=1e-12, abs=1e-9), key
        seen = mine[mine["status"] == "COMPLETED"]
        assert seen["seen_by"].notna().all() and seen["consult_end"].notna().all()
        consults = seen["consult_end"] - seen["consult_start"]
        total = 0.0
        for doctor in base.doctors:
            counted = summary["by_doctor"][doctor.id]
            theirs = seen[seen["seen_by"] == doctor.id]
            work = float((theirs["consult_end"] - theirs["consult_start"]).sum())
            assert counted["patients_seen"] == len(theirs)
            assert counted["busy_minutes"] == pytest.approx(work, rel=1e-12, abs=1e-9)
            sessions = doctor.sessions or base.sessions
            windows = [(day * 1440 + s.open, day * 1440 + s.close)
                       for day in range(base.days) for s in sessions]  # fmt: skip
            inside = in_windows(theirs["consult_start"].to_numpy(),
                                theirs["consult_end"].to_numpy(), windows)  # fmt: skip
            minutes = sum(close - open_ for open_, close in windows)
            assert counted["utilisation"] * minutes == pytest.approx(inside, rel=1e-12, abs=1e-9)
            assert counted["overtime_minutes"] == pytest.approx(work - inside, abs=1e-9)
            total += counted["busy_minutes"]
            overtime += counted["overtime_minutes"]
            late += counted["late_minutes"]
        assert total == pytest.approx(float(consults.sum()), rel=1e-12)
        assert summary["overtime_minutes_total"] == pytest.approx(
            sum(d["overtime_minutes"] for d in summary["by_doctor"].values()))
        assert (mine.loc[mine["status"] != "COMPLETED", "consult_start"]).isna().all()
    assert overtime > 0 and late > 0  # the checks above had something to count


# ------------------------------------------------------------- overtime, by hand


def halved(roster: list[dict[str, str]] | None) -> Scenario:
    """The doctor ``b`` sees the same 16 fixed 10-minute consultations whatever the roster: one
    per 15-minute slot of the 09:00-13:00 morning, or two per slot of a roster half as long.
    Doctor ``a`` keeps the morning with one patient per slot throughout."""
    slots = 16 if roster is None else 8
    times = [t for s in (roster or [MORNING])
             for t in clock_times(s["open"], 4 * (int(s["close"][:2]) - int(s["open"][:2])), 15)]
    assert len(times) == slots
    b = {"id": "b", "seats_per_slot": 16 // slots, "consult_minutes": FIXED_10,
         "sessions": roster}  # fmt: skip
    a = {"id": "a", "seats_per_slot": 1, "consult_minutes": FIXED_10}
    appointments = booked("a", clock_times("09:00", 16, 15)) + booked("b", times, 16 // slots)
    return clinic([a, b], demand={"appointments": appointments})


@pytest.mark.parametrize(
    ("roster", "b_starts", "b_overtime", "b_utilisation"),
    [
        # 16 patients, one per 15-minute slot from 09:00: each seen at their slot's start
        # (10 minutes of work every 15), the last done at 12:55; 160 of 240 minutes busy
        (None, [540 + 15 * k for k in range(16)], 0.0, 160 / 240),
        # two per slot of 09:00-11:00: two arrive every 15 minutes, 20 minutes of work, so the
        # doctor never idles from 09:00 and the 16th consultation ends at 11:40: 120 minutes
        # inside the roster (utilisation 1), 40 of overtime
        ([{"open": "09:00", "close": "11:00"}], [540 + 10 * k for k in range(16)], 40.0, 1.0),
        # the same halved with a break, 09:00-10:00 and 11:00-12:00: each session's 8 patients
        # keep the doctor busy 80 minutes from its opening, 20 of them past its close (in the
        # break, after noon): 40 minutes of overtime, 120 inside, utilisation 1
        ([{"open": "09:00", "close": "10:00"}, {"open": "11:00", "close": "12:00"}],
         [540 + 10 * k for k in range(8)] + [660 + 10 * k for k in range(8)], 40.0, 1.0),
    ],
    ids=["full-morning", "halved", "halved-with-a-break"],
)
def test_overtime_and_utilisation_are_what_the_roster_implies(
    roster: list[dict[str, str]] | None, b_starts: list[float], b_overtime: float,
    b_utilisation: float,
) -> None:  # fmt: skip
    """Fixed consultations and punctual patients: every number is known in advance."""
    result = single_run(halved(roster))
    patients = result.patients.sort_values(["consult_start", "token_id"])
    b = patients[patients["seen_by"] == "b"]
    assert b["consult_start"].tolist() == b_starts
    doctors = result.summary["by_doctor"]
    assert doctors["b"] == {"patients_seen": 16, "busy_minutes": 160.0,
                            "utilisation": pytest.approx(b_utilisation),
                            "overtime_minutes": b_overtime, "late_minutes": 0.0}  # fmt: skip
    # doctor a's day does not depend on b's roster: 16 seen at their slot's start, no overtime
    a = patients[patients["seen_by"] == "a"]
    assert a["consult_start"].tolist() == [540 + 15 * k for k in range(16)]
    assert doctors["a"] == {"patients_seen": 16, "busy_minutes": 160.0,
                            "utilisation": pytest.approx(160 / 240), "overtime_minutes": 0.0,
                            "late_minutes": 0.0}  # fmt: skip
    assert result.summary["overtime_minutes_total"] == b_overtime
    assert result.summary["utilisation_mean"] == pytest.approx((160 / 240 + b_utilisation) / 2)


# ---------------------------------------------------------------- a late doctor

TWO_SESSIONS = [MORNING, {"open": "14:00", "close": "16:00"}]


def fully_booked(late_minutes: float | None, days: int = 2) -> Scenario:
    """One doctor, a morning (09:00-13:00) and an afternoon (14:00-16:00) of 10-minute slots,
    each slot booked, fixed 10-minute consultations, every patient 5 minutes early."""
    times = clock_times("09:00", 24, 10) + clock_times("14:00", 12, 10)
    late = None if late_minutes is None else {"dist": "fixed", "value": late_minutes}
    return clinic(
        [{"id": "solo", "seats_per_slot": 1, "consult_minutes": FIXED_10, "late_minutes": late}],
        sessions=TWO_SESSIONS, slot_minutes=10, days=days,
        punctuality_minutes={"dist": "fixed", "value": -5},
        demand={"appointments": [a for day in range(days) for a in booked("solo", times, 1, day)]},
    )  # fmt: skip


def test_a_doctor_late_to_every_session_shifts_every_consultation() -> None:
    """20 minutes late to each session: each consultation starts 20 minutes after it would
    have (the morning's delay carries through its back-to-back slots; the doctor, done at
    13:20, is late again at 14:00), each wait grows from 5 to 25 minutes, each session ends
    20 minutes past its close: 40 minutes of overtime a day, 320 of 360 session minutes busy
    inside them, and late_minutes 20 for each of the 4 sessions."""
    on_time = single_run(fully_booked(None))
    late = single_run(fully_booked(20))
    before = on_time.patients.set_index("token_id")
    after = late.patients.set_index("token_id")
    assert len(before) == len(after) == 72
    assert (before["consult_start"] == before["slot_start"]).all()  # the reference is exact
    assert (before["wait_minutes"] == 5).all()
    pd.testing.assert_series_equal(after["consult_start"], before["consult_start"] + 20)
    pd.testing.assert_series_equal(after["consult_end"], before["consult_end"] + 20)
    assert (after["wait_minutes"] == 25).all()
    assert on_time.summary["by_doctor"]["solo"] == {
        "patients_seen": 72, "busy_minutes": 720.0, "utilisation": 1.0,
        "overtime_minutes": 0.0, "late_minutes": 0.0}  # fmt: skip
    assert late.summary["by_doctor"]["solo"] == {
        "patients_seen": 72, "busy_minutes": 720.0,
        "utilisation": pytest.approx(2 * 320 / (2 * 360)), "overtime_minutes": 80.0,
        "late_minutes": 80.0}  # fmt: skip


def test_a_late_doctor_still_consulting_at_the_opening_is_not_late() -> None:
    """The morning runs over into the afternoon (two patients per slot): the doctor, still
    consulting at 14:00, is there already, so only the morning's lateness counts."""
    one_day = fully_booked(20, days=1)
    tree = one_day.model_dump()
    tree["doctors"][0]["seats_per_slot"] = 2
    tree["demand"]["appointments"] = [{**a, "count": 2} if a["time"] < 13 * 60 else a
                                      for a in tree["demand"]["appointments"]]  # fmt: skip
    result = single_run(Scenario.model_validate(tree))
    doctor = result.summary["by_doctor"]["solo"]
    # 48 morning consultations from 09:20 end at 17:20, then the 12 afternoon ones to 19:20
    assert doctor["late_minutes"] == 20.0
    assert doctor["patients_seen"] == 60
    assert result.patients["consult_end"].max() == 19 * 60 + 20
    assert doctor["overtime_minutes"] == pytest.approx(600 - (220 + 120))
