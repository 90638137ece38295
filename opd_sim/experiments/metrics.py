"""What a comparison measures of each replication: the metrics, overall and by source.

Each metric is read from a replication's summary (waits, delays and the run-wide counts, so a
number means the same here as in ``summary.json``) or, for a source's counts, from its patients
frame through :func:`opd_sim.analysis.outcomes_by_source`. :func:`measure` turns one
replication into one number per (metric, source) of :data:`KEYS`, so that the frames can be
dropped as soon as a replication is measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from opd_sim.engine import Source

__all__ = ["ALL", "KEYS", "METRICS", "SOURCES", "Metric", "measure", "metric"]

#: The ``source`` of a number about every patient.
ALL = "ALL"
#: Every source, in priority order.
SOURCES: tuple[str, ...] = tuple(source.name for source in Source)


@dataclass(frozen=True, slots=True)
class Metric:
    """One quantity measured per replication.

    ``summary``: its path in a replication's summary (``{source}`` stands for a source);
    ``by_source``: where a source's value comes from: the summary path with ``{source}``
    filled in (``"summary"``), a column of ``outcomes_by_source`` (``"outcomes"``), or nowhere
    (None: measured overall only). ``better``: which way is good for patients or the OPD
    (None: neither, e.g. tokens booked). ``signed``: the quantity may be negative.
    """

    name: str
    label: str
    unit: Literal["minutes", "tokens", "slots", "share"]
    summary: tuple[str, ...]
    by_source: Literal["summary", "outcomes"] | None = None
    better: Literal["lower", "higher"] | None = "lower"
    signed: bool = False

    @property
    def count(self) -> bool:
        """Whether each replication's value is a whole number."""
        return self.unit in ("tokens", "slots")


#: Every metric, in the order reports show them.
METRICS: tuple[Metric, ...] = (
    Metric("wait_mean_minutes", "mean wait (minutes)", "minutes",
           ("waits", "{source}", "mean"), "summary"),
    Metric("wait_p90_minutes", "90th percentile wait (minutes)", "minutes",
           ("waits", "{source}", "p90"), "summary"),
    Metric("delay_mean_minutes", "mean delay past the appointment (minutes)", "minutes",
           ("delays", "{source}", "mean"), "summary", signed=True),
    Metric("delay_p90_minutes", "90th percentile delay (minutes)", "minutes",
           ("delays", "{source}", "p90"), "summary", signed=True),
    Metric("tokens", "tokens booked", "tokens", ("tokens_booked",), "outcomes", better=None),
    Metric("seen", "patients seen", "tokens", ("completed",), "outcomes", better="higher"),
    Metric("bumped", "bumps (seats lost to a higher priority)", "tokens", ("bumped",),
           "outcomes"),
    Metric("expired", "expired on the waitlist, never seen", "tokens", ("expired",),
           "outcomes"),
    Metric("cancelled", "cancelled", "tokens", ("cancellations",), "outcomes", better=None),
    Metric("no_shows", "no-shows", "tokens", ("no_shows",), "outcomes", better=None),
    Metric("overbooked_slots", "slots overbooked by emergencies", "slots",
           ("overbooked_slots",)),
    Metric("utilisation", "doctor utilisation (in session)", "share", ("utilisation_mean",),
           better=None),
    Metric("overtime_minutes", "overtime (doctor-minutes, all doctors)", "minutes",
           ("overtime_minutes_total",)),
)  # fmt: skip

_BY_NAME = {m.name: m for m in METRICS}

#: The (metric, source) of each number :func:`measure` returns, in order: every metric
#: overall (``ALL``), then by source where it is measured by source.
KEYS: tuple[tuple[str, str], ...] = tuple(
    (m.name, source)
    for m in METRICS
    for source in ((ALL, *SOURCES) if m.by_source else (ALL,))
)


def metric(name: str) -> Metric | None:
    """The metric called ``name``, or None for a name this version does not know."""
    return _BY_NAME.get(name)


def _summary_path(path: tuple[str, ...], source: str) -> tuple[str, ...]:
    """A summary path with ``{source}`` made ``overall`` or ``by_source, SOURCE``."""
    out: list[str] = []
    for key in path:
        if key == "{source}":
            out += ["overall"] if source == ALL else ["by_source", source]
        else:
            out.append(key)
    return tuple(out)


def _pick(summary: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = summary
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return math.nan
        value = value[key]
    return math.nan if value is None else float(value)


def measure(summary: dict[str, Any], patients: Any) -> list[float]:
    """One replication's number for each of :data:`KEYS` (NaN where there is none, e.g. the
    wait of a source nobody of which was seen), from its summary and patients frame."""
    from opd_sim.analysis import outcomes_by_source

    outcomes = outcomes_by_source(patients)
    values = []
    for name, source in KEYS:
        m = _BY_NAME[name]
        if source == ALL:
            values.append(_pick(summary, _summary_path(m.summary, ALL)))
        elif m.by_source == "outcomes":
            values.append(float(outcomes.at[source, name]))
        else:
            values.append(_pick(summary, _summary_path(m.summary, source)))
    return values
