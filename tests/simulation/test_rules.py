"""The frames obey the rules: seats, waits, statuses, counts, service order, days and times."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from opd_sim.scenario import scenario_from_text
from opd_sim.simulation import Opd, replication_seeds, single_run
from opd_sim.simulation.checks import frame_problems, patient_problems, seat_problems

from .conftest import shipped, shipped_run

MINUTES_PER_DAY = 1440


def _with_policy(name, policy, **params):
    base = shipped(name)
    return base.model_copy(update={"policy": base.policy.model_copy(
        update={"name": policy, "params": params})})  # fmt: skip


@pytest.mark.parametrize(("policy", "params"), [
    ("fifo", {}), ("bump-cap", {"max_bumps": 1}), ("emergency-cap", {"max_overbook": 0}),
    ("reserved", {"reserved": {"WALKIN": 1}}),
])  # fmt: skip
def test_frames_obey_the_rules_under_other_policies(policy, params):
    """Under other policies too, only emergencies overbook and every token ends once."""
    result = single_run(_with_policy("city_hospital_week", policy, **params), seed=5)
    assert frame_problems(result.decisions, result.patients) == []


def test_noshow_overbooking_sells_extra_seats_but_no_more():
    """noshow-overbook sells floor(capacity / (1 - rate)) seats and never more."""
    scenario = _with_policy("original_opd_day", "noshow-overbook", no_show_rate=0.34)
    result = single_run(scenario, seed=2)
    def seats(capacity):
        return math.floor(capacity / (1 - 0.34) + 1e-9)
    assert frame_problems(result.decisions, result.patients, seats) == []
    assert seat_problems(result.decisions) != []  # above capacity: the sold extra seats


def test_the_checks_catch_broken_frames():
    """The rule checks report an extra seat holder, a negative wait and a lost status."""
    result = shipped_run("original_opd_day")
    decisions = result.decisions.copy()
    first = decisions.index[decisions["kind"] == "ALLOCATED"][0]
    decisions.loc[first, "seats_held"] += 1
    assert seat_problems(decisions)
    patients = result.patients.copy()
    seen = patients.index[patients["status"] == "COMPLETED"][0]
    patients.loc[seen, "wait_minutes"] = -1.0
    patients.loc[seen, "status"] = "ALLOCATED"
    problems = patient_problems(patients, result.decisions)
    assert any("negative" in p for p in problems)
    assert any("non-final" in p for p in problems)


def test_counts_add_up(scenario_name):
    """Final statuses partition the tokens and the summary counts match the frames."""
    result = shipped_run(scenario_name)
    summary, patients, decisions = result.summary, result.patients, result.decisions
    statuses = summary["completed"] + summary["cancellations"] + summary["no_shows"] \
        + summary["expired"] + summary["left_unseen"]["n"]
    assert statuses == summary["tokens_booked"] == len(patients)
    assert sum(summary["tokens_by_source"].values()) == summary["tokens_booked"]
    assert summary["emergencies"] == summary["tokens_by_source"]["EMERGENCY"]
    kinds = decisions["kind"].value_counts()
    for key, kind in (("bumped", "BUMPED"), ("cancellations", "CANCELLED"),
                      ("no_shows", "NO_SHOW"), ("expired", "EXPIRED"),
                      ("completed", "COMPLETED"), ("promoted", "PROMOTED")):  # fmt: skip
        assert summary[key] == kinds[kind], key
    assert summary["waitlisted_remaining"] + summary["expired_waiting_too_long"] \
        == summary["expired"]
    assert summary["left_unseen"]["n"] == kinds.get("LEFT", 0)
    assert summary["waits"]["overall"]["n"] <= summary["completed"]
    assert decisions["slot_id"].max() <= summary["slots_created"]
    overbooked = decisions.loc[decisions["kind"] == "OVERBOOKED", "slot_id"].nunique()
    assert summary["overbooked_slots"] == overbooked


def test_engine_state_is_consistent_after_a_run():
    """After a busy week the engine reports no broken invariant and no unfinished token."""
    opd = Opd(shipped("city_hospital_week"), replication_seeds(1, 1)[0]).run()
    assert list(opd.engine.problems()) == []
    assert opd.unfinished() == []


def test_time_runs_forward_in_the_decision_log(scenario_name):
    """Decisions are logged in time order; bookings before day 0 come first, in request order."""
    decisions = shipped_run(scenario_name).decisions
    assert decisions["time"].is_monotonic_increasing


def test_waitlisted_tokens_expire_at_their_days_end():
    """Every EXPIRED decision is made at the midnight ending its slot's day."""
    decisions = shipped_run("city_hospital_week").decisions
    expired = decisions[decisions["kind"] == "EXPIRED"]
    assert len(expired) > 0
    assert ((expired["day"] + 1) * MINUTES_PER_DAY == expired["time"]).all()


