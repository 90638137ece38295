"""Allocation policies: the rules the engine consults at each decision point, by name.

A policy is a small object with four pure methods; the engine calls them and never branches on
which policy it has. Subclass :class:`Policy` (which *is* the default ``priority-bump`` rules),
override what changes, and register it::

    @register_policy("no-walkin-bump")
    @dataclass(frozen=True)
    class NoWalkinBump(Policy):
        def victim(self, slot, token):
            chosen = super().victim(slot, token)
            return None if chosen is not None and chosen.source is Source.WALKIN else chosen

The four decision points:

``seats(slot) -> int``
    How many tokens the slot may hold before it is full (default: its capacity).
``may_seat(slot, token) -> bool``
    Whether a free seat may go to this token (default: yes). Reserved seats say no here.
``may_overbook(slot, token) -> bool``
    Whether an emergency may be seated past ``seats`` (default: always). If not, the emergency
    takes the ordinary path: free seat, else bump, else waitlist.
``victim(slot, token) -> Token | None``
    Which seated token the request displaces from a full slot, or None to waitlist the request.
    Default: the allocated non-emergency token with the largest key (lowest priority, most recent
    request), only if the request's priority is strictly higher.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from opd_sim.engine.records import Slot, Token
from opd_sim.engine.vocabulary import Source, TokenStatus
from opd_sim.errors import InvalidInput, UnknownPolicy

__all__ = [
    "BumpCap",
    "EmergencyCap",
    "FirstComeFirstServed",
    "NoShowOverbooking",
    "Policy",
    "ReservedSeats",
    "make_policy",
    "policy_names",
    "register_policy",
]

_REGISTRY: dict[str, type[Policy]] = {}
P = TypeVar("P", bound="type[Policy]")


def register_policy(name: str) -> Callable[[P], P]:
    """Class decorator: make a Policy subclass available as ``policy: name``."""

    def register(cls: P) -> P:
        if name in _REGISTRY:
            raise ValueError(f"policy {name!r} is already registered")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return register


def policy_names() -> list[str]:
    """Registered policy names, sorted."""
    return sorted(_REGISTRY)


def make_policy(name: str | Policy, params: Mapping[str, Any] | None = None) -> Policy:
    """The policy registered as ``name``, built with ``params``; a Policy passes through."""
    if isinstance(name, Policy):
        if params:
            raise UnknownPolicy("parameters given alongside a ready-made policy object")
        return name
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise UnknownPolicy(
            f"unknown policy {name!r} (known: {', '.join(policy_names())})"
        ) from None
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(params or {}) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "no parameters"
        raise UnknownPolicy(f"policy {name!r} does not take {', '.join(unknown)} (takes: {takes})")
    try:
        return cls(**dict(params or {}))
    except (TypeError, ValueError, OverflowError, InvalidInput) as error:
        raise UnknownPolicy(f"policy {name!r}: {error}") from None


def _whole(value: object, name: str) -> int:
    """``value`` if it is a whole number of 0 or more (not a bool, not 1.5), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of 0 or more, not {value!r}")
    return value


def _describe(policy: Policy) -> str:
    params = ", ".join(f"{f.name}={getattr(policy, f.name)!r}" for f in dataclasses.fields(policy))
    return f"{policy.name}({params})" if params else policy.name


