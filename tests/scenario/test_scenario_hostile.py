"""Hostile scenario files through the real ``opd-sim validate`` and ``opd-sim run``, each process
held to 2 GiB of address space and 60 CPU seconds: every one ends with exit 0, or exit 2 and one
line per problem; never exit 1, a traceback, a warning, or death by a signal."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow  # about a minute of processes, spread over the xdist workers

MEMORY_BYTES = 2 << 30  # RLIMIT_AS: a run past it fails to allocate, and would exit 1
CPU_SECONDS = 60  # RLIMIT_CPU: a run past it is killed by SIGXCPU
ONE_DOCTOR = "doctors: [{id: rao}]\n"


class Hostile(NamedTuple):
    name: str
    text: str | bytes
    validate: int  # the exit code expected of `opd-sim validate`
    run: int  # ... and of `opd-sim run`


def _doctors(n: int, extra: str = "") -> str:
    return "doctors: [" + ", ".join(f"{{id: d{i}{extra}}}" for i in range(n)) + "]\n"


HOSTILE = [
    Hostile("slots-of-a-nanosecond", ONE_DOCTOR + "slot_minutes: 1e-9\n", 2, 2),
    Hostile("slots-of-the-smallest-float", ONE_DOCTOR + "slot_minutes: 5e-324\n", 2, 2),
    Hostile("ten-thousand-and-one-slots-a-day", ONE_DOCTOR + "slot_minutes: 0.02399\n", 2, 2),
    Hostile("ten-thousand-slots-a-day", ONE_DOCTOR + "slot_minutes: 0.024\n"
            "demand: {walkin: {per_hour: 20}}\n", 0, 0),
    Hostile("ten-years-of-walk-ins",
            "days: 3660\n" + ONE_DOCTOR + "demand: {walkin: {per_hour: 200}}\n", 0, 2),
    Hostile("appointments-of-ten-thousand", ONE_DOCTOR + "demand:\n  appointments:\n"
            + "    - {doctor: rao, time: '09:00', count: 10000}\n" * 2000, 0, 2),
    Hostile("a-thousandfold-rush", ONE_DOCTOR + "demand:\n  walkin: {per_hour: 10000, "
            "hourly_profile: [1000]}\n", 0, 2),
    # every doctor a kind of its own: a walk-in draws a consultation time for each
    Hostile("walk-ins-for-every-doctor-of-many",
            "doctors: [" + ", ".join(f"{{id: d{i}, consult_minutes: {{dist: fixed, value: "
                                     f"{1 + i / 1000}}}}}" for i in range(2_000)) + "]\n"
            + "demand: {walkin: {per_hour: 10000}}\n", 0, 2),
    # the same doctors all alike: one time a walk-in, so the run goes ahead (and ends)
    Hostile("walk-ins-for-many-alike-doctors",
            _doctors(2_000) + "demand: {walkin: {per_hour: 10000}}\n", 0, 0),
    Hostile("lognormal-past-any-float", "doctors:\n  - id: a\n    consult_minutes: "
            "{dist: lognormal, mean: 1e-300, sd: 1000000}\n", 2, 2),
    Hostile("numbers-past-every-bound", "days: 1e308\nseed: -1\nslot_minutes: .inf\n" + ONE_DOCTOR
            + "demand: {walkin: {per_hour: 1e308}, online: {per_day: 1e20}}\n", 2, 2),
    Hostile("a-profile-of-five-thousand-hours", ONE_DOCTOR + "demand: {walkin: {per_hour: 1, "
            "hourly_profile: [" + ", ".join(["1000"] * 5_000) + "]}}\n", 0, 0),
    Hostile("nested-ten-thousand-deep",
            ONE_DOCTOR + "sessions: " + "[" * 10_000 + "]" * 10_000 + "\n", 2, 2),
    Hostile("alias-bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [" + ", ".join([f"*{p}"] * 10) + "]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)) + ONE_DOCTOR, 2, 2),
    Hostile("more-than-a-mebibyte", ONE_DOCTOR + "# padding\n" * 110_000, 2, 2),
    Hostile("binary", bytes(range(256)) * 4, 2, 2),
    Hostile("doctors-who-cannot-keep-up", "doctors: [{id: rao, seats_per_slot: null}]\n"
            "demand: {walkin: {per_hour: 10000}}\n", 0, 0),
    Hostile("an-opening-at-a-fraction-of-a-minute",
            "sessions: [{open: 63.6988748111864, close: 400}]\n" + ONE_DOCTOR
            + "demand: {walkin: {per_hour: 5}}\n", 0, 0),
    Hostile("a-session-every-minute", "sessions: [" + ", ".join(
        f"{{open: {m}, close: {m + 0.2}}}" for m in range(0, 1440, 1)) + "]\n" + "slot_minutes: "
        "0.2\n" + ONE_DOCTOR + "demand: {walkin: {per_hour: 30}, emergency: {per_hour: 1}}\n",
        0, 0),
    Hostile("far-future-and-far-past", ONE_DOCTOR + "demand:\n"
            "  online: {per_day: 20, lead_days: {dist: fixed, value: 1000000}}\n"
            "  followup: {probability: 1, return_after_days: {dist: fixed, value: 1000000}}\n"
            "  appointments: [{doctor: rao, time: '09:00', lead_days: 1000000}]\n"
            "no_show: {online: {per_lead_day: 1000000, declare_after_minutes: 1e300}}\n"
            "cancellation: {paid: {probability: 1, before_minutes: {dist: fixed, value: 1e6}}}\n"
            "punctuality_minutes: {dist: normal, mean: -1000000, sd: 1000000, min: null}\n"
            "steady_state: {warmup_minutes: 1e300, cooldown_minutes: 1e300}\n", 0, 0),
    Hostile("the-smallest-numbers", "doctors:\n  - id: rao\n    consult_minutes: {dist: "
            "exponential, mean: 5e-324}\n    consult_minutes_by_source:\n      WALKIN: {dist: "
            "lognormal, mean: 5e-324, sd: 5e-324}\n      ONLINE: {dist: empirical, values: [0, 1],"
            " weights: [5e-324, 1e-323]}\ndemand: {walkin: {per_hour: 5e-324}, online: "
            "{per_day: 5}, emergency: {per_hour: 1e-300}}\n", 0, 0),
    Hostile("a-seed-of-4000-digits", ONE_DOCTOR + "seed: " + "9" * 4000 + "\n", 0, 0),
    Hostile("a-seed-of-5000-digits", ONE_DOCTOR + "seed: " + "9" * 5000 + "\n", 2, 2),
    Hostile("overbooking-for-ever", ONE_DOCTOR + "demand: {online: {per_day: 50}}\npolicy: "
            "{name: noshow-overbook, params: {no_show_rate: 0.9999999999}}\n", 0, 0),
]  # fmt: skip


def _limits() -> None:
    """In the child, before exec: the ceilings no scenario file may break through."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _opd_sim(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opd_sim", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        preexec_fn=_limits,
        timeout=4 * CPU_SECONDS,  # a process blocked (not using CPU) fails here, not for ever
        check=False,
    )


