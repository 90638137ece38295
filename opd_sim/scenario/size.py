"""How big a run of a scenario would be, estimated from its expected demand before anything runs.

A run's memory grows with its tokens (each keeps a patient, its decisions and their frame rows),
its slots, and the consultation times drawn for patients whose doctor is chosen on the day (one
for every kind of doctor, that is every distinct consultation-time distribution, so that any
doctor may see them). :func:`estimate` works these out from the
scenario's rates by arithmetic alone, in time proportional to the file, never to the run: no slot
is cut and nothing is drawn. :func:`refusal` says when a run would be too big for ``opd-sim run``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from opd_sim.limits import MAX_SLOTS, MAX_TOKENS
from opd_sim.scenario.model import (
    SOURCE_KEYS,
    Emergencies,
    Scenario,
    WalkIns,
    doctor_sessions,
    slots_per_day,
)

__all__ = [
    "DECISIONS_PER_TOKEN",
    "DRAWS_PER_TOKEN",
    "MAX_SLOTS",
    "MAX_TOKENS",
    "RunSize",
    "estimate",
    "refusal",
]

#: Consultation times that may be drawn, per token of the token limit (50,000,000 by default,
#: 8 bytes each: 100 doctors, 499,200 walk-ins and 49.9 million draws peaked at 1.7 GB).
DRAWS_PER_TOKEN = 50
#: Decisions per token: a booking decision and a final one (2.0 on the shipped scenarios), plus
#: the bumps, reallocations and promotions of a full OPD.
DECISIONS_PER_TOKEN = 2.5


@dataclass(frozen=True, slots=True)
class RunSize:
    """The expected size of one replication, and the fields that drive each figure (as
    ``field (value)``, biggest share first)."""

    tokens: float
    slots: float
    decisions: float
    draws: float  # consultation times drawn for patients whose doctor is chosen on the day
    token_fields: tuple[str, ...]
    slot_fields: tuple[str, ...]
    draw_fields: tuple[str, ...]


def estimate(scenario: Scenario) -> RunSize:
    """The expected tokens, slots, decisions and draws of one replication of ``scenario``."""
    days, demand, doctors = scenario.days, scenario.demand, len(scenario.doctors)
    unbooked: dict[str, WalkIns] = {"walkin": demand.walkin} | {
        f"on_the_day.{source}": arrivals for source, arrivals in demand.on_the_day.items()
    }
    parts: dict[str, tuple[float, str]] = {}  # field -> (expected tokens, its value as shown)
    for name, booked in (("online", demand.online), ("paid", demand.paid)):
        parts[f"demand.{name}.per_day"] = (booked.per_day * days, _num(booked.per_day))
    for name, arrivals in unbooked.items():
        per_day = arrivals.per_hour * _profile_hours(scenario, arrivals)
        parts[f"demand.{name}.per_hour"] = (per_day * days, _num(arrivals.per_hour))
    rate = demand.emergency.per_hour
    hours = _profile_hours(scenario, demand.emergency)
    parts["demand.emergency.per_hour"] = (rate * hours * days, _num(rate))
    booked_ahead = sum(appointment.count for appointment in demand.appointments)
    parts["demand.appointments"] = (booked_ahead, f"{booked_ahead:,} tokens")
    base = sum(tokens for tokens, _ in parts.values())
    followups = base * _follow_ups_per_token(scenario)
    parts["demand.followup.probability"] = (followups, _num(demand.followup.probability))

    drivers = [f"{field} ({parts[field][1]})" for field in _biggest(parts)]
    for name, arrivals in unbooked.items():  # a profile above 1 multiplies its rate
        at = next((i for i, d in enumerate(drivers) if d.startswith(f"demand.{name}.")), None)
        if at is not None and max(arrivals.hourly_profile, default=1) > 1:
            peak = _num(max(arrivals.hourly_profile))
            drivers.insert(at + 1, f"demand.{name}.hourly_profile (up to {peak})")
    over_days = [f"days ({days:,})"] if days > 1 else []
    per_doctor = f"doctors ({doctors:,})"
    kinds = _kinds_of_doctor(scenario)
    per_kind = f"kinds of doctor ({kinds:,} distinct doctors[].consult_minutes)"
    walk_ins = sum(parts[f"demand.{name}.per_hour"][0] for name in unbooked)
    tokens = base + followups
    return RunSize(
        tokens=tokens,
        slots=days * sum(
            slots_per_day(doctor_sessions(scenario, doctor), scenario.slot_minutes)
            for doctor in scenario.doctors
        ),
        decisions=tokens * DECISIONS_PER_TOKEN,
        draws=(walk_ins + followups) * kinds,
        token_fields=(*over_days, *drivers),
        slot_fields=(per_doctor, *over_days, f"slot_minutes ({_num(scenario.slot_minutes)})"),
        draw_fields=(per_kind, *over_days, *drivers),
    )


def refusal(
    size: RunSize, replications: int = 1, max_tokens: int = MAX_TOKENS, max_slots: int = MAX_SLOTS
) -> str | None:
    """Why a run of ``replications`` replications would be too big (one line), else None."""
    tokens = size.tokens * replications
    if tokens > max_tokens:
        runs = f"{replications:,} replications" if replications > 1 else "1 replication"
        each = f" ({_count(size.tokens)} each)" if replications > 1 else ""
        what = f"a run of {runs} would make about {_count(tokens)} tokens{each}"
        return _refused(what, size.token_fields, f"{max_tokens:,}", "--max-tokens", tokens)
    if size.slots > max_slots:
        what = f"a run would cut about {_count(size.slots)} slots"
        return _refused(what, size.slot_fields, f"{max_slots:,}", "--max-slots", size.slots)
    max_draws = DRAWS_PER_TOKEN * max_tokens
    if size.draws > max_draws:
        what = (f"a run would draw about {_count(size.draws)} consultation times for patients "
                "who come unbooked or return (one per kind of doctor each)")  # fmt: skip
        limit = f"{max_draws:,} ({DRAWS_PER_TOKEN} per token of --max-tokens)"
        return _refused(what, size.draw_fields, limit, "--max-tokens",
                        size.draws / DRAWS_PER_TOKEN)  # fmt: skip
    return None


def _refused(what: str, fields: tuple[str, ...], limit: str, option: str, needs: float) -> str:
    return (f"{what}, driven by {', '.join(fields)}; the limit is {limit}: lower them, or pass "
            f"{option} {_round_up(needs)} if you mean it")  # fmt: skip


def _kinds_of_doctor(scenario: Scenario) -> int:
    """The most distinct consultation-time distributions among the doctors for any one source:
    a patient whose doctor is chosen on the day draws one time for each."""
    kinds = 1
    for key in SOURCE_KEYS:
        distributions = {doctor.consult_minutes_by_source.get(key, doctor.consult_minutes)
                         for doctor in scenario.doctors}  # fmt: skip
        kinds = max(kinds, len(distributions))
    return kinds


def _profile_hours(scenario: Scenario, arrivals: WalkIns | Emergencies) -> float:
    """A day's session hours, each weighted by its ``hourly_profile`` factor, cut as the
    simulator cuts them (hours from the first session's opening; the last factor repeats)."""
    profile = arrivals.hourly_profile
    first_open = scenario.sessions[0].open
    total = 0.0
    for session in scenario.sessions:
        start = session.open
        while start < session.close:  # at most 25 hours of a day
            hour = int((start - first_open) // 60)
            if first_open + (hour + 1) * 60 <= start:  # the division rounded a whole hour down
                hour += 1
            end = min(session.close, first_open + (hour + 1) * 60)
            factor = profile[min(hour, len(profile) - 1)] if profile else 1.0
            total += factor * (end - start) / 60
            start = end
    return total


def _follow_ups_per_token(scenario: Scenario) -> float:
    """Expected follow-ups per other token: ``probability`` per generation, as many generations
    (``return_after_days`` apart, its mean, at least 1) as fit after the token's day, every day
    of the horizon equally likely."""
    followup = scenario.demand.followup
    p, days = followup.probability, scenario.days
    if p <= 0 or days < 2:
        return 0.0
    gap = max(1.0, round(followup.return_after_days.mean_value))
    total = 0.0
    for day in range(days):  # at most 3,660
        generations = int((days - 1 - day) // gap)
        total += generations if p >= 1 else p * (1 - p**generations) / (1 - p)
    return total / days


def _biggest(parts: dict[str, tuple[float, str]]) -> list[str]:
    """The fields whose tokens make up nine tenths of all, biggest first."""
    total = sum(tokens for tokens, _ in parts.values())
    chosen: list[str] = []
    covered = 0.0
    for field, (tokens, _) in sorted(parts.items(), key=lambda item: -item[1][0]):
        if tokens <= 0 or (chosen and covered >= 0.9 * total):
            break
        chosen.append(field)
        covered += tokens
    return chosen


def _count(value: float) -> str:
    """14,640,000; an astronomically large number as 1.4e+12."""
    return f"{value:,.0f}" if value < 1e15 else f"{value:.2g}"


def _round_up(value: float) -> str:
    """A round number at or above ``value`` (two significant digits), to suggest."""
    if not value < 1e18:
        return "N"
    step = 10 ** max(0, int(math.log10(max(value, 1))) - 1)
    return f"{math.ceil(value / step) * step}"


def _num(value: float) -> str:
    return f"{value:g}"