def test_no_shows_are_declared_after_their_slot_starts():
    """A no-show is declared declare_after_minutes after the start of the slot it held."""
    result = shipped_run("city_hospital_week")
    patients = result.patients.set_index("token_id")
    no_shows = result.decisions[result.decisions["kind"] == "NO_SHOW"]
    grace = {"ONLINE": 10.0, "PAID": 10.0, "FOLLOWUP": 10.0, "WALKIN": 0.0}
    for row in no_shows.itertuples():
        slot_start = patients.loc[row.token_id, "slot_start"]
        due = slot_start + grace[row.source]
        assert row.time == pytest.approx(max(due, patients.loc[row.token_id,
                                                                       "requested_at"]))


def test_cancellations_come_before_the_slot():
    """Patients cancel before their slot starts and never arrive."""
    patients = shipped_run("city_hospital_week").patients
    cancelled = patients[patients["status"] == "CANCELLED"]
    assert len(cancelled) > 0 and cancelled["arrived_at"].isna().all()
    decisions = shipped_run("city_hospital_week").decisions
    times = decisions[decisions["kind"] == "CANCELLED"].set_index("token_id")["time"]
    starts = cancelled.set_index("token_id")["slot_start"]
    assert (times.loc[starts.index] <= starts).all()


def test_walkins_and_emergencies_are_present_when_they_book():
    """Walk-ins and emergencies arrive the moment they ask for a token."""
    patients = shipped_run("city_hospital_week").patients
    present = patients[patients["source"].isin(["WALKIN", "EMERGENCY"])
                       & patients["arrived_at"].notna()]  # fmt: skip
    assert len(present) > 0
    assert (present["arrived_at"] == present["requested_at"]).all()