def _ends_cleanly(done: subprocess.CompletedProcess[str], expected: int | None) -> None:
    """Exit 0 quietly, or exit 2 with nothing but ``opd-sim: error:`` lines; ``expected`` if
    given."""
    assert done.returncode >= 0, f"killed by signal {-done.returncode}: {done.stderr[-500:]}"
    assert done.returncode in (0, 2), done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr[-2000:]
    if done.returncode == 0:
        assert done.stderr == ""
    else:
        lines = done.stderr.splitlines()  # one a problem: the file's, or one saying it is too big
        assert lines and all(line.startswith("opd-sim: error: ") for line in lines), lines
    if expected is not None:
        assert done.returncode == expected, done.stderr[-2000:]


def _write(folder: Path, text: str | bytes) -> str:
    path = folder / "hostile.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path.name


@pytest.mark.parametrize("case", HOSTILE, ids=[case.name for case in HOSTILE])
def test_a_hostile_file_ends_cleanly(case: Hostile, tmp_path: Path) -> None:
    """`validate` then `run` (report included), each within 2 GiB and 60 CPU seconds."""
    name = _write(tmp_path, case.text)
    _ends_cleanly(_opd_sim(tmp_path, "validate", name), case.validate)
    done = _opd_sim(tmp_path, "run", name, "--out", "out")
    _ends_cleanly(done, case.run)
    if case.run == 2:  # refused before anything was written
        assert not (tmp_path / "out").exists()


NASTY = st.sampled_from([
    0, 5e-324, 1e-300, 1e-9, 0.024, 0.5, 1, 7, 59.99999999999999, 1000, 10_000, 10_001, 1e6,
    1_000_001, 1e15, 1e308, -1, -1e-300, 2**63, ".inf", ".nan", "'x'", "[]", "{}", "null",
])  # fmt: skip


@st.composite
def nasty_files(draw: st.DrawFn) -> str:
    """A scenario whose every number is drawn from the edges: tiny, huge, negative, not one."""
    n = draw(NASTY)
    lines = [
        f"days: {draw(st.sampled_from([1, 2, 3660, 3661]))}",
        f"slot_minutes: {draw(NASTY)}",
        f"sessions: [{{open: {draw(NASTY)}, close: {draw(NASTY)}}}]",
        f"doctors: [{{id: a, seats_per_slot: {draw(NASTY)}, consult_minutes: {{dist: "
        f"{draw(st.sampled_from(['lognormal', 'gamma', 'normal', 'uniform']))}, "
        f"mean: {draw(NASTY)}, sd: {draw(NASTY)}}}}}]",
        "demand:",
        f"  walkin: {{per_hour: {draw(NASTY)}, hourly_profile: [{draw(NASTY)}, {n}]}}",
        f"  online: {{per_day: {draw(NASTY)}, lead_days: {{dist: exponential, mean: {n}}}}}",
        f"  emergency: {{per_hour: {draw(NASTY)}}}",
        f"  followup: {{probability: {draw(NASTY)}}}",
        f"  appointments: [{{doctor: a, time: {draw(NASTY)}, count: {draw(NASTY)}}}]",
        f"no_show: {{online: {{probability: 0.5, per_lead_day: {draw(NASTY)}}}}}",
    ]
    return "\n".join(lines) + "\n"


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(nasty_files())
def test_a_file_of_edge_numbers_ends_cleanly(tmp_path: Path, text: str) -> None:
    """Numbers at and past every edge, in every field at once: validate and run end cleanly."""
    name = _write(tmp_path, text)
    _ends_cleanly(_opd_sim(tmp_path, "validate", name), None)
    _ends_cleanly(_opd_sim(tmp_path, "run", name, "--no-report", "--out", "out"), None)
