"""Bad scenario files: each gives exactly one ``file:line:col: field: message`` line and exit 2.

Every row of ``BAD`` is a file's text, where its one problem is, the field named and a fragment of
the message. Rows marked ``SUBPROCESS`` also go through the installed ``opd-sim`` executable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pytest

from opd_sim.cli.app import main
from tests.cli import run_cli


class Bad(NamedTuple):
    name: str
    text: str | bytes | None  # None: no file; "<dir>", "<fifo>", "<dev/zero>": no regular file
    where: str  # "LINE:COL", or "" for a problem with no place in the file
    field: str
    fragment: str
    subprocess: bool = False


ONE_DOCTOR = "doctors: [{id: rao}]\n"

BAD = [
    Bad(
        "huge-walkin-rate",
        ONE_DOCTOR + "demand: {walkin: {per_hour: 100000000000}}\n",
        "2:29",
        "demand.walkin.per_hour",
        "10000",
    ),
    Bad(
        "huge-horizon",
        "days: 100000000\n" + ONE_DOCTOR,
        "1:7",
        "days",
        "3660",
    ),
    Bad(
        "huge-seats-per-slot",
        "doctors:\n  - id: a\n    seats_per_slot: 100000000000000000000000\n",
        "3:21",
        "doctors.0.seats_per_slot",
        "100000",
    ),
    Bad(
        "huge-distribution-parameter",
        "doctors:\n  - id: a\n    consult_minutes: {dist: lognormal, mean: 1e308, sd: 3}\n",
        "3:46",
        "doctors.0.consult_minutes.mean",
        "must be between -1,000,000 and 1,000,000",
    ),
    Bad(
        "alias-bomb",
        "x:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(f"  {n}: &{n} [" + ", ".join([f"*{p}"] * 10) + "]\n"
                  for p, n in zip("abcdefgh", "bcdefghi", strict=True))
        + "description: *i\n" + ONE_DOCTOR,
        "1:1",
        "yaml",
        "expands to more than 200,000 values",
    ),
    Bad(
        "infinite-reservation",
        ONE_DOCTOR + "policy: {name: reserved, params: {reserved: {WALKIN: .inf}}}\n",
        "2:34",
        "policy.params",
        "reserved seats for WALKIN must be a whole number of 0 or more, not inf",
    ),
    Bad(
        "yaml-syntax",
        "name: x\ndoctors: [\n  {id: a}\nname: y\n",
        "4:1",
        "yaml",
        "expected ',' or ']'",
        subprocess=True,
    ),
    Bad(
        "duplicate-key",
        "doctors:\n  - id: a\ndays: 1\ndays: 2\n",
        "4:1",
        "days",
        "duplicate key 'days' (first given at line 3)",
        subprocess=True,
    ),
    Bad(
        "tab-indentation",
        "doctors:\n  - id: a\n\tseats_per_slot: 2\n",
        "3:1",
        "yaml",
        "tab character in indentation",
        subprocess=True,
    ),
    Bad(
        "wrong-type",
        "days: many\n" + ONE_DOCTOR,
        "1:7",
        "days",
        "must be a whole number (got 'many')",
    ),
    Bad(
        "wrong-type-section",
        ONE_DOCTOR + "demand: 5\n",
        "2:9",
        "demand",
        "must be a mapping of fields (got 5)",
    ),
    Bad(
        "unknown-top-level-key-typo",
        ONE_DOCTOR + "polcy: fifo\n",
        "2:1",
        "polcy",
        "unknown field (did you mean 'policy'?)",
    ),
    Bad(
        "unknown-top-level-key",
        "colour: red\n" + ONE_DOCTOR,
        "1:1",
        "colour",
        "unknown field (known: name, description, seed, days,",
    ),
    Bad(
        "unknown-nested-key",
        "doctors:\n  - id: a\n    seat_per_slot: 2\n",
        "3:5",
        "doctors.0.seat_per_slot",
        "unknown field (did you mean 'seats_per_slot'?)",
    ),
    Bad(
        "missing-doctors",
        "# a clinic with nobody in it\nname: clinic\ndays: 2\n",
        "2:1",
        "doctors",
        "required field is missing",
        subprocess=True,
    ),
    Bad(
        "no-doctors",
        "doctors: []\n",
        "1:10",
        "doctors",
        "must list at least 1 item (got an empty list)",
    ),
    Bad(
        "session-closes-before-opening",
        "sessions:\n  - open: '13:00'\n    close: '09:00'\n" + ONE_DOCTOR,
        "3:12",
        "sessions.0.close",
        "the session closes at 09:00, before it opens (13:00)",
    ),
    Bad(
        "overlapping-sessions",
        "sessions:\n  - {open: '09:00', close: '12:00'}\n  - {open: '11:30', close: '14:00'}\n"
        + ONE_DOCTOR,
        "3:12",
        "sessions.1.open",
        "overlaps sessions.0, which closes at 12:00",
    ),
    Bad(
        "bad-time-string",
        "sessions:\n  - open: '9am'\n    close: '13:00'\n" + ONE_DOCTOR,
        "2:11",
        "sessions.0.open",
        "expected a time of day like '09:30' (got '9am')",
    ),
    Bad(
        "time-past-midnight",
        "sessions:\n  - open: '20:00'\n    close: '25:00'\n" + ONE_DOCTOR,
        "3:12",
        "sessions.0.close",
        "'25:00' is not a time of day",
    ),
    Bad(
        "slot-longer-than-every-session",
        "slot_minutes: 90\nsessions: [{open: '09:00', close: '10:00'}]\n" + ONE_DOCTOR,
        "1:15",
        "slot_minutes",
        "a 90-minute slot does not fit in any session (the longest lasts 60 minutes)",
    ),
    Bad(
        "negative-rate",
        ONE_DOCTOR + "demand:\n  walkin:\n    per_hour: -3\n",
        "4:15",
        "demand.walkin.per_hour",
        "must not be negative (got -3)",
        subprocess=True,
    ),
    Bad(
        "infinite-rate",
        ONE_DOCTOR + "demand:\n  emergency: {per_hour: .inf}\n",
        "3:25",
        "demand.emergency.per_hour",
        "must be a finite number (got inf)",
    ),
    Bad(
        "probability-above-one",
        ONE_DOCTOR + "no_show:\n  online:\n    probability: 1.2\n",
        "4:18",
        "no_show.online.probability",
        "must be a probability between 0 and 1 (got 1.2)",
    ),
    Bad(
        "probability-below-zero",
        ONE_DOCTOR + "demand:\n  followup: {probability: -0.1}\n",
        "3:27",
        "demand.followup.probability",
        "must be a probability between 0 and 1 (got -0.1)",
    ),
    Bad(
        "unknown-source",
        ONE_DOCTOR + "cancellation:\n  vip: {probability: 0.1}\n",
        "3:3",
        "cancellation.vip",
        "unknown source (known: emergency, paid, followup, online, walkin)",
    ),
    Bad(
        "duplicate-doctor-id",
        "doctors:\n  - id: rao\n  - id: sen\n  - id: rao\n    name: Dr Rao again\n",
        "4:9",
        "doctors.2.id",
        "doctor id 'rao' is used twice (first by doctors.0)",
        subprocess=True,
    ),
    Bad(
        "seats-below-one",
        "doctors:\n  - id: a\n    seats_per_slot: 0\n",
        "3:21",
        "doctors.0.seats_per_slot",
        "must be at least 1 (got 0)",
    ),
    Bad("empty-file", "", "1:1", "scenario", "the file is empty"),
    Bad("comments-only", "# nothing yet\n\n# still nothing\n", "1:1", "scenario", "only comments"),
    Bad(
        "top-level-list",
        "# doctors?\n- id: a\n- id: b\n",
        "2:1",
        "scenario",
        "must be a mapping of scenario fields such as 'doctors:' (got a list)",
    ),
    Bad(
        "unknown-policy",
        ONE_DOCTOR + "policy: fifoo\n",
        "2:9",
        "policy",
        "unknown policy 'fifoo' (did you mean 'fifo'?)",
    ),
    Bad(
        "unknown-policy-name-in-mapping",
        ONE_DOCTOR + "policy: {name: lottery}\n",
        "2:16",
        "policy.name",
        "unknown policy 'lottery' (known: aging, bump-cap, emergency-cap, fifo,",
    ),
    Bad(
        "unknown-policy-parameter",
        ONE_DOCTOR + "policy:\n  name: bump-cap\n  params:\n    max_bump: 2\n",
        "5:5",
        "policy.params.max_bump",
        "policy 'bump-cap' does not take max_bump (takes: max_bumps)",
    ),
    Bad(
        "bad-policy-parameter-value",
        ONE_DOCTOR + "policy:\n  name: bump-cap\n  params: {max_bumps: -1}\n",
        "4:11",
        "policy.params",
        "max_bumps must be a whole number of 0 or more, not -1",
    ),
    Bad(
        "fractional-policy-parameter",
        ONE_DOCTOR + "policy:\n  name: emergency-cap\n  params: {max_overbook: 1.5}\n",
        "4:11",
        "policy.params",
        "max_overbook must be a whole number of 0 or more, not 1.5",
    ),
    Bad(
        "unknown-distribution",
        "doctors:\n  - id: a\n    consult_minutes: {dist: pareto, mean: 8}\n",
        "3:29",
        "doctors.0.consult_minutes.dist",
        "unknown distribution 'pareto' (known: empirical, erlang, exponential, fixed, gamma, "
        "lognormal, normal, triangular, uniform, weibull)",
    ),
    Bad(
        "distribution-without-kind",
        "doctors:\n  - id: a\n    consult_minutes: {mean: 8}\n",
        "3:22",
        "doctors.0.consult_minutes.dist",
        "missing: say which distribution",
    ),
    Bad(
        "lognormal-negative-sd",
        "doctors:\n  - id: a\n    consult_minutes:\n      dist: lognormal\n      mean: 8\n"
        "      sd: -2\n",
        "6:11",
        "doctors.0.consult_minutes.sd",
        "must be greater than 0 (got -2)",
    ),
    Bad(
        "distribution-unknown-parameter",
        "doctors:\n  - id: a\n    consult_minutes: {dist: lognormal, mean: 8, sd: 2, shape: 1}\n",
        "3:56",
        "doctors.0.consult_minutes.shape",
        "unknown field (known: dist, mean, sd)",
    ),
    Bad(
        "negative-consultation",
        "doctors:\n  - id: a\n    consult_minutes: {dist: fixed, value: -5}\n",
        "3:43",
        "doctors.0.consult_minutes.value",
        "this distribution would draw negative durations",
    ),
    Bad(
        "empirical-weights-mismatched",
        "doctors:\n  - id: a\n    consult_minutes:\n      dist: empirical\n"
        "      values: [5, 10, 15]\n      weights: [1, 2]\n",
        "6:16",
        "doctors.0.consult_minutes.weights",
        "2 weights for 3 values; give one weight per value",
    ),
    Bad(
        "uniform-upside-down",
        ONE_DOCTOR
        + "demand:\n  online: {per_day: 5, lead_days: {dist: uniform, low: 7, high: 2}}\n",
        "3:65",
        "demand.online.lead_days.high",
        "must not be below low (7)",
    ),
    Bad(
        "gamma-sd-zero",
        "doctors:\n  - id: a\n    consult_minutes: {dist: gamma, mean: 8, sd: 0}\n",
        "3:49",
        "doctors.0.consult_minutes.sd",
        "must be greater than 0 (got 0)",
    ),
    Bad(
        "gamma-too-wide",
        "doctors:\n  - id: a\n    consult_minutes: {dist: gamma, mean: 0.5, sd: 6}\n",
        "3:51",
        "doctors.0.consult_minutes.sd",
        "must be at most 10 times the mean (got 12 times): wider, its shape is below 0.01",
        subprocess=True,
    ),
    Bad(
        "erlang-no-phases",
        "doctors:\n  - id: a\n    consult_minutes: {dist: erlang, k: 0, mean: 8}\n",
        "3:40",
        "doctors.0.consult_minutes.k",
        "must be at least 1 (got 0)",
    ),
    Bad(
        "erlang-fractional-phases",
        "doctors:\n  - id: a\n    consult_minutes:\n      dist: erlang\n      k: 2.5\n"
        "      mean: 8\n",
        "5:10",
        "doctors.0.consult_minutes.k",
        "must be a whole number (got 2.5)",
    ),
    Bad(
        "erlang-too-many-phases",
        ONE_DOCTOR
        + "demand:\n  online: {per_day: 5, lead_days: {dist: erlang, k: 5000, mean: 3}}\n",
        "3:53",
        "demand.online.lead_days.k",
        "must be at most 1,000 (got 5000): at 1,000 phases the sd is already 3 % of the mean",
    ),
    Bad(
        "weibull-shape-zero",
        "doctors:\n  - id: a\n    consult_minutes: {dist: weibull, shape: 0, scale: 8}\n",
        "3:45",
        "doctors.0.consult_minutes.shape",
        "must be at least 0.1 (got 0): smaller, the mean rests on a handful of",
    ),
    Bad(
        "weibull-scale-negative",
        "doctors:\n  - id: a\n    consult_minutes: {dist: weibull, shape: 1.5, scale: -8}\n",
        "3:57",
        "doctors.0.consult_minutes.scale",
        "must be greater than 0 (got -8)",
    ),
    Bad(
        "triangular-mode-outside",
        "doctors:\n  - id: a\n    consult_minutes: {dist: triangular, low: 2, mode: 9, high: 8}\n",
        "3:55",
        "doctors.0.consult_minutes.mode",
        "must lie between low (2) and high (8) (got 9)",
        subprocess=True,
    ),
    Bad(
        "triangular-mode-below-low",
        ONE_DOCTOR + "punctuality_minutes: {dist: triangular, low: -10, mode: -20, high: 5}\n",
        "2:57",
        "punctuality_minutes.mode",
        "must lie between low (-10) and high (5) (got -20)",
    ),
    Bad(
        "triangular-without-width",
        "doctors:\n  - id: a\n    consult_minutes:\n      dist: triangular\n"
        "      low: 5\n      mode: 5\n      high: 5\n",
        "7:13",
        "doctors.0.consult_minutes.high",
        "must be above low (5); for one value use `fixed`",
    ),
    Bad(
        "triangular-negative-consultation",
        "doctors:\n  - id: a\n    consult_minutes: {dist: triangular, low: -2, mode: 5, high: 8}\n",
        "3:46",
        "doctors.0.consult_minutes.low",
        "this distribution would draw negative durations",
    ),
    Bad(
        "consult-by-unknown-source",
        "doctors:\n  - id: a\n    consult_minutes_by_source:\n      vip: {dist: fixed, value: 3}\n",
        "4:7",
        "doctors.0.consult_minutes_by_source.vip",
        "unknown source (known: emergency, paid, followup, online, walkin)",
    ),
    Bad(
        "service-order-typo",
        ONE_DOCTOR + "service_order: arival\n",
        "2:16",
        "service_order",
        "must be one of token, priority, arrival (got 'arival'); did you mean 'arrival'?",
    ),
    Bad(
        "unreadable-tagged-value",
        ONE_DOCTOR + "days: !!int two\n",
        "2:7",
        "days",
        "cannot read 'two' as int",
    ),
    Bad(
        "impossible-date",
        ONE_DOCTOR + "description: 2024-13-45\n",
        "2:14",
        "description",
        "cannot read '2024-13-45' as timestamp: month must be in 1..12",
    ),
    Bad("null-document", "# TODO\n~\n", "1:1", "scenario", "the file holds no scenario"),
    Bad("nested-too-deeply", "a: " + "[" * 3000 + "]" * 3000 + "\n", "1:1", "yaml", "too deeply"),
    Bad(
        "two-documents",
        ONE_DOCTOR + "---\n" + ONE_DOCTOR,
        "2:1",
        "yaml",
        "expected a single document",
    ),
    Bad("not-utf8", b"name: caf\xe9\n" + ONE_DOCTOR.encode(), "1:10", "file", "not valid UTF-8"),
    Bad("non-existent-file", None, "", "file", "no such file", subprocess=True),
    Bad("a-directory", "<dir>", "", "file", "is a directory"),
    Bad(
        "slots-of-a-nanosecond",
        ONE_DOCTOR + "slot_minutes: 1e-9\n",
        "2:15",
        "slot_minutes",
        "cuts a day's sessions into 240,000,000,000 slots; at most 10,000",
        subprocess=True,
    ),
    Bad(
        "slots-of-the-smallest-float",
        ONE_DOCTOR + "slot_minutes: 5e-324\n",
        "2:15",
        "slot_minutes",
        "cuts a day's sessions into more than 10^15 slots; at most 10,000",
    ),
    Bad(
        "lognormal-too-wide",
        "doctors:\n  - id: a\n    consult_minutes: {dist: lognormal, mean: 1e-300, sd: 1000000}\n",
        "3:58",
        "doctors.0.consult_minutes.sd",
        "must be at most 1,000 times the mean (got 1e+306 times)",
        subprocess=True,
    ),
    Bad(
        "lognormal-spread-past-any-float",
        ONE_DOCTOR + "punctuality_minutes: {dist: lognormal, mean: 5e-324, sd: 2}\n",
        "2:58",
        "punctuality_minutes.sd",
        "must be at most 1,000 times the mean (got more than 1e308 times)",
    ),
    Bad(
        "appointment-booked-past-2700-years-ahead",
        ONE_DOCTOR + "demand:\n  appointments: [{doctor: rao, time: '09:00', lead_days: 1e308}]\n",
        "3:58",
        "demand.appointments.0.lead_days",
        "must be at most 1e+06 (got 1e+308)",
    ),
    Bad(
        "no-show-per-lead-day-past-every-bound",
        ONE_DOCTOR + "no_show: {online: {per_lead_day: 1e308}}\n",
        "2:34",
        "no_show.online.per_lead_day",
        "must be at most 1e+06 (got 1e+308)",
    ),
    Bad(
        "seed-of-5000-digits",
        ONE_DOCTOR + "seed: " + "9" * 5000 + "\n",
        "2:7",
        "seed",
        "cannot read '9999999999999999999999999999999999999...' as int: Exceeds the limit",
    ),
    Bad("a-named-pipe", "<fifo>", "", "file", "is a pipe, not a regular file", subprocess=True),
    Bad(
        "dev-zero",
        "<dev/zero>",
        "",
        "file",
        "is a character device, not a regular file",
        subprocess=True,
    ),
    Bad(
        "larger-than-1-mib",
        ONE_DOCTOR + "# a comment, a few bytes of it\n" * 40_000,
        "",
        "file",
        "is 1,240,021 bytes; a scenario file is at most 1,048,576 bytes (1 MiB)",
        subprocess=True,
    ),
    # realistic OPD days: rosters, lateness, patience, waitlist expiry, profiles, punctuality
    Bad(
        "roster-sessions-overlap",
        "doctors:\n  - id: a\n    sessions:\n      - {open: '09:00', close: '12:00'}\n"
        "      - {open: '11:00', close: '13:00'}\n",
        "5:16",
        "doctors.0.sessions.1.open",
        "overlaps sessions.0, which closes at 12:00",
    ),
    Bad(
        "roster-empty",
        "doctors:\n  - id: a\n    sessions: []\n",
        "3:15",
        "doctors.0.sessions",
        "at least 1 item",
    ),
    Bad(
        "roster-too-short-for-a-slot",
        "slot_minutes: 30\ndoctors:\n  - id: a\n  - id: b\n"
        "    sessions: [{open: '09:00', close: '09:20'}]\n",
        "5:15",
        "doctors.1.sessions",
        "a 30-minute slot does not fit in any of the doctor's sessions (the longest lasts 20",
        subprocess=True,
    ),
    Bad(
        "roster-closes-before-opening",
        "doctors:\n  - id: a\n    sessions: [{open: '12:00', close: '11:00'}]\n",
        "3:39",
        "doctors.0.sessions.0.close",
        "closes at 11:00, before it opens",
    ),
    Bad(
        "appointment-outside-the-roster",
        "doctors:\n  - id: a\n    sessions: [{open: '10:00', close: '11:00'}]\n"
        "demand:\n  appointments: [{doctor: a, time: '09:00'}]\n",
        "5:36",
        "demand.appointments.0.time",
        "no slot of doctor 'a' starts at 09:00",
    ),
    Bad(
        "late-minutes-negative",
        "doctors:\n  - id: a\n    late_minutes: {dist: uniform, low: -5, high: 5}\n",
        "3:40",
        "doctors.0.late_minutes.low",
        "would draw negative durations",
    ),
    Bad(
        "late-minutes-not-a-distribution",
        "doctors:\n  - id: a\n    late_minutes: 20\n",
        "3:19",
        "doctors.0.late_minutes",
        "must be a distribution",
        subprocess=True,
    ),
    Bad(
        "patience-unknown-source",
        ONE_DOCTOR + "patience_minutes: {walk_in: {dist: fixed, value: 30}}\n",
        "2:20",
        "patience_minutes.walk_in",
        "unknown source (did you mean 'walkin'?)",
    ),
    Bad(
        "patience-negative",
        ONE_DOCTOR + "patience_minutes: {walkin: {dist: normal, mean: 30, sd: 10, min: null}}\n",
        "2:66",
        "patience_minutes.walkin.min",
        "would draw negative durations",
    ),
    Bad(
        "expiry-zero",
        ONE_DOCTOR + "waitlist_expiry_minutes: 0\n",
        "2:26",
        "waitlist_expiry_minutes",
        "must be greater than 0 (got 0)",
        subprocess=True,
    ),
    Bad(
        "expiry-by-source-negative",
        ONE_DOCTOR + "waitlist_expiry_minutes: {walkin: 30, online: -1}\n",
        "2:47",
        "waitlist_expiry_minutes.online",
        "must be greater than 0 (got -1)",
    ),
    Bad(
        "expiry-unknown-source",
        ONE_DOCTOR + "waitlist_expiry_minutes: {everyone: 30}\n",
        "2:27",
        "waitlist_expiry_minutes.everyone",
        "unknown source (known: emergency, paid, followup, online, walkin)",
    ),
    Bad(
        "expiry-text",
        ONE_DOCTOR + "waitlist_expiry_minutes: an hour\n",
        "2:26",
        "waitlist_expiry_minutes",
        "must be a number",
    ),
    Bad(
        "punctuality-walkin",
        ONE_DOCTOR + "punctuality_minutes: {walkin: {dist: fixed, value: 0}}\n",
        "2:23",
        "punctuality_minutes.walkin",
        "unknown source (known: paid, followup, online)",
    ),
    Bad(
        "punctuality-by-source-bad-sd",
        ONE_DOCTOR + "punctuality_minutes: {online: {dist: normal, mean: -5, sd: -1}}\n",
        "2:60",
        "punctuality_minutes.online.sd",
        "must not be negative (got -1)",
    ),
    Bad(
        "punctuality-one-bad-sd",
        ONE_DOCTOR + "punctuality_minutes: {dist: normal, mean: -5, sd: -1}\n",
        "2:51",
        "punctuality_minutes.sd",
        "must not be negative (got -1)",
    ),
    Bad(
        "emergency-profile-negative",
        ONE_DOCTOR + "demand: {emergency: {per_hour: 1, hourly_profile: [1, -1]}}\n",
        "2:55",
        "demand.emergency.hourly_profile.1",
        "must not be negative (got -1)",
    ),

]


def _write(folder: Path, bad: Bad) -> str:
    """Put ``bad``'s file in ``folder`` and return the name to pass to ``opd-sim validate``."""
    name = "scen.yaml"
    if bad.text == "<dir>":
        (folder / name).mkdir()
    elif bad.text == "<fifo>":  # nobody writes to it: opening it to read would wait for ever
        os.mkfifo(folder / name)
    elif bad.text == "<dev/zero>":  # endless: reading it all would fill the memory
        (folder / name).symlink_to("/dev/zero")
    elif isinstance(bad.text, bytes):
        (folder / name).write_bytes(bad.text)
    elif bad.text is not None:
        (folder / name).write_text(bad.text, encoding="utf-8")
    return name


