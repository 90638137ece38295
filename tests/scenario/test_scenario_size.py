"""Run sizes: estimated before a run, shown by ``validate``; a run too big is refused (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from opd_sim.scenario import load_scenario, scenario_from_text
from opd_sim.scenario.size import MAX_SLOTS, MAX_TOKENS, estimate, refusal
from opd_sim.simulation import multiple_replications

SCENARIOS = Path(__file__).parents[2] / "scenarios"
ONE_DOCTOR = "doctors: [{id: rao}]\n"
APPOINTMENTS = ONE_DOCTOR + "demand:\n  appointments:\n" + (
    "    - {doctor: rao, time: '09:00', count: 10000}\n" * 2000
)

#: The files of the report: each validates, every field within its bound, yet a run of it would
#: take gigabytes or hours. (name, text, expected tokens, fields the refusal names)
TOO_BIG = [
    ("ten-years-of-walk-ins", "days: 3660\n" + ONE_DOCTOR + "demand: {walkin: {per_hour: 200}}\n",
     2_928_000, ["days (3,660)", "demand.walkin.per_hour (200)"]),
    ("appointments-of-10000", APPOINTMENTS, 20_000_000,
     ["demand.appointments (20,000,000 tokens)"]),
    ("a-thousandfold-rush", ONE_DOCTOR + "demand:\n  walkin: {per_hour: 10000, hourly_profile: "
     "[1000]}\n", 40_000_000, ["demand.walkin.per_hour (10000)",
                               "demand.walkin.hourly_profile (up to 1000)"]),
]  # fmt: skip


def _opd_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opd_sim", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


@pytest.mark.parametrize("name", ["original_opd_day", "public_opd_walkin", "city_hospital_week"])
def test_the_estimate_is_near_what_a_run_makes(name: str) -> None:
    """On the shipped scenarios the expected tokens are within 10 % of the mean of 5 runs."""
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    made = multiple_replications(scenario, 5).summary["tokens_booked"]
    assert estimate(scenario).tokens == pytest.approx(made, rel=0.1)


@pytest.mark.parametrize(("name", "text", "tokens", "fields"), TOO_BIG, ids=[t[0] for t in TOO_BIG])
def test_the_estimate_of_a_huge_run_is_arithmetic(
    name: str, text: str, tokens: int, fields: list[str]
) -> None:
    """Tokens are rates times session hours times days (and counts), named by their fields."""
    size = estimate(scenario_from_text(text, f"{name}.yaml"))
    assert size.tokens == pytest.approx(tokens)
    assert size.decisions == pytest.approx(2.5 * tokens)
    assert [field for field in size.token_fields if field in fields] == fields


def test_slots_are_doctors_times_days_times_slots_a_day() -> None:
    """Slots are counted, never cut: 3 doctors, 10 days, 9:00-13:00 in 5-minute slots."""
    text = "days: 10\nslot_minutes: 5\ndoctors: [{id: a}, {id: b}, {id: c}]\n"
    size = estimate(scenario_from_text(text))
    assert size.slots == 3 * 10 * 48
    assert size.slot_fields == ("doctors (3)", "days (10)", "slot_minutes (5)")


def test_follow_ups_chain_within_the_horizon() -> None:
    """Everyone returns the next day: over 3 days a token of day 0 brings 2 more, of day 1 one."""
    followup = "{probability: 1, return_after_days: {dist: fixed, value: 1}}"
    text = f"days: 3\n{ONE_DOCTOR}demand:\n  online: {{per_day: 10}}\n  followup: {followup}\n"
    assert estimate(scenario_from_text(text)).tokens == pytest.approx(30 + 30 * (2 + 1 + 0) / 3)


def test_unbooked_patients_draw_a_time_for_every_kind_of_doctor() -> None:
    """Walk-ins are counted once per distinct consultation-time distribution in ``draws`` (a
    time for each kind of doctor they may be sent to), not once per doctor."""
    same = "doctors: [" + ", ".join(f"{{id: d{i}}}" for i in range(100)) + "]\n"
    demand = "demand: {walkin: {per_hour: 10}, online: {per_day: 7}}\n"
    assert estimate(scenario_from_text(same + demand)).draws == pytest.approx(40 * 1)
    differ = "doctors: [" + ", ".join(
        f"{{id: d{i}, consult_minutes: {{dist: fixed, value: {i % 7 + 1}}}}}" for i in range(100)
    ) + "]\n"
    assert estimate(scenario_from_text(differ + demand)).draws == pytest.approx(40 * 7)


def test_refusal_counts_every_replication() -> None:
    """The token limit holds for all replications together, the slot limit for each one."""
    size = estimate(load_scenario(SCENARIOS / "city_hospital_week.yaml"))
    assert refusal(size, 20) is None
    assert refusal(size, 200) == (
        "a run of 200 replications would make about 1,150,320 tokens (5,752 each), driven by "
        "days (5), demand.online.per_day (480), demand.walkin.per_hour (55), "
        "demand.walkin.hourly_profile (up to 1.8), demand.paid.per_day (150); the limit is "
        f"{MAX_TOKENS:,}: lower them, or pass --max-tokens 1200000 if you mean it"
    )
    assert refusal(size, 200, max_tokens=1_200_000) is None
    assert refusal(size, max_slots=2_000) is not None and size.slots < MAX_SLOTS


@pytest.mark.parametrize(("name", "text", "tokens", "fields"), TOO_BIG, ids=[t[0] for t in TOO_BIG])
def test_run_refuses_a_run_too_big(
    name: str, text: str, tokens: int, fields: list[str], tmp_path: Path
) -> None:
    """A real `opd-sim run`: exit 2 at once, one line naming the fields, nothing written."""
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    done = _opd_sim("run", "s.yaml", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"opd-sim: error: run: s.yaml: a run of 1 replication would make "
                           f"about {tokens:,} tokens, driven by ")  # fmt: skip
    assert all(field in line for field in fields) and "--max-tokens" in line
    assert done.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_max_tokens_lets_a_user_who_means_it_run(tmp_path: Path) -> None:
    """`--max-tokens` and `--max-slots` move the limits both ways, for run and compare."""
    (tmp_path / "s.yaml").write_text(ONE_DOCTOR + "demand: {walkin: {per_hour: 10}}\n")
    small = ["--max-tokens", "30", "--no-report", "--out", "out"]
    done = _opd_sim("run", "s.yaml", *small, cwd=tmp_path)
    assert done.returncode == 2 and "would make about 40 tokens" in done.stderr
    assert "pass --max-tokens 40 if you mean it" in done.stderr
    done = _opd_sim("run", "s.yaml", "--max-tokens", "40", "--no-report", "--out", "out",
                    cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = _opd_sim("run", "s.yaml", "--max-slots", "15", "--out", "out2", cwd=tmp_path)
    assert done.returncode == 2 and "would cut about 16 slots" in done.stderr
    compare = ["compare", "s.yaml", "--policy", "fifo", "--policy", "priority-bump"]
    done = _opd_sim(*compare, "--replications", "3", "--max-tokens", "100", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("opd-sim: error: compare: s.yaml: a run of 3 replications "
                                  "would make about 120 tokens (40 each)")  # fmt: skip
    for option in ("--max-tokens", "--max-slots"):
        done = _opd_sim("run", "s.yaml", option, "0", cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr == f"opd-sim: error: run: {option} must be 1 or more\n"


def test_validate_prints_the_estimate(tmp_path: Path) -> None:
    """`validate` shows tokens, slots and decisions, and warns when `run` would refuse."""
    (tmp_path / "s.yaml").write_text(TOO_BIG[0][1], encoding="utf-8")
    done = _opd_sim("validate", "s.yaml", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.splitlines()[1:] == [
        "s.yaml: estimated per replication: about 2,928,000 tokens, 58,560 slots, "
        "7,320,000 decisions",
        "s.yaml: too big to run as it is: a run of 1 replication would make about 2,928,000 "
        "tokens, driven by days (3,660), demand.walkin.per_hour (200); the limit is "
        "1,000,000: lower them, or pass --max-tokens 3000000 if you mean it",
    ]
    done = _opd_sim("validate", "s.yaml", "--json", cwd=tmp_path)
    size = json.loads(done.stdout)["estimate"]
    assert size["tokens"] == 2_928_000 and size["slots"] == 58_560
    assert size["decisions"] == 7_320_000 and size["over_limit"].startswith("a run of 1 ")