def test_followups_come_from_consultations_of_the_same_doctor():
    """Each FOLLOWUP is booked when a consultation of its doctor ends, for a later day."""
    patients = shipped_run("city_hospital_week").patients
    follow = patients[patients["source"] == "FOLLOWUP"]
    assert len(follow) > 0
    ends = {(d, t) for d, t in zip(patients["doctor_id"], patients["consult_end"], strict=True)
            if t == t}  # fmt: skip
    assert all((d, t) in ends for d, t in zip(follow["doctor_id"], follow["requested_at"],
                                                strict=True))  # fmt: skip
    assert (follow["day"] > follow["requested_at"] // MINUTES_PER_DAY).all()


def test_a_patient_in_consultation_is_never_bumped():
    """Under emergency-cap (emergencies bump) no token is bumped while being seen."""
    result = single_run(_with_policy("city_hospital_week", "emergency-cap", max_overbook=0),
                        seed=3)  # fmt: skip
    patients = result.patients.set_index("token_id")
    decisions = result.decisions
    bumped = decisions[decisions["kind"] == "BUMPED"]
    by_emergency = decisions["related_token_id"].isin(
        decisions.loc[decisions["source"] == "EMERGENCY", "token_id"])
    assert (by_emergency & (decisions["kind"] == "BUMPED")).sum() > 5
    for row in bumped.itertuples():
        start, end = patients.loc[row.token_id, ["consult_start", "consult_end"]]
        assert not (start <= row.time < end)


ORDERED = """
name: ordered
sessions: [{open: "09:00", close: "12:00"}]
slot_minutes: 15
doctors: [{id: a, seats_per_slot: null, consult_minutes: {dist: exponential, mean: 5}}]
demand:
  online: {per_day: 20, lead_days: {dist: uniform, low: 0, high: 2}}
  paid: {per_day: 10, lead_days: {dist: uniform, low: 0, high: 2}}
  walkin: {per_hour: 8}
  emergency: {per_hour: 1}
punctuality_minutes: {dist: normal, mean: 0, sd: 20, min: null}
service_order: ORDER
"""


def _service_keys(order, patients):
    token = patients["token_id"].astype(float)
    priority = patients["source"].cat.codes.astype(float)  # categories in priority order
    if order == "arrival":
        return list(zip(patients["arrived_at"], token, strict=True))
    if order == "priority":
        return list(zip(priority, patients["arrived_at"], token, strict=True))
    return list(zip(patients["slot_start"], token, strict=True))


@pytest.mark.parametrize("order", ["arrival", "priority", "token"])
def test_the_doctor_calls_patients_in_service_order(order):
    """Whenever a consultation starts, nobody waiting then comes earlier in service order."""
    scenario = scenario_from_text(ORDERED.replace("ORDER", order))
    for seed in range(3):
        patients = single_run(scenario, seed=seed).patients
        seen = patients[patients["consult_start"].notna()].reset_index(drop=True)
        keys = _service_keys(order, seen)
        starts, arrived = seen["consult_start"].to_numpy(), seen["arrived_at"].to_numpy()
        for i in range(len(seen)):
            waiting = (arrived <= starts[i]) & (starts > starts[i])
            assert all(keys[j] > keys[i] for j in np.flatnonzero(waiting)), (order, seed, i)


def test_arrival_order_is_first_come_first_served():
    """With arrival order and one doctor, consultations start in arrival order."""
    patients = shipped_run("textbook_mm1").patients
    by_arrival = patients.sort_values("arrived_at")["consult_start"].to_numpy()
    assert (np.diff(by_arrival) >= 0).all()


def test_warmup_leaves_early_arrivals_out_of_the_waits():
    """Steady-state mode: waits count only patients arriving after the warm-up."""
    result = shipped_run("textbook_mm1")
    patients = result.patients
    late = patients[patients["arrived_at"] >= 8 * 60 + 180]
    assert result.summary["waits"]["overall"]["n"] == late["wait_minutes"].notna().sum()
    assert result.summary["waits"]["overall"]["mean"] == pytest.approx(late["wait_minutes"].mean())


def test_no_seat_limit_never_waitlists():
    """Doctors without a seat limit never waitlist, bump or overbook."""
    kinds = set(shipped_run("textbook_mm1").decisions["kind"].astype(str))
    kinds |= set(shipped_run("public_opd_walkin").decisions["kind"].astype(str))
    assert kinds.isdisjoint({"WAITLISTED", "BUMPED", "OVERBOOKED", "EXPIRED"})


def test_frames_have_stable_dtypes():
    """Categoricals carry every category, used or not; ints are int32, times float64."""
    from opd_sim.simulation import (
        KIND_CATEGORIES,
        REASON_CATEGORIES,
        SOURCE_CATEGORIES,
        STATUS_CATEGORIES,
    )

    result = shipped_run("textbook_mm1")  # walk-ins only: most categories unused
    decisions, patients = result.decisions, result.patients
    assert list(decisions["kind"].cat.categories) == KIND_CATEGORIES
    assert list(decisions["source"].cat.categories) == SOURCE_CATEGORIES
    assert list(decisions["reason"].cat.categories) == REASON_CATEGORIES
    assert list(patients["status"].cat.categories) == STATUS_CATEGORIES
    for frame, ints, floats in (
        (decisions, ["replication", "day", "token_id", "slot_id", "seats_held",
                     "capacity"], ["time"]),
        (patients, ["replication", "token_id", "day", "slot_id", "times_bumped"],
         ["requested_at", "slot_start", "arrived_at", "consult_start", "consult_end",
          "wait_minutes"]),
    ):  # fmt: skip
        assert all(frame[c].dtype == np.int32 for c in ints)
        assert all(frame[c].dtype == np.float64 for c in floats)
    assert decisions["related_token_id"].dtype == pd.Int32Dtype()
