"""A scenario: one hospital OPD described as frozen, validated data (pydantic v2).

Times of day are "HH:MM" strings turned into minutes after midnight; durations are in minutes
unless the name says days or hours. Every model forbids unknown keys and non-finite numbers, and
every sequence is a tuple, so a loaded scenario cannot change. Validators that blame a field below
the one they check raise :class:`~opd_sim.scenario.problems.FieldErrors`, so a file's messages
point at the exact key.
"""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_left
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from opd_sim.engine.vocabulary import Source
from opd_sim.errors import OpdSimError
from opd_sim.scenario.distributions import (
    Distribution,
    Exponential,
    NonNegativeDistribution,
    Normal,
    Uniform,
)
from opd_sim.scenario.list_checks import across_items
from opd_sim.scenario.messages import suggest
from opd_sim.scenario.problems import BY_SOURCE, ONE_FOR_ALL, FieldErrors, Loc

__all__ = [
    "AdvanceBookings",
    "Appointment",
    "Cancellation",
    "Demand",
    "DoctorProfile",
    "Emergencies",
    "FollowUps",
    "NoShow",
    "PolicyChoice",
    "Scenario",
    "Session",
    "SteadyState",
    "WalkIns",
    "day_slots",
    "doctor_sessions",
    "punctuality_for",
    "slot_starts",
    "slots_per_day",
    "waitlist_expiry_for",
]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def source_key(source: Source) -> str:
    """How a scenario file keys a source (``no_show: {walkin: ...}``): its name in lower case.
    Files may write any case; every mapping by source is stored under these keys."""
    return source.name.lower()


#: Every source's key, in priority order.
SOURCE_KEYS = tuple(source_key(source) for source in Source)
#: The sources that book ahead, which may also turn up unbooked (``demand.on_the_day``).
BOOKING_KEYS = tuple(source_key(s) for s in (Source.PAID, Source.FOLLOWUP, Source.ONLINE))


def _lower_keys(value: Any) -> Any:
    """A mapping by source with its keys in lower case (files may write any case)."""
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else value


def _one_or_by_source(value: Any) -> str:
    """Which shape a one-or-by-source field was given in: a mapping of sources, or one value
    for every source (a distribution is a mapping too, told apart by its ``dist``)."""
    by_source = isinstance(value, dict) and "dist" not in value
    return BY_SOURCE if by_source else ONE_FOR_ALL


def _by_source(keys: tuple[str, ...], value: Any) -> Any:
    """A field given either as one value for every source or as a mapping by source (keys in
    any case). Errors name the file's own keys: the shape's tag is left out of their place."""
    mapping = dict[Literal[keys], value]  # type: ignore[valid-type]
    return Annotated[
        Union[  # noqa: UP007 (a tagged union needs the Union form)
            Annotated[value, Tag(ONE_FOR_ALL)],
            Annotated[mapping, Tag(BY_SOURCE)],
        ],
        Discriminator(_one_or_by_source),
    ]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _minutes(value: Any) -> Any:
    """'09:30' -> 570; numbers pass through as minutes after midnight."""
    if isinstance(value, bool):
        raise ValueError(f"expected a time of day like '09:30' (got {str(value).lower()})")
    if isinstance(value, str):
        hours, sep, minutes = value.strip().partition(":")
        digits = (hours + minutes).isascii() and hours.isdigit() and minutes.isdigit()
        if not sep or not digits or len(hours) > 2 or len(minutes) != 2:
            raise ValueError(f"expected a time of day like '09:30' (got {value!r})")
        total = int(hours) * 60 + int(minutes)
        if int(minutes) > 59 or total > 24 * 60:
            raise ValueError(f"{value!r} is not a time of day (00:00 to 24:00)")
        return total
    return value


def _ids_used_twice(doctors: list[tuple[int, DoctorProfile]]) -> list[tuple[Loc, str]]:
    """Each doctor whose id an earlier doctor already has."""
    first: dict[str, int] = {}
    twice: list[tuple[Loc, str]] = []
    for index, doctor in doctors:
        if doctor.id in first:
            message = f"doctor id {doctor.id!r} is used twice (first by doctors.{first[doctor.id]})"
            twice.append(((index, "id"), message))
        first.setdefault(doctor.id, index)
    return twice