def _expected(bad: Bad, name: str) -> str:
    where = f"{name}:{bad.where}" if bad.where else name
    return f"opd-sim: error: {where}: {bad.field}: "


def _check(bad: Bad, name: str, code: int, out: str, err: str) -> None:
    lines = err.splitlines()
    assert code == 2, err
    assert "Traceback" not in err and "Traceback" not in out
    assert len(lines) == 1, f"expected one problem, got:\n{err}"
    assert lines[0].startswith(_expected(bad, name)), lines[0]
    assert bad.fragment in lines[0], lines[0]
    assert out == ""


def test_the_table_is_big_enough() -> None:
    """At least 20 bad files, at least 5 of them run through the real executable."""
    assert len(BAD) >= 20
    assert sum(bad.subprocess for bad in BAD) >= 5
    assert len({bad.name for bad in BAD}) == len(BAD)


@pytest.mark.parametrize("bad", BAD, ids=[bad.name for bad in BAD])
def test_bad_file_in_process(
    bad: Bad, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line naming file:line:col, the field and what is wrong; exit 2; no traceback."""
    monkeypatch.chdir(tmp_path)
    name = _write(tmp_path, bad)
    code = main(["validate", name])
    captured = capsys.readouterr()
    _check(bad, name, code, captured.out, captured.err)


SUBPROCESS = [bad for bad in BAD if bad.subprocess]


@pytest.mark.parametrize("bad", SUBPROCESS, ids=[bad.name for bad in SUBPROCESS])
def test_bad_file_through_the_executable(bad: Bad, tmp_path: Path) -> None:
    """The installed ``opd-sim validate`` prints the same single line and exits 2."""
    name = _write(tmp_path, bad)
    # the timeout: a file that hangs the reader fails here rather than hanging the suite
    result = run_cli("validate", name, cwd=tmp_path, timeout=60)
    _check(bad, name, result.code, result.out, result.err)


def test_every_problem_is_reported_in_file_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with several mistakes lists them all, one line each, top to bottom."""
    path = tmp_path / "many.yaml"
    path.write_text(
        "name: x\n"
        "colour: red\n"
        "days: 0\n"
        "doctors:\n"
        "  - id: a\n"
        "    seats_per_slot: 0\n"
        "demand:\n"
        "  walkin: {per_hour: -1}\n"
        "no_show:\n"
        "  walkin: {probability: 2}\n",
        encoding="utf-8",
    )
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        f"opd-sim: error: {path}:2:1: colour: unknown field (known: name, description, seed, "
        "days, sessions, slot_minutes, doctors, demand, cancellation, no_show, "
        "punctuality_minutes, patience_minutes, waitlist_expiry_minutes, service_order, policy, "
        "steady_state)",
        f"opd-sim: error: {path}:3:7: days: must be at least 1 (got 0)",
        f"opd-sim: error: {path}:6:21: doctors.0.seats_per_slot: must be at least 1 (got 0)",
        f"opd-sim: error: {path}:8:22: demand.walkin.per_hour: must not be negative (got -1)",
        f"opd-sim: error: {path}:10:25: no_show.walkin.probability: "
        "must be a probability between 0 and 1 (got 2)",
    ]


