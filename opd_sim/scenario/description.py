"""A scenario in a few facts: what ``opd-sim validate`` says about a file that is fine."""

from __future__ import annotations

from typing import Any

from opd_sim.scenario.model import Scenario
from opd_sim.scenario.size import estimate, refusal

__all__ = ["demand_sources", "describe"]


def demand_sources(scenario: Scenario) -> list[str]:
    """The sources that will produce tokens, by engine name, in priority order."""
    demand = scenario.demand
    unbooked = {source.upper() for source, rate in demand.on_the_day.items() if rate.per_hour > 0}
    booked = unbooked | {appointment.source for appointment in demand.appointments}
    active = {
        "EMERGENCY": demand.emergency.per_hour > 0,
        "PAID": demand.paid.per_day > 0 or "PAID" in booked,
        "FOLLOWUP": demand.followup.probability > 0 or "FOLLOWUP" in booked,
        "ONLINE": demand.online.per_day > 0 or "ONLINE" in booked,
        "WALKIN": demand.walkin.per_hour > 0,
    }
    return [source for source, on in active.items() if on]


def describe(scenario: Scenario) -> dict[str, Any]:
    """Name, days, doctors, sessions, slot length, policy, the sources with demand, and the
    estimated size of a replication (with why ``opd-sim run`` would refuse it, if it would)."""
    size = estimate(scenario)
    return {
        "name": scenario.name,
        "days": scenario.days,
        "doctors": len(scenario.doctors),
        "sessions": len(scenario.sessions),
        "slot_minutes": scenario.slot_minutes,
        "policy": scenario.policy.name,
        "sources": demand_sources(scenario),
        "estimate": {
            "tokens": round(size.tokens),
            "slots": round(size.slots),
            "decisions": round(size.decisions),
            "draws": round(size.draws),
            "over_limit": refusal(size),
        },
    }
