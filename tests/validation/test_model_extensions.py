"""The model features the validation needs: shared queues, unbooked arrivals by source,
appointment schedules and the steady-state cool-down, each checked on a small run."""

from __future__ import annotations

import numpy as np
import pytest

from opd_sim.errors import ScenarioError
from opd_sim.scenario import Scenario, scenario_from_text
from opd_sim.simulation import single_run
from opd_sim.simulation.checks import frame_problems

from .replicate import scenario


def test_shared_queue_never_leaves_a_doctor_idle_while_someone_waits() -> None:
    """With one shared queue, all three doctors are busy whenever a patient arrives to wait."""
    base = scenario("mmc_shared", sessions=[{"open": "09:00", "close": "13:00"}],
                    steady_state=None)  # fmt: skip
    patients = single_run(base).patients
    assert frame_problems(single_run(base).decisions, patients) == []
    starts, ends = patients["consult_start"].to_numpy(), patients["consult_end"].to_numpy()
    waited = patients[patients["wait_minutes"] > 1e-9]
    assert len(waited) > 100
    for arrived in waited["arrived_at"].to_numpy():
        busy = int(((starts <= arrived) & (ends > arrived)).sum())
        assert busy == 3, (arrived, busy)


def test_without_a_shared_queue_a_doctor_can_idle_while_others_have_a_queue() -> None:
    """With a queue per doctor, some patient waits while a doctor is free (the test above bites)."""
    base = scenario("mmc_shared", sessions=[{"open": "09:00", "close": "13:00"}],
                    steady_state=None)  # fmt: skip
    tree = base.model_dump()
    alone = Scenario.model_validate(
        {**tree, "doctors": [{**d, "queue": None} for d in tree["doctors"]]}
    )
    patients = single_run(alone).patients
    starts, ends = patients["consult_start"].to_numpy(), patients["consult_end"].to_numpy()
    waited = patients[patients["wait_minutes"] > 1e-9]["arrived_at"].to_numpy()
    idle = [a for a in waited if ((starts <= a) & (ends > a)).sum() < 3]
    assert idle


def test_on_the_day_patients_keep_their_source_and_come_at_once() -> None:
    """Unbooked PAID, FOLLOWUP, ONLINE patients come at once with their own consult times."""
    patients = single_run(scenario("priority_five", sessions=[{"open": "09:00", "close": "12:00"}],
                                   steady_state=None)).patients  # fmt: skip
    for source in ("PAID", "FOLLOWUP", "ONLINE"):
        mine = patients[patients["source"] == source]
        assert len(mine) > 10
        np.testing.assert_array_equal(mine["requested_at"], mine["arrived_at"])
    followups = patients[patients["source"] == "FOLLOWUP"]
    assert np.allclose(followups["consult_end"] - followups["consult_start"], 0.5)


def test_appointments_book_the_slots_they_name() -> None:
    """Each appointment's tokens hold the slot starting at its time, booked lead_days ahead."""
    patients = single_run(scenario("bailey_welch")).patients.sort_values("token_id")
    assert (patients["slot_start"] - 540).tolist() == [0, 0, *range(10, 110, 10)]
    assert (patients["requested_at"] == 540 - 1440).all()  # lead_days 1, the default
    assert (patients["source"] == "ONLINE").all()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{doctor: roa, time: "09:00"}', "unknown doctor 'roa' (did you mean 'rao'?)"),
        ('{doctor: rao, day: 1, time: "09:00"}', "day 1 is past the last OPD day (0)"),
        ('{doctor: rao, time: "09:05"}', "no slot starts at 09:05"),
    ],
)
def test_bad_appointments_are_refused(line: str, message: str) -> None:
    """An unknown doctor, a day past the horizon or a time no slot starts at is refused."""
    text = f"doctors:\n  - id: rao\ndemand:\n  appointments:\n    - {line}\n"
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, "clinic.yaml")
    assert any(message in str(problem) for problem in caught.value.problems), caught.value.problems


def test_cooldown_leaves_out_the_last_arrivals() -> None:
    """cooldown_minutes drops exactly the patients arriving that near the close from the waits."""
    base = scenario("mm1", sessions=[{"open": "09:00", "close": "13:00"}],
                    steady_state={"warmup_minutes": 30, "cooldown_minutes": 45})  # fmt: skip
    result = single_run(base)
    arrived = result.patients["arrived_at"] - 540
    expected = ((arrived >= 30) & (arrived < 240 - 45)).sum()
    assert result.summary["waits"]["overall"]["n"] == expected
