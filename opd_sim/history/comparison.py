"""What changed between two histories of the same events: decisions counted by source and kind,
and the tokens whose outcome changed.

A token's outcome is where it ended: its final status and the slot it ended in (held a seat in,
waited on, or was in when it was cancelled or did not come). Two outcomes differ when either
differs. It reads "ALLOCATED in slot 3" for a token holding a seat, "WAITLISTED on slot 2" for
one still waiting, "CANCELLED, slot 3" otherwise. The times a token was bumped are not part of
its outcome: the BUMPED counts show them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from opd_sim.engine import SEATED_STATUSES, DecisionKind, Source, TokenStatus
from opd_sim.history.records import History, HistoryToken

__all__ = [
    "CHANGED_COLUMNS",
    "COUNTED_KINDS",
    "ChangedToken",
    "HistoryComparison",
    "compare_histories",
    "outcome",
]

#: The decision kinds counted, per source, in each history.
COUNTED_KINDS = (
    DecisionKind.ALLOCATED, DecisionKind.OVERBOOKED, DecisionKind.BUMPED,
    DecisionKind.REALLOCATED, DecisionKind.WAITLISTED, DecisionKind.PROMOTED,
    DecisionKind.EXPIRED, DecisionKind.CANCELLED, DecisionKind.NO_SHOW,
)  # fmt: skip
_SEATED = frozenset(status.value for status in SEATED_STATUSES)


def outcome(status: str | None, slot: int | None) -> str:
    """A token's outcome for people: "ALLOCATED in slot 3", "WAITLISTED on slot 2", "CANCELLED,
    slot 3"; "(no token)" when the history has none of that id."""
    if status is None:
        return "(no token)"
    if status in _SEATED:
        return f"{status} in slot {slot}"
    if status == TokenStatus.WAITLISTED:
        return f"{status} on slot {slot}"
    return f"{status}, slot {slot}"


@dataclass(frozen=True, slots=True)
class ChangedToken:
    """A token whose outcome differs between the two histories."""

    token: int
    source: str
    patient: str
    actual_status: str | None
    actual_slot: int | None
    replayed_status: str | None
    replayed_slot: int | None

    @property
    def actual_outcome(self) -> str:
        return outcome(self.actual_status, self.actual_slot)

    @property
    def replayed_outcome(self) -> str:
        return outcome(self.replayed_status, self.replayed_slot)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, outcomes included; the keys are the changed_tokens.csv columns."""
        return {
            "token": self.token, "source": self.source, "patient": self.patient,
            "actual_outcome": self.actual_outcome, "replayed_outcome": self.replayed_outcome,
            "actual_status": self.actual_status, "actual_slot": self.actual_slot,
            "replayed_status": self.replayed_status, "replayed_slot": self.replayed_slot,
        }  # fmt: skip


#: The columns of changed_tokens.csv, in order.
CHANGED_COLUMNS = ("token", "source", "patient", "actual_outcome", "replayed_outcome",
                   "actual_status", "actual_slot", "replayed_status", "replayed_slot")  # fmt: skip


@dataclass(frozen=True, slots=True)
class HistoryComparison:
    """``counts``: (source, kind) -> (actual, replayed) decisions, for every source and
    :data:`COUNTED_KINDS` kind; ``changed``: the tokens whose outcome changed, by token id."""

    counts: dict[tuple[str, str], tuple[int, int]]
    changed: tuple[ChangedToken, ...]

    def count_rows(self, nonzero: bool = False) -> list[dict[str, Any]]:
        """The counts as rows (source, decision, actual, replayed), source by priority, then
        kind; ``nonzero``: only those counted at least once on either side."""
        return [
            {"source": source, "decision": kind, "actual": actual, "replayed": replayed}
            for (source, kind), (actual, replayed) in self.counts.items()
            if not nonzero or actual or replayed
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: every count row and every changed token."""
        return {
            "counts": self.count_rows(),
            "changed_tokens": len(self.changed),
            "changed": [token.as_dict() for token in self.changed],
        }


def compare_histories(actual: History, replayed: History) -> HistoryComparison:
    """Count both histories' decisions and find the tokens whose outcome changed."""
    first, second = _counts(actual), _counts(replayed)
    counts = {
        (source.name, kind.value): (first[source.name, kind], second[source.name, kind])
        for source in Source for kind in COUNTED_KINDS
    }  # fmt: skip
    before = {token.id: token for token in actual.tokens}
    after = {token.id: token for token in replayed.tokens}
    changed = []
    for ident in sorted(before.keys() | after.keys()):
        was, now = before.get(ident), after.get(ident)
        if _where(was) != _where(now):
            known = was or now
            assert known is not None
            changed.append(ChangedToken(ident, known.source, known.patient, *_where(was),
                                        *_where(now)))  # fmt: skip
    return HistoryComparison(counts, tuple(changed))


def _counts(history: History) -> Counter[tuple[str, DecisionKind]]:
    return Counter((decision.source.name, decision.kind) for decision in history.decisions)


def _where(token: HistoryToken | None) -> tuple[str | None, int | None]:
    return (None, None) if token is None else (token.status, token.slot_id)