def _overlapping(sessions: list[tuple[int, Session]]) -> list[tuple[Loc, str]]:
    """Each session that opens before every session opening earlier has closed."""
    found: list[tuple[Loc, str]] = []
    latest: tuple[int, Session] | None = None  # of those opening earlier, the last to close
    for index, session in sorted(sessions, key=lambda pair: (pair[1].open, pair[0])):
        if latest is not None and session.open < latest[1].close:
            message = f"overlaps sessions.{latest[0]}, which closes at {clock(latest[1].close)}"
            found.append(((index, "open"), message))
        if latest is None or session.close > latest[1].close:
            latest = (index, session)
    return found


def clock(minutes: float) -> str:
    """570 -> '09:30' (for messages)."""
    hours, rest = divmod(round(minutes), 60)
    return f"{hours:02d}:{rest:02d}"


class Session(_Model):
    """One OPD window of a day: slots are cut from ``open`` to ``close``."""

    open: float = Field(ge=0, le=24 * 60)
    close: float = Field(ge=0, le=24 * 60)

    _times = field_validator("open", "close", mode="before")(_minutes)

    @model_validator(mode="after")
    def _closes_after_opening(self) -> Session:
        if not self.close > self.open:
            when = "when" if self.close == self.open else "before"
            message = f"the session closes at {clock(self.close)}, {when} it opens"
            raise FieldErrors([(("close",), f"{message} ({clock(self.open)})")])
        return self