@register_policy("priority-bump")
@dataclass(frozen=True)
class Policy:
    """Default (docs/rules.md): emergencies overbook, strictly higher priority bumps the lowest."""

    name: ClassVar[str]

    def seats(self, slot: Slot) -> int:
        """Tokens the slot may hold before it counts as full."""
        return slot.capacity

    def may_seat(self, slot: Slot, token: Token) -> bool:
        """Whether a free seat of ``slot`` may go to ``token``."""
        return True

    def may_overbook(self, slot: Slot, token: Token) -> bool:
        """Whether emergency ``token`` may be seated in ``slot`` past its seats."""
        return True

    def victim(self, slot: Slot, token: Token) -> Token | None:
        """The seated token ``token`` displaces from full ``slot``, or None."""
        # Only strictly lower priorities can lose their seat, so filter on that cheap test first:
        # the largest key among them is the largest bumpable key overall whenever a bump happens.
        priority = token.priority
        worst: Token | None = None
        for seated in slot.seated:
            if (
                seated.priority > priority
                and (worst is None or seated.key > worst.key)
                and self.bumpable(seated)
            ):
                worst = seated
        return worst

    def bumpable(self, token: Token) -> bool:
        """Allocated, not with the doctor, and not an emergency."""
        return (
            token.status is TokenStatus.ALLOCATED
            and not token.in_consult
            and token.source is not Source.EMERGENCY
        )

    def __str__(self) -> str:
        return _describe(self)


@register_policy("fifo")
@dataclass(frozen=True)
class FirstComeFirstServed(Policy):
    """First come, first served: nobody is bumped; emergencies still overbook."""

    def victim(self, slot: Slot, token: Token) -> Token | None:
        return None


@register_policy("bump-cap")
@dataclass(frozen=True)
class BumpCap(Policy):
    """Priority bumping, but a token already bumped ``max_bumps`` times keeps its next seat."""

    max_bumps: int = 1

    def __post_init__(self) -> None:
        _whole(self.max_bumps, "max_bumps")

    def bumpable(self, token: Token) -> bool:
        return super().bumpable(token) and token.times_bumped < self.max_bumps


@register_policy("emergency-cap")
@dataclass(frozen=True)
class EmergencyCap(Policy):
    """Emergencies may overbook a slot by at most ``max_overbook`` seats; beyond, they bump."""

    max_overbook: int = 1

    def __post_init__(self) -> None:
        _whole(self.max_overbook, "max_overbook")

    def may_overbook(self, slot: Slot, token: Token) -> bool:
        return len(slot.seated) < self.seats(slot) + self.max_overbook


@register_policy("noshow-overbook")
@dataclass(frozen=True)
class NoShowOverbooking(Policy):
    """Sell ``floor(capacity / (1 - no_show_rate))`` seats so expected attendance fills the slot."""

    no_show_rate: float = 0.1

    def __post_init__(self) -> None:
        rate = self.no_show_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 <= rate < 1.0:
            raise ValueError(f"no_show_rate must be a number in [0, 1), not {rate!r}")

    def seats(self, slot: Slot) -> int:
        # the small epsilon keeps 4 / (1 - 0.2) == 5 from flooring to 4 in binary floating point
        return math.floor(slot.capacity / (1.0 - self.no_show_rate) + 1e-9)


@register_policy("reserved")
@dataclass(frozen=True)
class ReservedSeats(Policy):
    """Hold seats of every slot for some sources, e.g. ``reserved: {WALKIN: 1}``.

    A token may take a free seat only if enough free seats remain for the other sources'
    reservations that are not yet used.
    """

    reserved: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.reserved, Mapping):
            raise ValueError(f"reserved must map sources to seat counts, not {self.reserved!r}")
        parsed: dict[Source, int] = {}
        for name, count in self.reserved.items():
            source = Source.parse(name)
            if source in parsed:  # "WALKIN" and "walkin" would otherwise silently overwrite
                raise ValueError(f"source {source.name} is reserved twice")
            parsed[source] = _whole(count, f"reserved seats for {source.name}")
        object.__setattr__(self, "reserved", parsed)

    def __str__(self) -> str:
        seats = ", ".join(f"{Source.parse(s).name}: {n}" for s, n in self.reserved.items())
        return f"{self.name}(reserved={{{seats}}})"

    def may_seat(self, slot: Slot, token: Token) -> bool:
        free = self.seats(slot) - len(slot.seated)
        held_for_others = 0
        for source, count in self.reserved.items():
            if source is not token.source:
                used = sum(1 for seated in slot.seated if seated.source is source)
                held_for_others += max(0, count - used)
        return free > held_for_others