def test_every_tab_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each tab the YAML scanner trips over gets its own line, indentation or not."""
    path = tmp_path / "tabs.yaml"
    path.write_text("doctors:\n\t- id: a\nname: x\ndays:\t1\nsessions:\n\t- {open: 1}\n")
    code = main(["validate", str(path)])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2
    assert lines == [
        f"opd-sim: error: {path}:2:1: yaml: tab character in indentation; YAML indents with "
        "spaces only",
        f"opd-sim: error: {path}:4:6: yaml: tab character; YAML separates with spaces here",
        f"opd-sim: error: {path}:6:1: yaml: tab character in indentation; YAML indents with "
        "spaces only",
    ]


def test_json_lists_the_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --json, stdout holds {"ok": false, "problems": [...]} and stderr the usual lines."""
    import json

    path = tmp_path / "bad.yaml"
    path.write_text("doctors:\n  - id: a\n  - id: a\n", encoding="utf-8")
    code = main(["validate", str(path), "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert json.loads(captured.out) == {
        "ok": False,
        "file": str(path),
        "problems": [
            {
                "file": str(path),
                "line": 3,
                "column": 9,
                "field": "doctors.1.id",
                "message": "doctor id 'a' is used twice (first by doctors.0)",
                "text": f"{path}:3:9: doctors.1.id: "
                "doctor id 'a' is used twice (first by doctors.0)",
            }
        ],
    }
    assert captured.err.startswith(f"opd-sim: error: {path}:3:9: doctors.1.id: ")


def test_checks_across_items_do_not_wait_for_every_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A doctor id used twice and overlapping sessions are reported next to a broken item."""
    path = tmp_path / "mixed.yaml"
    path.write_text(
        "sessions:\n"
        "  - {open: '09:00', close: '12:00'}\n"
        "  - {open: '25:00', close: '26:00'}\n"
        "  - {open: '11:00', close: '13:00'}\n"
        "doctors:\n"
        "  - id: rao\n"
        "  - id: sen\n"
        "    seats_per_slot: 0\n"
        "  - id: rao\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    fields = [line.split(": ")[3] for line in capsys.readouterr().err.splitlines()]
    assert fields == [
        "sessions.1.open",
        "sessions.1.close",
        "sessions.2.open",
        "doctors.1.seats_per_slot",
        "doctors.2.id",
    ]


def test_a_session_inside_a_long_one_overlaps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Overlap is checked against every earlier session, not only the one just before."""
    path = tmp_path / "inside.yaml"
    path.write_text(
        "sessions:\n"
        "  - {open: '12:00', close: '13:00'}\n"
        "  - {open: '09:00', close: '17:00'}\n"
        "  - {open: '10:00', close: '11:00'}\n"
        "doctors: [{id: a}]\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"opd-sim: error: {path}:2:12: sessions.0.open: overlaps sessions.1, which closes at 17:00",
        f"opd-sim: error: {path}:4:12: sessions.2.open: overlaps sessions.1, which closes at 17:00",
    ]


def test_json_for_a_missing_file_has_no_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that is not there has no line or column, in JSON as null."""
    import json

    monkeypatch.chdir(tmp_path)
    assert main(["validate", "nope.yaml", "--json"]) == 2
    captured = capsys.readouterr()
    (problem,) = json.loads(captured.out)["problems"]
    assert problem["line"] is None and problem["column"] is None
    assert problem["text"] == "nope.yaml: file: no such file"
    assert captured.err == "opd-sim: error: nope.yaml: file: no such file\n"
