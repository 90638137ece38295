"""Every error opd_sim raises on purpose, in one tree.

::

    OpdSimError                      base; carries the CLI exit code
    ├── BrokenInvariant              exit 1: the engine's state broke a rule (a bug); nothing saved
    ├── InvalidInput                 exit 2: the caller asked for something malformed
    │   ├── UnknownIdError           an id naming nothing (also a LookupError)
    │   │   ├── UnknownDoctor
    │   │   ├── UnknownSlot
    │   │   └── UnknownToken
    │   ├── DuplicateId              an id that is already taken
    │   ├── InvalidSlot              end not after start, capacity below 1
    │   ├── UnknownSource            not one of EMERGENCY, PAID, FOLLOWUP, ONLINE, WALKIN
    │   ├── UnknownPolicy            a policy name that is not registered, or bad parameters
    │   ├── ScenarioError            a scenario file that does not validate (file:line:col lines)
    │   └── StoreError               a --db that is no usable opd_sim store (none, damaged...)
    └── RefusedByRules               exit 3: well-formed, but the rules say no
        └── TokenStateError          e.g. cancelling a token that is already cancelled

A bug is anything else; the CLI maps it to exit 1.
"""

from __future__ import annotations

__all__ = [
    "BrokenInvariant",
    "DuplicateId",
    "InvalidInput",
    "InvalidSlot",
    "OpdSimError",
    "RefusedByRules",
    "ScenarioError",
    "StoreError",
    "TokenStateError",
    "UnknownDoctor",
    "UnknownIdError",
    "UnknownPolicy",
    "UnknownSlot",
    "UnknownSource",
    "UnknownToken",
]


class OpdSimError(Exception):
    """Base of every deliberate opd_sim error; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class BrokenInvariant(OpdSimError):
    """The engine's own consistency check failed: a bug, never the user's input (exit 1).

    Raised where state is about to be saved, so nothing inconsistent reaches a store.
    """

    exit_code = 1


class InvalidInput(OpdSimError):
    """The request is malformed: an unknown id, a bad value, a bad file (exit 2)."""

    exit_code = 2


class UnknownIdError(InvalidInput, LookupError):
    """An id that names nothing the engine or store knows."""

    kind = "id"

    def __init__(self, ident: object) -> None:
        self.ident = ident
        super().__init__(f"unknown {self.kind} id {ident!r}")


class UnknownDoctor(UnknownIdError):
    """No doctor has this id."""

    kind = "doctor"


class UnknownSlot(UnknownIdError):
    """No slot has this id."""

    kind = "slot"


class UnknownToken(UnknownIdError):
    """No token has this id."""

    kind = "token"


class DuplicateId(InvalidInput):
    """The id is already used by another doctor, slot or token."""


class InvalidSlot(InvalidInput):
    """A slot whose end is not after its start, or whose capacity is below 1."""


class UnknownSource(InvalidInput):
    """A token source that is not one of the five."""


class UnknownPolicy(InvalidInput):
    """A policy name that is not in the registry, or parameters it does not take."""


class ScenarioError(InvalidInput):
    """A scenario file that does not validate; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class StoreError(InvalidInput):
    """A booking store that cannot be used: none there, missing directory, not ours, newer schema,
    damaged, locked past the busy timeout, read-only."""


class RefusedByRules(OpdSimError):
    """The request is well-formed but the allocation rules refuse it (exit 3)."""

    exit_code = 3


class TokenStateError(RefusedByRules):
    """The token's status forbids the operation (cancel twice, no-show a waitlisted token)."""