class DoctorProfile(_Model):
    """A doctor as a scenario describes them: seats per slot, consultation times (optionally per
    source) and the queue they call from. (The engine's :class:`opd_sim.Doctor` is the doctor
    who holds slots; this is how one works.)

    A number given as ``id`` or ``name`` is read as text (``id: 7`` is ``"7"``).
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    name: str = ""
    seats_per_slot: int | None = Field(default=1, ge=1, le=100_000)  # null: no seat limit
    consult_minutes: NonNegativeDistribution = Exponential(dist="exponential", mean=10.0)
    consult_minutes_by_source: dict[
        Literal[SOURCE_KEYS], NonNegativeDistribution  # type: ignore[valid-type]
    ] = Field(default_factory=dict)
    # doctors naming the same queue share it: any of them free calls its next patient
    queue: str | None = Field(default=None, min_length=1)
    # the doctor's own roster, in place of the scenario's sessions (None: the scenario's)
    sessions: tuple[Session, ...] | None = Field(default=None, min_length=1)
    # how late the doctor starts each session (slots keep their times)
    late_minutes: NonNegativeDistribution | None = None

    _sources = field_validator("consult_minutes_by_source", mode="before")(_lower_keys)

    @field_validator("sessions", mode="wrap")
    @classmethod
    def _sessions_apart(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if value is None:
            return None
        return _sorted_sessions(value, handler)


class AdvanceBookings(_Model):
    """Tokens booked ahead (ONLINE, PAID): a Poisson number per OPD day, made lead_days before."""

    per_day: float = Field(default=0.0, ge=0, le=100_000)  # bounded: a run must fit in memory
    lead_days: NonNegativeDistribution = Uniform(dist="uniform", low=0, high=7)


class WalkIns(_Model):
    """Patients who turn up on the day: Poisson arrivals, ``per_hour`` scaled by the hour's factor.

    ``hourly_profile`` holds one factor per hour from the first session's opening (the last factor
    repeats); empty means a flat rate.
    """

    per_hour: float = Field(default=0.0, ge=0, le=10_000)  # bounded: a run must fit in memory
    hourly_profile: tuple[Annotated[float, Field(ge=0, le=1_000)], ...] = ()


class FollowUps(_Model):
    """After a completed consultation, a FOLLOWUP token with ``probability``, due later.

    ``return_after_days`` says how many days later.
    """

    probability: Probability = 0.0
    return_after_days: NonNegativeDistribution = Uniform(dist="uniform", low=7, high=14)


class Emergencies(_Model):
    """Emergencies arriving during sessions as a Poisson process, ``per_hour`` scaled by the
    hour's factor of ``hourly_profile`` (as walk-ins')."""

    per_hour: float = Field(default=0.0, ge=0, le=10_000)  # bounded: a run must fit in memory
    hourly_profile: tuple[Annotated[float, Field(ge=0, le=1_000)], ...] = ()


class Appointment(_Model):
    """``count`` tokens of ``source`` booked into the slot of ``doctor`` starting at ``time`` on
    ``day``, ``lead_days`` before that day's first session opens: a fixed appointment schedule.

    A number given as ``doctor`` is read as text, as a doctor's ``id`` is.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)

    doctor: str = Field(min_length=1)
    day: int = Field(default=0, ge=0)
    time: float = Field(ge=0, le=24 * 60)
    count: int = Field(default=1, ge=1, le=10_000)
    source: Literal["PAID", "FOLLOWUP", "ONLINE"] = "ONLINE"
    lead_days: float = Field(default=1.0, ge=0, le=1_000_000)  # as distributions: finite times

    _time = field_validator("time", mode="before")(_minutes)

    @field_validator("source", mode="before")
    @classmethod
    def _upper_source(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class Demand(_Model):
    """Where tokens come from, by source.

    ``on_the_day`` lets PAID, FOLLOWUP and ONLINE patients also turn up without a booking, as
    walk-ins do (a Poisson stream each); ``appointments`` books a fixed schedule.
    """

    online: AdvanceBookings = AdvanceBookings()
    paid: AdvanceBookings = AdvanceBookings()
    walkin: WalkIns = WalkIns()
    followup: FollowUps = FollowUps()
    emergency: Emergencies = Emergencies()
    on_the_day: dict[Literal[BOOKING_KEYS], WalkIns] = Field(  # type: ignore[valid-type]
        default_factory=dict
    )
    appointments: tuple[Appointment, ...] = ()

    _sources = field_validator("on_the_day", mode="before")(_lower_keys)


class Cancellation(_Model):
    """A token of this source is cancelled with ``probability``, ``before_minutes`` early."""

    probability: Probability = 0.0
    before_minutes: NonNegativeDistribution = Uniform(dist="uniform", low=60, high=24 * 60)


class NoShow(_Model):
    """Probability a token of this source does not come: ``probability + per_lead_day * lead days``,
    at most ``max``."""

    probability: Probability = 0.0
    per_lead_day: float = Field(default=0.0, ge=0, le=1_000_000)  # times lead days: finite
    max: Probability = 1.0
    # the simulator declares the no-show this many minutes after the slot starts
    declare_after_minutes: float = Field(default=10.0, ge=0)


class PolicyChoice(_Model):
    """The allocation policy by registered name, with its parameters."""

    name: str = "priority-bump"
    params: dict[str, Any] = Field(default_factory=dict)


class SteadyState(_Model):
    """Validation mode: a long session whose first ``warmup_minutes`` are left out of statistics,
    and whose last ``cooldown_minutes`` too (arrivals stop at the close, which would shorten the
    waits of the last patients under a priority order)."""

    warmup_minutes: float = Field(default=0.0, ge=0)
    cooldown_minutes: float = Field(default=0.0, ge=0)


#: When a booked patient comes, from the slot's start, unless the file says otherwise.
_PUNCTUALITY = Normal(dist="normal", mean=-5.0, sd=10.0, min=None)
#: A positive number of minutes (finite, as every number of a scenario).
_Minutes = Annotated[float, Field(gt=0, le=1_000_000)]


class Scenario(_Model):
    """Everything that defines a simulated OPD. Defaults make a ten-line file work.

    ``sessions`` are kept in order of opening, whatever order the file gives them in.
    """

    name: str = "scenario"
    description: str = ""
    seed: int = Field(default=0, ge=0)
    days: int = Field(default=1, ge=1, le=3_660)  # ten years of OPD days
    sessions: tuple[Session, ...] = Field(
        default=(Session(open=9 * 60, close=13 * 60),), min_length=1
    )
    slot_minutes: float = Field(default=15.0, gt=0)
    doctors: tuple[DoctorProfile, ...] = Field(min_length=1)
    demand: Demand = Demand()
    cancellation: dict[Literal[SOURCE_KEYS], Cancellation] = Field(default_factory=dict)  # type: ignore[valid-type]
    no_show: dict[Literal[SOURCE_KEYS], NoShow] = Field(default_factory=dict)  # type: ignore[valid-type]
    punctuality_minutes: _by_source(BOOKING_KEYS, Distribution) = _PUNCTUALITY  # type: ignore[valid-type]
    patience_minutes: dict[Literal[SOURCE_KEYS], NonNegativeDistribution] = Field(  # type: ignore[valid-type]
        default_factory=dict
    )
    waitlist_expiry_minutes: _by_source(SOURCE_KEYS, _Minutes) | None = None  # type: ignore[valid-type]
    service_order: Literal["token", "priority", "arrival"] = "token"
    policy: PolicyChoice = PolicyChoice()
    steady_state: SteadyState | None = None

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_by_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    _sources = field_validator("cancellation", "no_show", "patience_minutes",
                               mode="before")(_lower_keys)  # fmt: skip

    @field_validator("punctuality_minutes", "waitlist_expiry_minutes", mode="before")
    @classmethod
    def _lower_source_keys(cls, value: Any) -> Any:
        return value if _one_or_by_source(value) == ONE_FOR_ALL else _lower_keys(value)

    @field_validator("doctors", mode="wrap")
    @classmethod
    def _unique_doctor_ids(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return across_items(value, handler, DoctorProfile, _ids_used_twice)

    @field_validator("sessions", mode="wrap")
    @classmethod
    def _sessions_apart(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _sorted_sessions(value, handler)

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, policy: PolicyChoice) -> PolicyChoice:
        from opd_sim.engine import make_policy, policy_names

        if policy.name not in policy_names():
            guess = suggest(policy.name, policy_names())
            hint = f"did you mean {guess!r}?" if guess else f"known: {', '.join(policy_names())}"
            raise FieldErrors([(("name",), f"unknown policy {policy.name!r} ({hint})")])
        try:
            make_policy(policy.name, policy.params)
        except OpdSimError as error:
            takes = {f.name for f in dataclasses.fields(make_policy(policy.name))}
            unknown = [key for key in policy.params if key not in takes]
            blame = ("params", unknown[0]) if unknown else ("params",)
            raise FieldErrors([(blame, str(error), "key" if unknown else "value")]) from None
        return policy

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = _slot_problems(self.sessions, self.slot_minutes, ("slot_minutes",), "")
        if problems:
            raise FieldErrors(problems)
        for index, doctor in enumerate(self.doctors):  # each roster cut as the scenario's are
            if doctor.sessions is not None:
                where: Loc = ("doctors", index, "sessions")
                problems += _slot_problems(doctor.sessions, self.slot_minutes, where,
                                           "the doctor's")  # fmt: skip
        if problems:
            raise FieldErrors(problems)
        problems = _appointment_problems(self)
        if problems:
            raise FieldErrors(problems)
        return self


def _sorted_sessions(value: Any, handler: ValidatorFunctionWrapHandler) -> tuple[Session, ...]:
    """Sessions that do not overlap, in order of opening."""
    sessions = across_items(value, handler, Session, _overlapping)
    return tuple(sorted(sessions, key=lambda session: session.open))


def _slot_problems(sessions: Sequence[Session], slot_minutes: float, where: Loc,
                   whose: str) -> list[tuple[Loc, str]]:  # fmt: skip
    """Why ``slot_minutes`` cannot cut these sessions into slots (too long, or too many);
    ``whose`` names the sessions' owner in messages ("the doctor's"; empty: the scenario's)."""
    longest = max(session.close - session.open for session in sessions)
    if slot_minutes > longest:
        within = f"any of {whose} sessions" if whose else "any session"
        message = (f"a {slot_minutes:g}-minute slot does not fit in {within} "
                   f"(the longest lasts {longest:g} minutes)")  # fmt: skip
        return [(where, message)]
    count = slots_per_day(sessions, slot_minutes)
    if count > MAX_SLOTS_PER_DAY:  # before anything cuts them: 1e-9 would cut 1.4e12
        shortest = sum(s.close - s.open for s in sessions) / MAX_SLOTS_PER_DAY
        shown = f"{count:,.0f}" if count < 1e15 else "more than 10^15"
        message = (f"cuts {whose or 'a day'}'s sessions into {shown} slots; at most "
                   f"{MAX_SLOTS_PER_DAY:,} (slots of at least {shortest:.3g} minutes)")  # fmt: skip
        return [(where, message)]
    return []


def doctor_sessions(scenario: Scenario, doctor: DoctorProfile) -> tuple[Session, ...]:
    """The sessions a doctor works: their own roster, else the scenario's."""
    return doctor.sessions if doctor.sessions is not None else scenario.sessions


def punctuality_for(scenario: Scenario, source_name: str) -> Distribution:
    """When a booked patient of a source (its key, ``"online"``) comes, from the slot's start."""
    given = scenario.punctuality_minutes
    if isinstance(given, dict):
        return given.get(source_name, _PUNCTUALITY)
    return given  # type: ignore[no-any-return]


def waitlist_expiry_for(scenario: Scenario, source_name: str) -> float | None:
    """Minutes after its request a waitlisted token of a source expires; None: only at day end."""
    given = scenario.waitlist_expiry_minutes
    if isinstance(given, dict):
        return given.get(source_name)
    return given  # type: ignore[no-any-return]


#: Most slots one doctor's day may be cut into. One-minute slots around the clock make 1,440;
#: a day of 10,000 has slots of 9 seconds. The bound keeps :func:`slot_starts` (and the
#: simulator's calendar) small whatever ``slot_minutes`` says.
MAX_SLOTS_PER_DAY = 10_000


def slots_per_day(sessions: Sequence[Session], slot_minutes: float) -> float:
    """How many slots :func:`slot_starts` cuts a day into, counted without cutting them (a
    float: ``slot_minutes: 1e-300`` makes it astronomically large, or ``inf``)."""
    total = 0.0
    for session in sessions:
        share = (session.close - session.open) / slot_minutes
        total += math.ceil(share - 1e-9) if share < 1e15 else share
    return total


def day_slots(scenario: Scenario,
              doctor: DoctorProfile | None = None) -> list[tuple[float, float, float]]:  # fmt: skip
    """Each slot of a doctor's day as ``(start, end, its session's opening)``, minutes of the day,
    in time order: every ``slot_minutes`` from each session's opening, the last one of a session
    shorter when ``slot_minutes`` does not divide it. ``doctor``: cut from their roster (None:
    the scenario's sessions). The one place slots are cut (validation bounds their number
    first, see :func:`slots_per_day`)."""
    slots: list[tuple[float, float, float]] = []
    sessions = scenario.sessions if doctor is None else doctor_sessions(scenario, doctor)
    for session in sessions:
        count = math.ceil((session.close - session.open) / scenario.slot_minutes - 1e-9)
        for k in range(count):
            start = session.open + k * scenario.slot_minutes
            slots.append((start, min(start + scenario.slot_minutes, session.close), session.open))
    return slots


def slot_starts(scenario: Scenario, doctor: DoctorProfile | None = None) -> list[float]:
    """Minute of day at which each slot of a doctor's day starts (see :func:`day_slots`)."""
    return [start for start, _end, _open in day_slots(scenario, doctor)]


def _appointment_problems(scenario: Scenario) -> list[tuple[Loc, str]]:
    """Appointments naming an unknown doctor, a day past the horizon, or no slot's start."""
    doctors = [doctor.id for doctor in scenario.doctors]
    profiles = {doctor.id: doctor for doctor in scenario.doctors}
    cut: dict[str, list[float]] = {}  # each doctor's slot starts, ascending, cut when needed
    problems: list[tuple[Loc, str]] = []
    for index, booking in enumerate(scenario.demand.appointments):
        where: Loc = ("demand", "appointments", index)
        if booking.doctor not in doctors:
            guess = suggest(booking.doctor, doctors)
            hint = f"did you mean {guess!r}?" if guess else f"known: {', '.join(doctors)}"
            problems.append(((*where, "doctor"), f"unknown doctor {booking.doctor!r} ({hint})"))
        if booking.day >= scenario.days:
            message = f"day {booking.day} is past the last OPD day ({scenario.days - 1})"
            problems.append(((*where, "day"), message))
        doctor = profiles.get(booking.doctor)
        if doctor is None:
            continue
        if doctor.id not in cut:
            cut[doctor.id] = slot_starts(scenario, doctor)
        starts = cut[doctor.id]
        after = bisect_left(starts, booking.time - 1e-6)  # not a scan: 10,000 slots a day
        if not (after < len(starts) and abs(starts[after] - booking.time) < 1e-6):
            whose = "" if doctor.sessions is None else f" of doctor {doctor.id!r}"
            message = (f"no slot{whose} starts at {clock(booking.time)} "
                       "(appointments book a slot's start)")  # fmt: skip
            problems.append(((*where, "time"), message))
    return problems
