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
    """One quantity measured per replication, with a ``short`` name (a column heading) and a
    ``label`` for people.

    ``summary``: its path in a replication's summary (``{source}`` stands for ``overall`` or
    ``by_source, SOURCE``, and ``{by_source}`` for nothing or ``by_source, SOURCE``: the
    summary's ``left_unseen`` keeps its overall numbers at its top);
    ``by_source``: where a source's value comes from: the summary path with ``{source}``
    filled in (``"summary"``), a column of ``outcomes_by_source`` (``"outcomes"``), or nowhere
    (None: measured overall only). ``better``: which way is good for patients or the OPD
    (None: neither, e.g. tokens booked). ``signed``: the quantity may be negative.
    ``meaning``: what it counts, in a line, for a report's glossary.
    """

    name: str
    short: str
    label: str
    unit: Literal["minutes", "tokens", "slots", "share"]
    summary: tuple[str, ...]
    by_source: Literal["summary", "outcomes"] | None = None
    better: Literal["lower", "higher"] | None = "lower"
    signed: bool = False
    meaning: str = ""

    @property
    def count(self) -> bool:
        """Whether each replication's value is a whole number."""
        return self.unit in ("tokens", "slots")


#: Every metric, in the order reports show them: what a policy changes first, then the
#: context (tokens, cancellations and no-shows are the patients' doing, nearly alike under all).
METRICS: tuple[Metric, ...] = (
    Metric("wait_mean_minutes", "mean wait", "mean wait (minutes)", "minutes",
           ("waits", "{source}", "mean"), "summary",
           meaning="minutes from arrival to the consultation, patients seen"),
    Metric("wait_p90_minutes", "p90 wait", "90th percentile wait (minutes)", "minutes",
           ("waits", "{source}", "p90"), "summary",
           meaning="the wait one patient in ten exceeds"),
    Metric("delay_mean_minutes", "mean delay", "mean delay (minutes)", "minutes",
           ("delays", "{source}", "mean"), "summary", signed=True,
           meaning="minutes from the later of arrival and the appointment to the consultation "
                   "(negative: called in early); the measure for booked patients"),
    Metric("delay_p90_minutes", "p90 delay", "90th percentile delay (minutes)", "minutes",
           ("delays", "{source}", "p90"), "summary", signed=True,
           meaning="the delay one patient in ten exceeds"),
    Metric("seen", "seen", "patients seen", "tokens", ("completed",), "outcomes",
           better="higher", meaning="tokens that ended in a consultation"),
    Metric("bumped", "bumps", "bumps", "tokens", ("bumped",), "outcomes",
           meaning="times a token lost its seat to a higher priority (twice bumped: 2)"),
    Metric("expired", "expired", "expired unseen", "tokens", ("expired",), "outcomes",
           meaning="tokens sent home unseen from a waitlist: still on it when their day "
                   "ended, or past the scenario's waitlist expiry"),
    Metric("left_unseen", "left unseen", "left unseen", "tokens", ("left_unseen", "n"),
           "outcomes",
           meaning="patients who came but went home before being called in (their "
                   "patience ran out)"),
    Metric("left_unseen_rate", "left-unseen rate", "left-unseen rate", "share",
           ("left_unseen", "{by_source}", "rate"), "summary",
           meaning="patients who left unseen over the patients who came"),
    Metric("overbooked_slots", "overbooked", "overbooked slots", "slots", ("overbooked_slots",),
           meaning="slots an emergency was seated in beyond capacity"),
    Metric("utilisation", "utilisation", "doctor utilisation", "share", ("utilisation_mean",),
           better=None,
           meaning="minutes consulting within sessions over session minutes, mean over "
                   "doctors"),
    Metric("overtime_minutes", "overtime", "overtime (doctor-minutes)", "minutes",
           ("overtime_minutes_total",),
           meaning="minutes consulting outside the sessions, summed over doctors"),
    Metric("tokens", "tokens", "tokens booked", "tokens", ("tokens_booked",), "outcomes",
           better=None, meaning="every booking, follow-ups included"),
    Metric("cancelled", "cancelled", "cancelled", "tokens", ("cancellations",), "outcomes",
           better=None, meaning="tokens the patient cancelled"),
    Metric("no_shows", "no-shows", "no-shows", "tokens", ("no_shows",), "outcomes",
           better=None, meaning="tokens whose patient did not come"),
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
    """A summary path with ``{source}`` made ``overall`` or ``by_source, SOURCE``, and
    ``{by_source}`` nothing or ``by_source, SOURCE``."""
    out: list[str] = []
    for key in path:
        if key == "{source}":
            out += ["overall"] if source == ALL else ["by_source", source]
        elif key == "{by_source}":
            out += [] if source == ALL else ["by_source", source]
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
