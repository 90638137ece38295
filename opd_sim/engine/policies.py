"""Allocation policies: the rules the engine consults at each decision point, by name.

:class:`Policy` is the interface: six hooks, listed below, each a pure method the engine calls
at one decision point; the engine never branches on which policy it has. Every hook's default
is the standard rule (docs/rules.md), so a policy overrides only what it changes. The default
policy itself is :class:`PriorityBump`, registered as ``priority-bump``; a policy is known by its
own registration only (an unregistered subclass is named by its class name)::

    @register_policy("no-walkin-bump")
    @dataclass(frozen=True)
    class NoWalkinBump(PriorityBump):
        def bumpable(self, token):
            return super().bumpable(token) and token.source is not Source.WALKIN

The hooks:

``seats(slot) -> int``
    How many tokens the slot may hold before it is full. Default: its capacity.
``may_seat(slot, token) -> bool``
    Whether a free seat may go to this token. Default: yes. Reserved seats say no here.
``may_overbook(slot, token) -> bool``
    Whether the token is seated at once, past ``seats`` if need be (``OVERBOOKED`` when the slot
    is then over its capacity). Default: emergencies only. When it says no, the token takes the
    ordinary path: free seat, else bump, else waitlist.
``victim(slot, token) -> Token | None``
    Which seated token the request displaces from a full slot, or None to waitlist the request.
    Default: among seated tokens of strictly lower priority that are ``bumpable``, the one with
    the largest key (lowest priority, then most recent request):
    ``slot.worst_bumpable(token.priority, self.bumpable)``, which reads the slot's index of
    seated tokens by key rather than every seated token. Priorities are those of
    ``priority_at`` at the time of the request, ``token.requested_at`` (a request is decided the
    moment it is made, and the hook is given no other time); where ``priority_at`` is not the
    standard one, ``slot.worst_bumpable_at(...)`` reads every seated token instead.
``bumpable(token) -> bool``
    Whether a seated token may lose its seat at all. Default: it is ALLOCATED (not COMPLETED),
    not with the doctor, and not an emergency.
``priority_at(token, at) -> int``
    The token's priority at time ``at`` (the time of the operation being decided), used to rank
    it where the rules rank by priority: whom a request may bump (a priority strictly lower
    than the request's own at that time) and bumps (the lowest, then the most recent request),
    and whom a freed seat goes to (the best waitlisted token: best priority at that time, then
    earliest request). Default: ``token.priority``, the source's, for ever. The waitlist itself
    stays in (source priority, request order), as does its expiry at day end. Cost: with the
    default the engine reads its indexes; a policy overriding it costs a read of every seated
    token at each bump search, O(seated), and of the whole waitlist at each promotion,
    O(waitlist).

What a hook may read of a slot: its fields (``capacity``, ``start``, ...), ``seated`` (the
seated tokens in the order they took their seats: iterate it, ``len``, ``in``; a dict used as
an ordered set, not a list), ``waitlist`` (the waiting tokens by key: iterate it, ``len``,
``in``), ``held_by(source)`` (seats held by tokens of a source, without counting them) and
``worst_bumpable(priority, bumpable)``. Hooks only read: the engine alone changes a slot, and
keeps indexes beside it. So ``seats(slot)`` may depend on the slot and its seated tokens, and on
nothing else: the engine may keep its answer until the slot's seated tokens change (a seat taken
or freed, a consultation started or completed). Where a policy keeps a hook of :class:`Policy`
as it is (``seats``, ``may_seat``, ``may_overbook``, ``victim``, ``priority_at``), the engine may
apply the standard rule without calling it; an overridden hook is always called.

Policies are frozen dataclasses; their fields are their parameters (``make_policy(name, params)``
checks them), and ``str(policy)`` describes one with its parameters.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from opd_sim.engine.records import Slot, Token
from opd_sim.engine.vocabulary import Source, TokenStatus
from opd_sim.errors import InvalidInput, UnknownPolicy

__all__ = [
    "Aging",
    "BumpCap",
    "EmergencyCap",
    "FirstComeFirstServed",
    "NoShowOverbooking",
    "Policy",
    "PriorityBump",
    "ReservedSeats",
    "make_policy",
    "policy_class",
    "policy_names",
    "policy_registry",
    "register_policy",
]

_REGISTRY: dict[str, type[Policy]] = {}
# read once: on Python 3.11 an enum member read off its class costs about a function call
_ALLOCATED = TokenStatus.ALLOCATED
_EMERGENCY = Source.EMERGENCY
_PAID = Source.PAID.priority
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


def policy_registry() -> Mapping[str, type[Policy]]:
    """Every registered policy class by name (a read-only view)."""
    return MappingProxyType(_REGISTRY)


def policy_class(name: str) -> type[Policy]:
    """The policy class registered as ``name``; UnknownPolicy (exit 2) if there is none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownPolicy(
            f"unknown policy {name!r} (known: {', '.join(policy_names())})"
        ) from None


def make_policy(name: str | Policy, params: Mapping[str, Any] | None = None) -> Policy:
    """The policy registered as ``name``, built with ``params``; a Policy passes through."""
    if isinstance(name, Policy):
        if params:
            raise UnknownPolicy("parameters given alongside a ready-made policy object")
        return name
    cls = policy_class(name)
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


