"""A scenario in a few facts: what ``opd-sim validate`` says about a file that is fine."""

from __future__ import annotations

from typing import Any

from opd_sim.engine.vocabulary import Source
from opd_sim.scenario.model import Scenario, source_key
from opd_sim.scenario.size import estimate, refusal

__all__ = ["demand_sources", "describe"]


def demand_sources(scenario: Scenario) -> list[str]:
    """The sources that will produce tokens, by engine name, in priority order."""
    demand = scenario.demand
    unbooked = {key for key, rate in demand.on_the_day.items() if rate.per_hour > 0}
    scheduled = {source_key(Source[b.source]) for b in demand.appointments}
    booked = unbooked | scheduled
    rates = {
        Source.EMERGENCY: demand.emergency.per_hour,
        Source.PAID: demand.paid.per_day,
        Source.FOLLOWUP: demand.followup.probability,
        Source.ONLINE: demand.online.per_day,
        Source.WALKIN: demand.walkin.per_hour,
    }
    return [source.name for source, rate in rates.items()
            if rate > 0 or source_key(source) in booked]  # fmt: skip


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
