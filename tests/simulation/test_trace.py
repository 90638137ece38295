"""A hand-made morning, traced decision by decision: the driver does exactly what the rules say."""

from __future__ import annotations

import numpy as np

from opd_sim.engine import Source
from opd_sim.scenario import scenario_from_text
from opd_sim.simulation import Opd, decisions_frame, patients_frame, replication_seeds
from opd_sim.simulation.demand import Cohort, Requests
from opd_sim.simulation.patients import Attributes

MORNING = """
name: traced
sessions: [{open: "09:00", close: "10:00"}]
slot_minutes: 15
doctors: [{id: a, seats_per_slot: 1, consult_minutes: {dist: fixed, value: 10}}]
service_order: token
"""


def _cohort(source, times, slots, doctor=0, consult=10.0, no_show=False):
    n = len(times)
    zeros = np.zeros(n)
    walkin = source is Source.WALKIN
    attributes = Attributes(
        consult=np.full((n, 1), consult) if walkin else np.full(n, consult),
        punctuality=zeros, stays_away=zeros, no_show=np.full(n, no_show),
        cancel_before=np.full(n, np.nan), return_after=np.zeros(n, dtype=np.int64),
        return_slot_fraction=zeros, patience=np.full(n, np.nan),
    )  # fmt: skip
    return Cohort(source, np.array(times, dtype=float), np.zeros(n, dtype=np.int64),
                  np.full(n, doctor), np.array(slots), zeros, attributes)  # fmt: skip


def _run(cohorts, requests):
    opd = Opd(scenario_from_text(MORNING), replication_seeds(0, 1)[0])
    opd.requests = Requests(cohorts, [t for t, _ in requests], [o for _, o in requests])
    return opd.run()


def test_a_traced_morning():
    """Bump, reallocation, overbooking, a walk-in's seat and token-order service, in full."""
    cohorts = [
        _cohort(Source.ONLINE, [-200.0], [0]),  # token 1: 09:00 slot, booked the day before
        _cohort(Source.PAID, [-100.0], [0]),  # token 2: the same slot, bumps token 1
        _cohort(Source.WALKIN, [542.0], [-1]),  # token 3: walks in at 09:02
        _cohort(Source.EMERGENCY, [545.0], [-1]),  # token 4: at 09:05, into the running slot
    ]
    opd = _run(cohorts, [(-200.0, (0, 0)), (-100.0, (1, 0)), (542.0, (2, 0)), (545.0, (3, 0))])
    decisions = decisions_frame(opd)
    trace = list(zip(decisions["time"], decisions["kind"].astype(str),
                     decisions["token_id"], decisions["slot_id"], strict=True))  # fmt: skip
    assert trace == [
        (-200.0, "ALLOCATED", 1, 1),
        (-100.0, "ALLOCATED", 2, 1),  # paid takes the seat of ...
        (-100.0, "BUMPED", 1, 1),  # ... the online token, which moves to 09:15
        (-100.0, "REALLOCATED", 1, 2),
        (542.0, "ALLOCATED", 3, 3),  # the walk-in's earliest free seat: 09:30
        (545.0, "OVERBOOKED", 4, 1),  # the emergency overbooks the running 09:00 slot
        (550.0, "COMPLETED", 2, 1),  # paid seen 09:00-09:10
        (560.0, "COMPLETED", 4, 1),  # then the emergency (slot 09:00 before 09:30)
        (570.0, "COMPLETED", 1, 2),  # online arrived 09:15 for its new slot: seen before ...
        (580.0, "COMPLETED", 3, 3),  # ... the walk-in of the 09:30 slot, present since 09:02
    ]
    patients = patients_frame(opd).set_index("token_id")
    assert patients["arrived_at"].tolist() == [555.0, 540.0, 542.0, 545.0]
    assert patients["wait_minutes"].tolist() == [5.0, 0.0, 28.0, 5.0]
    assert opd.rooms[0].busy_minutes == 40.0 and opd.rooms[0].busy_in_session_minutes == 40.0


def test_a_traced_no_show_promotes_the_waitlisted_walkin():
    """A no-show is declared 10 minutes into its slot; the waitlisted walk-in is promoted."""
    cohorts = [
        _cohort(Source.ONLINE, [-50.0, -40.0, -30.0, -20.0], [0, 1, 2, 3]),  # fills the day
        _cohort(Source.PAID, [-10.0], [2], no_show=True),  # bumps token 3 (no later seat)
        _cohort(Source.WALKIN, [541.0], [-1]),  # no seat anywhere: waitlisted on 09:00
    ]
    order = [(-50.0, (0, 0)), (-40.0, (0, 1)), (-30.0, (0, 2)), (-20.0, (0, 3)),
             (-10.0, (1, 0)), (541.0, (2, 0))]  # fmt: skip
    opd = _run(cohorts, order)
    decisions = decisions_frame(opd)
    kinds = list(zip(decisions["time"], decisions["kind"].astype(str),
                     decisions["token_id"], strict=True))  # fmt: skip
    assert (-10.0, "BUMPED", 3) in kinds and (-10.0, "WAITLISTED", 3) in kinds
    assert (541.0, "WAITLISTED", 6) in kinds
    assert (580.0, "NO_SHOW", 5) in kinds  # 09:30 slot + 10 minutes
    assert (580.0, "PROMOTED", 3) in kinds  # the bumped online token, better than the walk-in
    assert (1440.0, "EXPIRED", 6) in kinds  # the walk-in waited all day in vain
    patients = patients_frame(opd).set_index("token_id")
    assert patients.loc[6, "status"] == "EXPIRED" and patients.loc[6, "arrived_at"] == 541.0
    assert patients.loc[3, "status"] == "COMPLETED"