@dataclass(frozen=True)
class Policy:
    """The policy interface: the six hooks of this module's docstring, each defaulting to the
    standard rule. Not registered itself; see :class:`PriorityBump` for the default policy."""

    #: The registered name (``register_policy`` sets it); an unregistered class's own name.
    name: ClassVar[str] = "Policy"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = cls.__name__  # never inherit a parent's registered name

    def seats(self, slot: Slot) -> int:
        """Tokens the slot may hold before it counts as full."""
        return slot.capacity

    def may_seat(self, slot: Slot, token: Token) -> bool:
        """Whether a free seat of ``slot`` may go to ``token``."""
        return True

    def may_overbook(self, slot: Slot, token: Token) -> bool:
        """Whether ``token`` is seated in ``slot`` at once, past its seats if need be."""
        return token.source is _EMERGENCY

    def victim(self, slot: Slot, token: Token) -> Token | None:
        """The seated token ``token`` displaces from full ``slot``, or None: the lowest-ranked
        ``bumpable`` one of strictly lower priority, in the priorities of the request's time."""
        if type(self).priority_at is Policy.priority_at:
            # the slot's own index by key answers without reading every seated token
            return slot.worst_bumpable(token.priority, self.bumpable)
        at = token.requested_at  # the request being decided was made just now
        return slot.worst_bumpable_at(self.priority_at(token, at), self.bumpable,
                                      self.priority_at, at)  # fmt: skip

    def bumpable(self, token: Token) -> bool:
        """Whether seated ``token`` may lose its seat: allocated, not with the doctor, and not an
        emergency."""
        return (
            token.status is _ALLOCATED
            and not token.in_consult
            and token.source is not _EMERGENCY
        )

    def priority_at(self, token: Token, at: Any) -> int:
        """``token``'s priority at time ``at``, to rank it by: its source's, whatever the time."""
        return token.priority

    def __str__(self) -> str:
        return _describe(self)


@register_policy("priority-bump")
@dataclass(frozen=True)
class PriorityBump(Policy):
    """The standard rules: emergencies overbook, strictly higher priority bumps the lowest."""


@register_policy("fifo")
@dataclass(frozen=True)
class FirstComeFirstServed(PriorityBump):
    """First come, first served: nobody is bumped; emergencies still overbook."""

    def victim(self, slot: Slot, token: Token) -> Token | None:
        return None


@register_policy("bump-cap")
@dataclass(frozen=True)
class BumpCap(PriorityBump):
    """Priority bumping, but a token already bumped ``max_bumps`` times keeps its next seat."""

    max_bumps: int = 1

    def __post_init__(self) -> None:
        _whole(self.max_bumps, "max_bumps")

    def bumpable(self, token: Token) -> bool:
        return super().bumpable(token) and token.times_bumped < self.max_bumps


@register_policy("emergency-cap")
@dataclass(frozen=True)
class EmergencyCap(PriorityBump):
    """Emergencies may overbook a slot by at most ``max_overbook`` seats; beyond, they bump."""

    max_overbook: int = 1

    def __post_init__(self) -> None:
        _whole(self.max_overbook, "max_overbook")

    def may_overbook(self, slot: Slot, token: Token) -> bool:
        return (token.source is _EMERGENCY
                and len(slot.seated) < self.seats(slot) + self.max_overbook)  # fmt: skip


@register_policy("noshow-overbook")
@dataclass(frozen=True)
class NoShowOverbooking(PriorityBump):
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
class ReservedSeats(PriorityBump):
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
                # (a Source: __post_init__ parsed the names)
                held_for_others += max(0, count - slot.held_by(source))  # type: ignore[arg-type]
        return free > held_for_others


@register_policy("aging")
@dataclass(frozen=True)
class Aging(PriorityBump):
    """Priority aging: a token rises a level every ``minutes_per_level`` minutes since its request.

    Never above PAID (2); emergencies (1) are untouched. Whom a request may bump and whom a freed
    seat goes to are decided in the priorities of that moment, so a walk-in who has waited long
    enough is no longer bumped by a fresh online booking, and is promoted before it. As under
    ``bump-cap``, a token bumped ``max_bumps`` times is not bumped again. The default, 120
    minutes, is the original OPD system's "aging after two hours". Minutes are the unit of the
    times the engine is given: the simulator's; the booking desk passes seconds.
    """

    minutes_per_level: float = 120
    max_bumps: int = 1

    def __post_init__(self) -> None:
        step = self.minutes_per_level
        if isinstance(step, bool) or not isinstance(step, int | float) or not 0 < step < math.inf:
            raise ValueError(f"minutes_per_level must be a positive finite number, not {step!r}")
        _whole(self.max_bumps, "max_bumps")

    def bumpable(self, token: Token) -> bool:
        return super().bumpable(token) and token.times_bumped < self.max_bumps

    def priority_at(self, token: Token, at: Any) -> int:
        priority = token.priority
        if priority <= _PAID:  # PAID is as high as aging goes; an emergency stays one
            return priority
        waited, step = at - token.requested_at, self.minutes_per_level
        if not waited >= step:  # not a level yet (or no time has passed: before, or NaN)
            return priority
        if waited >= step * (priority - _PAID):  # every level there is (an endless wait too)
            return _PAID
        return priority - int(waited // step)
