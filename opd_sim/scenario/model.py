"""A scenario: one hospital OPD described as frozen, validated data (pydantic v2).

Times of day are "HH:MM" strings turned into minutes after midnight; durations are in minutes
unless the name says days or hours. Every model forbids unknown keys.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from opd_sim.scenario.distributions import Distribution, Exponential, Normal, Uniform

__all__ = [
    "AdvanceBookings",
    "Cancellation",
    "Demand",
    "Doctor",
    "Emergencies",
    "FollowUps",
    "NoShow",
    "PolicyChoice",
    "Scenario",
    "Session",
    "SteadyState",
    "WalkIns",
]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
SOURCE_KEYS = ("emergency", "paid", "followup", "online", "walkin")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _minutes(value: Any) -> Any:
    """'09:30' -> 570; numbers pass through as minutes after midnight."""
    if isinstance(value, str):
        hours, sep, minutes = value.partition(":")
        if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
            raise ValueError(f"expected a time of day like '09:30', got {value!r}")
        if int(hours) > 24 or int(minutes) > 59:
            raise ValueError(f"{value!r} is not a time of day")
        return int(hours) * 60 + int(minutes)
    return value


class Session(_Model):
    """One OPD window of a day: slots are cut from ``open`` to ``close``."""

    open: float = Field(ge=0, le=24 * 60)
    close: float = Field(ge=0, le=24 * 60)

    _times = field_validator("open", "close", mode="before")(_minutes)

    @model_validator(mode="after")
    def _closes_after_opening(self) -> Session:
        if not self.close > self.open:
            raise ValueError("the session closes before it opens")
        return self


class Doctor(_Model):
    """A doctor: seats per slot and consultation times (optionally per source)."""

    id: str = Field(min_length=1)
    name: str = ""
    seats_per_slot: int | None = Field(default=1, ge=1)  # null: no seat limit
    consult_minutes: Distribution = Exponential(dist="exponential", mean=10.0)
    consult_minutes_by_source: dict[
        Literal["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"], Distribution
    ] = Field(default_factory=dict)

    @field_validator("consult_minutes_by_source", mode="before")
    @classmethod
    def _upper_sources(cls, value: Any) -> Any:
        return {str(k).upper(): v for k, v in value.items()} if isinstance(value, dict) else value


class AdvanceBookings(_Model):
    """Tokens booked ahead (ONLINE, PAID): a Poisson number per OPD day, made lead_days before."""

    per_day: float = Field(default=0.0, ge=0)
    lead_days: Distribution = Uniform(dist="uniform", low=0, high=7)


class WalkIns(_Model):
    """Patients who turn up on the day: Poisson arrivals, ``per_hour`` scaled by the hour's factor.

    ``hourly_profile`` holds one factor per hour from the first session's opening (the last factor
    repeats); empty means a flat rate.
    """

    per_hour: float = Field(default=0.0, ge=0)
    hourly_profile: list[Annotated[float, Field(ge=0)]] = Field(default_factory=list)


class FollowUps(_Model):
    """After a completed consultation, a FOLLOWUP token with ``probability``, due later.

    ``return_after_days`` says how many days later.
    """

    probability: Probability = 0.0
    return_after_days: Distribution = Uniform(dist="uniform", low=7, high=14)


class Emergencies(_Model):
    """Emergencies arriving during sessions as a Poisson process."""

    per_hour: float = Field(default=0.0, ge=0)


class Demand(_Model):
    """Where tokens come from, by source."""

    online: AdvanceBookings = AdvanceBookings()
    paid: AdvanceBookings = AdvanceBookings()
    walkin: WalkIns = WalkIns()
    followup: FollowUps = FollowUps()
    emergency: Emergencies = Emergencies()


class Cancellation(_Model):
    """A token of this source is cancelled with ``probability``, ``before_minutes`` early."""

    probability: Probability = 0.0
    before_minutes: Distribution = Uniform(dist="uniform", low=60, high=24 * 60)


class NoShow(_Model):
    """Probability a token of this source does not come: ``probability + per_lead_day * lead days``,
    at most ``max``."""

    probability: Probability = 0.0
    per_lead_day: float = Field(default=0.0, ge=0)
    max: Probability = 1.0
    # the simulator declares the no-show this many minutes after the slot starts
    declare_after_minutes: float = Field(default=10.0, ge=0)


class PolicyChoice(_Model):
    """The allocation policy by registered name, with its parameters."""

    name: str = "priority-bump"
    params: dict[str, Any] = Field(default_factory=dict)


class SteadyState(_Model):
    """Validation mode: a long session whose first ``warmup_minutes`` are left out of statistics."""

    warmup_minutes: float = Field(default=0.0, ge=0)


class Scenario(_Model):
    """Everything that defines a simulated OPD. Defaults make a ten-line file work."""

    name: str = "scenario"
    description: str = ""
    seed: int = Field(default=0, ge=0)
    days: int = Field(default=1, ge=1)
    sessions: list[Session] = Field(
        default_factory=lambda: [Session(open=9 * 60, close=13 * 60)], min_length=1
    )
    slot_minutes: float = Field(default=15.0, gt=0)
    doctors: list[Doctor] = Field(min_length=1)
    demand: Demand = Demand()
    cancellation: dict[Literal[SOURCE_KEYS], Cancellation] = Field(default_factory=dict)  # type: ignore[valid-type]
    no_show: dict[Literal[SOURCE_KEYS], NoShow] = Field(default_factory=dict)  # type: ignore[valid-type]
    punctuality_minutes: Distribution = Normal(dist="normal", mean=-5.0, sd=10.0, min=None)
    service_order: Literal["token", "priority", "arrival"] = "token"
    policy: PolicyChoice = PolicyChoice()
    steady_state: SteadyState | None = None

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_by_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @field_validator("cancellation", "no_show", mode="before")
    @classmethod
    def _lower_sources(cls, value: Any) -> Any:
        return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        seen: set[str] = set()
        for doctor in self.doctors:
            if doctor.id in seen:
                raise ValueError(f"doctor id {doctor.id!r} is used twice")
            seen.add(doctor.id)
        ordered = sorted(self.sessions, key=lambda s: s.open)
        for earlier, later in pairwise(ordered):
            if later.open < earlier.close:
                raise ValueError("sessions overlap")
        return self
