"""A run's ``report.html``: the answers an analyst asks of one run, in the order they ask them.

Headline and a table by source first, then waits, overbooking, doctors, bumps, fairness and
the waitlist, provenance last; one self-contained page (:class:`opd_sim.reporting.page.Page`,
figures embedded), with the same figures also written beside it as PNG files for people who
want them (the page refers to none of them). Where the report goes is the caller's business:
:mod:`opd_sim.run_output` writes it with a run, or rebuilds it for a run directory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.analysis import (
    FATES,
    aggregate,
    bumped_fates,
    doctor_workload,
    format_count,
    format_mean,
    left_unseen,
    overbooking_by_doctor,
    overbooking_by_hour,
    p90_ratios,
    repeat_bumps,
    source_shares,
    waitlist_length,
    waitlist_outcomes,
    waits_by_source,
    who_bumped_whom,
)
from opd_sim.engine import Source
from opd_sim.jsonable import json_ready
from opd_sim.reporting.page import Cell, Page, number
from opd_sim.reporting.plots import FEW_PATIENTS, PLOTS, draw_plots, replications_in
from opd_sim.simulation.calendar import MINUTES_PER_DAY, UNLIMITED_SEATS

__all__ = ["ANALYSES", "REPORT_FILES", "SECTIONS", "render_report"]

#: Every file :func:`render_report` writes.
REPORT_FILES = frozenset({"report.html", *PLOTS})
#: The report's sections, in order.
SECTIONS = ("Summary", "Waits and delays", "Overbooking and slot fill", "Doctors", "Bumps",
            "Fairness between sources", "Waitlist", "Provenance")  # fmt: skip

SOURCES = [source.name for source in Source]
_ALL = "all"  # the headline table's row of every source together
#: What a booking desk's history cannot show, said where waits or doctors' time would be.
NO_CONSULTATIONS = ("The booking desk records no consultations: waits and doctors' time are "
                    "not known.")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Run:
    """What every section reads: the frames, the summary and manifest, the drawn figures."""

    decisions: pd.DataFrame
    patients: pd.DataFrame
    slots: pd.DataFrame
    summary: dict[str, Any]
    manifest: dict[str, Any]
    replications: list[int]
    pngs: Mapping[str, bytes]
    analyses: Mapping[str, Any] | None = None

    def analysis(self, name: str) -> Any:
        """What :data:`ANALYSES` ``name`` gives for this run: computed elsewhere if given so,
        else here and now."""
        if self.analyses is not None:
            return self.analyses[name]
        return ANALYSES[name](self.decisions, self.patients, self.slots, self.replications)

    @property
    def consultations(self) -> bool:
        """Whether the run records consultations: a simulated run does; a booking desk's
        history (``opd-sim export``) does not, so its waits and doctors' time are unknown."""
        return self.summary.get("consultations_recorded") is not False

    @property
    def count(self) -> int:
        """How many replications the frames hold (at least 1)."""
        return max(1, len(self.replications))

    def per(self, value: float) -> float:
        """A count summed over replications, per replication."""
        return value / self.count

    @property
    def per_words(self) -> str:
        return " per replication" if self.count > 1 else ""

    def number(self, value: Any) -> str:
        """A count, or a mean count over replications, in a sentence: whole numbers whole."""
        return format_count(value)

    def said(self, value: float) -> str:
        """A count summed over replications, per replication, in a sentence."""
        return format_count(value / self.count)

    def counted(self, value: float) -> str:
        """A count summed over replications, per replication, in a table: to one decimal over
        several replications, whole means too, so that a column of means reads alike."""
        if self.count == 1:
            return format_count(float(value))
        return format_mean(value / self.count)


def _dig(tree: Any, *keys: str) -> Any:
    """``tree[k1][k2]...``, or None where a key or level is missing."""
    for key in keys:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def _estimate(mean: Any, interval: Any = None, count: bool = False, scale: float = 1.0,
              digits: int = 1) -> Cell:  # fmt: skip
    """A mean and its 95 % interval (if any) as a two-line cell: the number, then the interval."""
    is_number = isinstance(mean, int | float) and not isinstance(mean, bool)
    mean = mean * scale if is_number else None
    if isinstance(interval, list | tuple) and len(interval) == 2:
        interval = [float(interval[0]) * scale, float(interval[1]) * scale]
    else:
        interval = None
    text = format_count(mean, interval) if count else format_mean(mean, interval, digits)
    main, _, rest = text.partition(" [")
    return Cell(main, f"[{rest}" if rest else "")


def _share(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{100 * value:.1f} %"


def _ratio(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


def _plural(count: Any, word: str) -> str:
    """The word for ``count`` of it: 1 day, 5 days, 2.5 days."""
    return f"{word}s" if count != 1 else word


def _clock(minutes: float) -> str:
    """Minutes since midnight of day 0 as "day d at hh:mm" (days counted from 0, as the frames'
    ``day`` column counts them)."""
    day, minute = divmod(round(minutes), MINUTES_PER_DAY)
    ahead = " (booking ahead)" if day < 0 else ""
    return f"day {day}{ahead} at {minute // 60:02d}:{minute % 60:02d}"


def _figure(page: Page, run: _Run, name: str) -> None:
    page.figure(run.pngs[name], PLOTS[name])


def _doctor_tables(decisions: pd.DataFrame, patients: pd.DataFrame, slots: pd.DataFrame,
                   replications: Sequence[int]) -> list[pd.DataFrame]:  # fmt: skip
    mine = patients["replication"].to_numpy()
    theirs = slots["replication"].to_numpy()
    return [doctor_workload(patients[mine == r], slots[theirs == r]) for r in replications]


def _bump_tables(decisions: pd.DataFrame, patients: pd.DataFrame, slots: pd.DataFrame,
                 replications: Sequence[int]) -> tuple[pd.DataFrame, ...]:  # fmt: skip
    return who_bumped_whom(decisions), repeat_bumps(patients), bumped_fates(decisions, patients)


def _waitlist_tables(decisions: pd.DataFrame, patients: pd.DataFrame, slots: pd.DataFrame,
                     replications: Sequence[int]) -> tuple[pd.DataFrame, ...]:  # fmt: skip
    return waitlist_outcomes(decisions), waitlist_length(decisions)


#: The sections' costliest computations, by name: functions of a run's frames and replication
#: numbers (decisions, patients, slots, replications) that :func:`render_report` can be given
#: computed elsewhere. Doctors: each replication's doctor workload; bumps: who bumped whom,
#: repeat bumps and the bumped tokens' fates; waitlist: outcomes and length over time.
ANALYSES: dict[str, Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame, Sequence[int]], Any]] = {
    "doctors": _doctor_tables, "bumps": _bump_tables, "waitlist": _waitlist_tables,
}  # fmt: skip


# 1-2 --------------------------------------------------------------------------- the summary


def _source_counts(patients: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Tokens, seen, bumps, expired and left unseen by source and for all sources (one
    replication)."""
    status = patients["status"].astype(str)
    parts = pd.DataFrame({"tokens": 1, "seen": status == "COMPLETED",
                          "bumps": patients["times_bumped"], "expired": status == "EXPIRED",
                          "left_unseen": status == "LEFT", "holding": status == "ALLOCATED",
                          "waitlisted": status == "WAITLISTED",
                          "cancelled": status == "CANCELLED", "no_show": status == "NO_SHOW"},
                         index=patients.index).astype(np.int64)  # fmt: skip
    source = pd.Categorical(patients["source"].astype(str), categories=SOURCES)
    table = parts.groupby(source, observed=False).sum()
    rows = {name: {k: int(v) for k, v in table.loc[name].items()} for name in SOURCES}
    rows[_ALL] = {k: int(v) for k, v in table.sum().items()}
    return rows


def _counts_by_replication(run: _Run) -> dict[str, Any]:
    """:func:`_source_counts` as a mean over replications with 95 % intervals (``ci95``)."""
    theirs = run.patients["replication"].to_numpy()
    return aggregate([_source_counts(run.patients[theirs == r]) for r in run.replications]
                     or [_source_counts(run.patients)])  # fmt: skip


def _anyone_left(run: _Run) -> bool:
    """Whether any patient of the run left unseen (a run of a scenario without
    ``patience_minutes`` has none, and its report says nothing of leaving)."""
    return bool((run.patients["status"].astype(str) == "LEFT").any())


def _expiries(run: _Run) -> str:
    """The run's expiries in words: when their day ended, and past the waitlist expiry when
    the scenario has one and it sent anyone home."""
    s = run.summary
    expired, too_long = s.get("expired"), s.get("expired_waiting_too_long")
    if not too_long or not isinstance(expired, int | float):
        return f"{run.number(expired)} expired on a waitlist when their day ended"
    return (f"{run.number(expired)} expired on a waitlist ({run.number(expired - too_long)} "
            f"when their day ended, {run.number(too_long)} waitlisted past the waitlist "
            "expiry)")  # fmt: skip


def _what_happened(run: _Run) -> str:
    s = run.summary
    days, doctors = s.get("days"), s.get("doctors")
    where = ""
    if days is not None and doctors is not None:
        where = (f" over {number(days)} {_plural(days, 'day')} with {number(doctors)} "
                 f"{_plural(doctors, 'doctor')}")  # fmt: skip
    text = "Per replication, on average, " if run.count > 1 else ""
    if not run.consultations:
        return text + _as_booked(run, where)
    endings = [f"{run.number(s.get('completed'))} were seen",
               f"{run.number(s.get('cancellations'))} cancelled",
               f"{run.number(s.get('no_shows'))} did not come", _expiries(run)]  # fmt: skip
    gone = _dig(s, "left_unseen", "n")
    if gone:
        endings.append(f"{run.number(gone)} came but left without being seen")
    return text + _booked_and_bumped(run, where, endings)


def _as_booked(run: _Run, where: str) -> str:
    """What happened, in words, in a history of bookings: where the tokens stand now."""
    s = run.summary
    stands = [f"{run.number(s.get('still_allocated'))} hold a seat",
              f"{run.number(s.get('still_waitlisted'))} are waitlisted",
              f"{run.number(s.get('cancellations'))} cancelled",
              f"{run.number(s.get('no_shows'))} did not come"]  # fmt: skip
    for key, words in (("completed", "were seen"), ("expired", "expired")):
        if s.get(key):
            stands.append(f"{run.number(s.get(key))} {words}")
    return _booked_and_bumped(run, where, stands)


def _booked_and_bumped(run: _Run, where: str, parts: list[str]) -> str:
    """"N tokens were booked WHERE: A, B and C." and how often tokens were bumped."""
    s = run.summary
    text = (f"{run.number(s.get('tokens_booked'))} tokens were booked{where}: "
            f"{', '.join(parts[:-1])} and {parts[-1]}. ")  # fmt: skip
    bumped = s.get("bumped")
    if not bumped:
        return text + "No token was bumped."
    return text + (f"Tokens lost their seat to a higher priority (were bumped) "
                   f"{run.number(bumped)} {_plural(bumped, 'time')}.")  # fmt: skip


def _booked_summary(page: Page, run: _Run) -> None:
    """The headline table of a history of bookings: where each source's tokens stand."""
    counts = _counts_by_replication(run)
    parts = {"tokens": "tokens", "holding": "holding a seat", "waitlisted": "waitlisted",
             "cancelled": "cancelled", "no_show": "did not come", "bumps": "bumps"}
    rows = [[name, *(_estimate(_dig(counts, name, c), _dig(counts, "ci95", name, c), count=True)
                     for c in parts)] for name in [*SOURCES, _ALL]]  # fmt: skip
    page.table(["source", *parts.values()], rows, numeric=list(parts.values()))
    page.text("Holding a seat, waitlisted: where the token stood when the history was "
              "recorded. Bumps: times a token of the source lost its seat to a higher "
              f"priority. {NO_CONSULTATIONS}", note=True)  # fmt: skip
    if len(run.patients):
        _figure(page, run, "status_by_source.png")


def _summary(page: Page, run: _Run) -> None:
    page.section(SECTIONS[0])
    page.text(_what_happened(run))
    if not run.consultations:
        _booked_summary(page, run)
        return
    if run.count > 1:
        page.text(f"Every number in this table is a mean over the {run.count} replications, "
                  "with its 95 % t interval below it in brackets (none where the number was "
                  "the same in every replication); its percentiles are means of each "
                  "replication's percentile. The figures and tables further down pool the "
                  "patients of all replications (percentiles of all of them together) and "
                  "give counts per replication (the sum over replications divided by their "
                  f"number, {run.count}).", note=True)  # fmt: skip
    counts = _counts_by_replication(run)
    s = run.summary
    left = _anyone_left(run)
    ends = ("bumps", "expired", "left_unseen") if left else ("bumps", "expired")
    rows = []
    for name in [*SOURCES, _ALL]:
        key = ("overall",) if name == _ALL else ("by_source", name)
        row: list[Any] = [name]
        row += [_estimate(_dig(counts, name, c), _dig(counts, "ci95", name, c), count=True)
                for c in ("tokens", "seen")]  # fmt: skip
        for measure in ("waits", "delays"):
            for stat in ("mean", "p90"):
                row.append(_estimate(_dig(s, measure, *key, stat),
                                     _dig(s, "ci95", measure, *key, stat)))  # fmt: skip
        row += [_estimate(_dig(counts, name, c), _dig(counts, "ci95", name, c), count=True)
                for c in ends]  # fmt: skip
        rows.append(row)
    columns = ["source", "tokens", "seen", "mean wait (min)", "p90 wait (min)",
               "mean delay (min)", "p90 delay (min)", "bumps", "expired",
               *(["left unseen"] if left else [])]  # fmt: skip
    page.table(columns, rows, numeric=columns[1:])
    expired = ("Expired: sent home from a waitlist, when its day ended or once waitlisted "
               "past the waitlist expiry." if s.get("expired_waiting_too_long") else
               "Expired: still on a waitlist when its day ended.")  # fmt: skip
    gone = (" Left unseen: came, and went home before being called in (a share of those who "
            "came under Waits and delays)." if left else "")  # fmt: skip
    page.text("Seen: consultations held. Wait: from arrival to the consultation (the waiting "
              "room, and the measure for walk-ins). Delay: from the later of arrival and the "
              "slot's start to the consultation (the delay past the appointment, the measure "
              "for booked patients; negative for a patient called in early). p90: the 90th "
              "percentile. Bumps: times a token of the source lost its seat to a higher "
              f"priority. {expired}{gone}", note=True)
    counted, seen = _dig(s, "waits", "overall", "n"), s.get("completed")
    if isinstance(counted, int | float) and isinstance(seen, int | float) and counted < seen:
        page.text(f"Waits and delays in this table leave out the patients who arrived in the "
                  f"scenario's warm-up or cool-down (its steady-state mode): they describe "
                  f"{run.number(counted)} of the {run.number(seen)} patients seen"
                  f"{run.per_words}. The figures below show every patient seen.",
                  note=True)  # fmt: skip
    if len(run.patients):
        _figure(page, run, "status_by_source.png")


# 3 ------------------------------------------------------------------------------------ waits


def _waits(page: Page, run: _Run) -> None:
    page.section(SECTIONS[1])
    if not run.consultations:
        page.text(NO_CONSULTATIONS)
        return
    table = waits_by_source(run.patients)
    if not table.at["ALL", "n"]:
        page.text("No patient was seen, so there are no waits to show.")
        _left_unseen(page, run, seen=False)
        return
    _figure(page, run, "waits_by_source.png")
    page.text("Booked patients who come early wait longer than they are delayed; walk-ins and "
              "emergencies, who come when they book, wait as long as they are delayed.",
              note=True)  # fmt: skip
    page.subheading("How long patients waited (all replications pooled)")
    rows = []
    for name, row in table.iterrows():
        shares = [_share(row[f"share_within_{m}_minutes"]) for m in (15, 30, 60)]
        rows.append([str(name).replace("ALL", _ALL), run.counted(row["n"]),
                     number(row["p50"]), number(row["p95"]), number(row["max"]), *shares])
    columns = ["source", f"seen{run.per_words}", "median wait (min)", "p95 wait (min)",
               "longest wait (min)", "within 15 min", "within 30 min", "within 60 min"]
    page.table(columns, rows, numeric=columns[1:])
    _figure(page, run, "waits_by_hour.png")
    page.text(f"Points are hourly means; a hollow point, labelled n=k, rests on fewer than "
              f"{FEW_PATIENTS} patients and says little. Lines join consecutive hours only: "
              "no line crosses an hour in which no patient of that source arrived.",
              note=True)  # fmt: skip
    _left_unseen(page, run, seen=True)


def _left_unseen(page: Page, run: _Run, seen: bool) -> None:
    """Who left without being seen, by source: a mean over replications with its interval,
    like the summary's table; nothing at all when nobody left. ``seen``: whether the section
    showed waits of patients seen above it."""
    if not _anyone_left(run):
        return
    theirs = run.patients["replication"].to_numpy()
    tables = [left_unseen(run.patients[theirs == r]) for r in run.replications]
    means = aggregate([json_ready(t.to_dict(orient="index")) for t in tables])
    whole = means[_ALL.upper()]
    page.subheading("Patients who left without being seen")
    text = "Per replication, on average, " if run.count > 1 else ""
    text += (f"{run.number(whole['left_unseen'])} of the {run.number(whole['came'])} patients "
             f"who came ({_share(whole['rate'])}) went home before being called in, after "
             f"waiting {format_mean(whole['waited_mean_minutes'])} minutes on average.")
    if seen:
        text += (" The waits above are of patients seen: those who left are not among them, "
                 "so the waits look shorter than the waiting room was.")  # fmt: skip
    page.text(text)
    columns = ["came", "left_unseen", "rate", "waited_mean_minutes", "waited_p50_minutes",
               "waited_p90_minutes"]  # fmt: skip
    rows = []
    for name in [*SOURCES, _ALL]:
        key = name.upper()
        rows.append([name, *(_estimate(_dig(means, key, c), _dig(means, "ci95", key, c),
                                       count=c in ("came", "left_unseen"),
                                       scale=100.0 if c == "rate" else 1.0)
                             for c in columns)])  # fmt: skip
    heads = [f"came{run.per_words}", "left unseen", "share who left (%)",
             "mean wait before leaving (min)", "median (min)", "p90 (min)"]  # fmt: skip
    page.table(["source", *heads], rows, numeric=heads)
    page.text("Came: patients who arrived (not the no-shows, nor those who cancelled). Left "
              "unseen: not called in within their patience, they went home; the share is of "
              "those who came. Wait before leaving: from arrival to leaving." + (
              " Each number is a mean over the replications, with its 95 % interval below it; "
              "the waits before leaving over the replications in which someone of the source "
              "left (percentiles: each replication's own, averaged)." if run.count > 1
              else ""), note=True)  # fmt: skip


# 4 ------------------------------------------------------------------------------ overbooking


def _overbooking_rows(table: pd.DataFrame, run: _Run, label: Callable[[Any], str]
                      ) -> list[list[str]]:  # fmt: skip
    return [[label(key), run.counted(row["slots"]), run.counted(row["slots_over_capacity"]),
             run.counted(row["seats_over_capacity"]),
             _share(row["slots_over_capacity"] / row["slots"] if row["slots"] else math.nan)]
            for key, row in table.iterrows()]  # fmt: skip


def _overbooking(page: Page, run: _Run) -> None:
    page.section(SECTIONS[2])
    limited = run.slots[run.slots["capacity"] < UNLIMITED_SEATS]
    if not len(limited):
        page.text("No doctor has a seat limit, so no slot can go over capacity and there is "
                  "no slot fill to show.")  # fmt: skip
        return
    over = int((limited["overbooked_by"] > 0).sum())
    seats = int(limited["overbooked_by"].sum())
    if over:
        page.text(f"{run.said(over)} of {run.said(len(limited))} slots "
                  f"({_share(over / len(limited))}){run.per_words} went over capacity, by "
                  f"{run.said(seats)} {_plural(seats, 'seat')} in all: emergencies are "
                  "seated past capacity, and some policies sell extra seats on "
                  "purpose.")  # fmt: skip
        columns = ["slots", "over capacity", "seats over capacity", "share over capacity"]
        page.subheading(f"By doctor{run.per_words}")
        page.table(["doctor", *columns],
                   _overbooking_rows(overbooking_by_doctor(run.slots), run, str),
                   numeric=columns)  # fmt: skip
        page.subheading(f"By hour the slot starts{run.per_words}")
        page.table(["hour", *columns],
                   _overbooking_rows(overbooking_by_hour(run.slots), run,
                                     lambda hour: f"{int(hour):02d}:00"),
                   numeric=columns)  # fmt: skip
    else:
        page.text(f"No slot went over capacity ({run.said(len(limited))} slots with a "
                  f"seat limit{run.per_words}).")  # fmt: skip
    empty = int((limited["most_seats_held"] == 0).sum())
    full = int((limited["most_seats_held"] >= limited["capacity"]).sum())
    page.text(f"{run.said(full)} slots ({_share(full / len(limited))}) were full at "
              f"some moment and {run.said(empty)} ({_share(empty / len(limited))}) "
              f"held nobody at any time{run.per_words}.")  # fmt: skip
    _figure(page, run, "slot_fill.png")
    end = ("the seats held at the end, which are the patients it saw" if run.consultations
           else "the seats held when the history was recorded")  # fmt: skip
    page.text("Dark bars: the most seats a slot held at once (its bookings at their peak); "
              f"light bars: {end} (a cancellation or no-show frees its seat).",
              note=True)  # fmt: skip


# 5 ---------------------------------------------------------------------------------- doctors


def _lateness(run: _Run) -> dict[str, tuple[Any, Any]]:
    """Each doctor's late minutes (mean over replications) and their interval, from the
    summary; empty when no doctor came late (or the summary predates lateness)."""
    doctors = run.summary.get("by_doctor")
    if not isinstance(doctors, dict):
        return {}
    late = {str(doctor): (_dig(doctors, doctor, "late_minutes"),
                          _dig(run.summary, "ci95", "by_doctor", doctor, "late_minutes"))
            for doctor in doctors}  # fmt: skip
    if not any(isinstance(m, int | float) and m > 0 for m, _ in late.values()):
        return {}
    return late


def _doctors(page: Page, run: _Run) -> None:
    page.section(SECTIONS[3])
    if not len(run.slots):
        page.text("No doctor had a session.")
        return
    if not run.consultations:
        _booked_doctors(page, run)
        return
    tables = run.analysis("doctors")
    each = [json_ready(table.to_dict(orient="index")) for table in tables]
    means = aggregate(each)
    late = _lateness(run)
    columns = ["patients_seen", "utilisation", "busy_minutes", "idle_minutes",
               "overtime_minutes", "after_last_slot_minutes"]  # fmt: skip
    rows = []
    for doctor in tables[0].index:
        name = str(doctor)
        row = [name, *(_estimate(_dig(means, name, c), _dig(means, "ci95", name, c),
                                 count=c == "patients_seen",
                                 scale=100.0 if c == "utilisation" else 1.0)
                       for c in columns)]  # fmt: skip
        if late:  # beside overtime: a late start is what pushes consultations past the close
            row.insert(5, _estimate(*late.get(name, (None, None))))
        rows.append(row)
    utilisation = run.summary.get("utilisation_mean")
    overtime = run.summary.get("overtime_minutes_total")
    if isinstance(utilisation, int | float) and isinstance(overtime, int | float):
        worked = (f"worked {format_mean(overtime)} minutes of overtime between them"
                  f"{run.per_words}" if overtime > 0 else "worked no overtime")  # fmt: skip
        page.text(f"Doctors consulted for {format_mean(100 * utilisation)} % of their session "
                  f"time on average and {worked}.")  # fmt: skip
    if late:
        minutes = {name: m for name, (m, _) in late.items() if isinstance(m, int | float)}
        most = max(minutes, key=minutes.__getitem__)
        page.text(f"Doctors came late to their sessions by {format_mean(sum(minutes.values()))} "
                  f"minutes between them{run.per_words}; {most} most, by "
                  f"{format_mean(minutes[most])} minutes. Patients wait while the doctor is "
                  "not there, and a late start can push consultations past the close.")  # fmt: skip
    heads = ["doctor", f"patients seen{run.per_words}", "utilisation (%)",
             "consulting in all (min)", "idle in sessions (min)", "overtime (min)",
             "after the last slot (min)"]  # fmt: skip
    if late:
        heads.insert(5, "late (min)")
    page.table(heads, rows, numeric=heads[1:])
    page.text("Patients seen counts who consulted, which is not the slot's doctor when doctors "
              "share a queue. Utilisation: minutes consulting inside the doctor's sessions / "
              "session minutes. Idle: session minutes not consulting. " + (
              "Late: minutes the doctor came after a session opened, summed over the sessions "
              "(part of idle: the doctor was not there yet). " if late else "") +
              "Overtime: consulting outside the sessions (past a close); after the last slot: "
              "the part of it after the day's last slot ended." + (" Below each number, its "
              "95 % interval over replications." if run.count > 1 else ""),
              note=True)  # fmt: skip
    _figure(page, run, "doctor_time.png")


def _booked_doctors(page: Page, run: _Run) -> None:
    """Each doctor's slots and seats in a history of bookings, with their names."""
    page.text(NO_CONSULTATIONS)
    names = run.summary.get("doctor_names")
    names = names if isinstance(names, dict) else {}
    slots = run.slots
    table = slots.groupby("doctor_id", observed=False).agg(
        slots=("slot_id", "size"), seats=("capacity", "sum"), held=("seats_held", "sum"),
        over=("overbooked_by", "sum"))  # fmt: skip
    heads = ["slots", "seats", "seats held", "seats over capacity (at the peak)"]
    page.table(["doctor", "name", *heads],
               [[str(doctor), str(names.get(str(doctor), "-")),
                 *(run.counted(row[c]) for c in ("slots", "seats", "held", "over"))]
                for doctor, row in table.iterrows()], numeric=heads)  # fmt: skip
    page.text("Seats: the slots' capacities added up; seats held: when the history was "
              "recorded.", note=True)  # fmt: skip


# 6 ------------------------------------------------------------------------------------ bumps


def _bumps(page: Page, run: _Run) -> None:
    page.section(SECTIONS[4])
    whom, repeats, fates = run.analysis("bumps")
    total = int(whom.to_numpy().sum())
    if not total:
        page.text("No token was bumped.")
        return
    once, twice = int(repeats["bumped"].sum()), int(repeats["bumped_repeatedly"].sum())
    repeated = f"{run.said(twice)} of them twice or more" if twice else "none twice"
    page.text(f"Tokens lost their seat {run.said(total)} {_plural(total, 'time')}"
              f"{run.per_words}: {run.said(once)} {_plural(once, 'token')} were bumped at "
              f"least once, {repeated}.")  # fmt: skip
    page.subheading(f"Who bumped whom{run.per_words}")
    columns = [f"by {name}" for name in whom.columns]
    page.table(["bumped token", *columns],
               [[str(name), *(run.counted(v) for v in row)] for name, row in whom.iterrows()],
               numeric=columns)  # fmt: skip
    page.text("Rows: the source of the token that lost its seat; columns: the source of the "
              "token that took it.", note=True)  # fmt: skip
    page.subheading("Repeat bumps")
    heads = [f"tokens{run.per_words}", "bumped at least once", "bumped twice or more",
             "most bumps of one token"]  # fmt: skip
    page.table(["source", *heads],
               [[str(name), run.counted(row["tokens"]), run.counted(row["bumped"]),
                 run.counted(row["bumped_repeatedly"]), format_count(row["most_times_bumped"])]
                for name, row in repeats.iterrows()],
               numeric=heads)  # fmt: skip
    page.subheading(f"What became of the bumped tokens{run.per_words}")
    fates = fates[fates.sum(axis=1) > 0]
    # the fates a scenario without patience or waitlist expiry cannot have are shown only when
    # they happened; the others always, a zero being an answer there
    rare = _SHOWN_WHEN_THEY_HAPPEN if run.consultations else _SHOWN_WHEN_THEY_HAPPEN | _ENDED
    shown = [fate for fate in FATES if fate not in rare or fates[fate].sum()]
    heads = [_FATE_WORDS[fate] for fate in shown]
    page.table(["source", *heads],
               [[str(name), *(run.counted(row[f]) for f in shown)]
                for name, row in fates.iterrows()], numeric=heads)  # fmt: skip
    left = ("; left unseen: it came and went home before being called in"
            if any(fate in shown for fate in _SHOWN_WHEN_THEY_HAPPEN if "left" in fate) else "")
    too_long = ("; expired, waited too long: still waitlisted when the waitlist expiry ran out"
                if "expired_waiting_too_long" in shown else "")  # fmt: skip
    page.text("After its last bump a token is moved to a later slot of its doctor's day with a "
              f"free seat, or else waitlisted; not seen: it cancelled or did not come{left}"
              f"{too_long}. Sources none of whose tokens was bumped are left out.",
              note=True)  # fmt: skip


#: The words for each of FATES in the bumps table.
_FATE_WORDS = {
    "reallocated_seen": "moved to a later slot, seen",
    "reallocated_not_seen": "moved, not seen",
    "reallocated_left_unseen": "moved, left unseen",
    "promoted_seen": "waitlisted, promoted, seen",
    "promoted_not_seen": "waitlisted, promoted, not seen",
    "promoted_left_unseen": "waitlisted, promoted, left unseen",
    "expired_at_day_end": "waitlisted, expired at day end",
    "expired_waiting_too_long": "waitlisted, expired, waited too long",
    "cancelled_while_waitlisted": "waitlisted, cancelled",
    "left_unseen_while_waitlisted": "waitlisted, left unseen",
    "reallocated_holding_seat": "moved to a later slot, holds it",
    "promoted_holding_seat": "waitlisted, promoted, holds the seat",
    "still_waitlisted": "still waitlisted",
}
#: Fates only patience (leaving unseen), a waitlist expiry or a recorded history (tokens that
#: have not ended) make possible.
_SHOWN_WHEN_THEY_HAPPEN = frozenset({"reallocated_left_unseen", "promoted_left_unseen",
                         "expired_waiting_too_long", "left_unseen_while_waitlisted",
                         "reallocated_holding_seat", "promoted_holding_seat",
                         "still_waitlisted"})  # fmt: skip
#: Fates a recorded history without consultations or day ends cannot have.
_ENDED = frozenset({"reallocated_seen", "promoted_seen", "expired_at_day_end"})


# 7 --------------------------------------------------------------------------------- fairness


def _p90_words(patients: pd.DataFrame) -> str:
    ratios = p90_ratios(patients)
    wait, delay = ratios["wait_minutes"], ratios["delay_minutes"]
    if math.isnan(wait):
        names = patients.loc[patients["wait_minutes"].notna(), "source"].astype(str)
        why = ("no walk-in was seen" if not (names == "WALKIN").any() else
               "no paying patient was seen" if not (names == "PAID").any() else
               "paying patients' 90th percentile wait is zero")  # fmt: skip
        return f"The walk-in / paid ratio of 90th percentile waits cannot be given: {why}."
    words = "longer" if wait > 1 else "shorter" if wait < 1 else "as long"
    text = (f"Walk-ins' 90th percentile wait is {wait:.2f} times paying patients' "
            f"({words}, all replications pooled)")  # fmt: skip
    return text + (f"; of delays, {delay:.2f} times." if not math.isnan(delay) else ".")


def _fairness(page: Page, run: _Run) -> None:
    page.section(SECTIONS[5])
    shares = source_shares(run.patients)
    if run.consultations:
        page.text(_p90_words(run.patients))
    left = bool(shares["left_unseen"].sum())
    if not (shares["bumps"].sum() or shares["expiries"].sum() or left):
        page.text("No token was bumped and none expired, so there is nothing to share out.")
        return
    if shares["bumps"].sum() or shares["expiries"].sum():
        if left:  # two tables: say which is which
            page.subheading("Bumps and expiries, source by source")
        rows = [[str(name), run.counted(row["tokens"]), _share(row["share_of_tokens"]),
                 run.counted(row["bumps"]), _share(row["share_of_bumps"]),
                 _ratio(row["bump_ratio"]), run.counted(row["expiries"]),
                 _share(row["share_of_expiries"]), _ratio(row["expiry_ratio"])]
                for name, row in shares.iterrows()]  # fmt: skip
        heads = [f"tokens{run.per_words}", "share of tokens", "bumps", "share of bumps",
                 "bumps / fair share", "expiries", "share of expiries",
                 "expiries / fair share"]  # fmt: skip
        page.table(["source", *heads], rows, numeric=heads)
        page.text("Fair share: the source's share of tokens; a ratio above 1 means the source "
                  "bears more bumps (or expiries) than its share of tokens; '-': there were "
                  "none at all, or the source had no tokens.", note=True)  # fmt: skip
        _figure(page, run, "fairness.png")
    if left:
        _left_unseen_shares(page, run, shares)


def _left_unseen_shares(page: Page, run: _Run, shares: pd.DataFrame) -> None:
    """Who bears the leaving: each source's rate of leaving unseen against everyone's."""
    page.subheading("Leaving unseen, source by source")
    rates = shares["left_unseen_ratio"].dropna()
    worst = rates.idxmax() if len(rates) else None
    if worst is not None and rates[worst] > 1:
        page.text(f"{_PATIENTS_OF[str(worst)]} left unseen {rates[worst]:.2f} times as often as "
                  f"patients overall: {_share(shares.at[worst, 'left_unseen_rate'])} of those "
                  "who came (all replications pooled).")  # fmt: skip
    rows = [[str(name), run.counted(row["left_unseen"]), _share(row["share_of_left_unseen"]),
             _share(row["left_unseen_rate"]), _ratio(row["left_unseen_ratio"])]
            for name, row in shares.iterrows()]  # fmt: skip
    heads = [f"left unseen{run.per_words}", "share of those who left", "left-unseen rate",
             "rate / everyone's rate"]  # fmt: skip
    page.table(["source", *heads], rows, numeric=heads)
    page.text("Left-unseen rate: the share of the source's patients who came who left unseen. "
              "Only a patient who came can leave, so the fair share here is the source's share "
              "of the patients who came, and a ratio above 1 means its patients left unseen "
              "more often than patients overall; '-': none of the source came.",
              note=True)  # fmt: skip


#: Each source's patients in a sentence.
_PATIENTS_OF = {"EMERGENCY": "Emergency patients", "PAID": "Paying patients",
                "FOLLOWUP": "Follow-up patients", "ONLINE": "Patients who booked online",
                "WALKIN": "Walk-ins"}  # fmt: skip


# 8 --------------------------------------------------------------------------------- waitlist


def _waitlist(page: Page, run: _Run) -> None:
    page.section(SECTIONS[6])
    outcomes, steps = run.analysis("waitlist")
    joined = int(outcomes["waitlisted"].sum())
    if not joined:
        page.text("No token was put on a waitlist.")
        return
    sums = outcomes.sum()
    too_long = int(sums["expired_waiting_too_long"])
    left = int(sums["left_unseen_while_waitlisted"])
    ways = [f"{run.said(sums['promoted'])} were promoted into a freed seat"]
    if too_long:
        ways += [f"{run.said(sums['expired'] - too_long)} expired when their day ended",
                 f"{run.said(too_long)} expired once waitlisted past the waitlist expiry"]
    elif run.consultations or sums["expired"]:
        ways.append(f"{run.said(sums['expired'])} expired when their day ended")
    ways.append(f"{run.said(sums['cancelled_while_waitlisted'])} cancelled while waiting")
    if not run.consultations:  # a recorded history: its waitlists need not be empty yet
        waiting = joined - int(sums[["promoted", "expired", "cancelled_while_waitlisted",
                                     "left_unseen_while_waitlisted"]].sum())  # fmt: skip
        ways.append(f"{run.said(waiting)} were still waiting when the history was recorded")
    if left:
        ways.append(f"{run.said(left)} came and left unseen while still waitlisted")
    page.text(f"Tokens joined a waitlist {run.said(joined)} times{run.per_words}: "
              f"{', '.join(ways[:-1])} and {ways[-1]}.")  # fmt: skip
    # a column for what a plain day cannot have only when it happened
    columns = {"waitlisted": "joined", "promoted": "promoted"}
    if too_long:
        outcomes = outcomes.assign(expired_at_day_end=outcomes["expired"] - outcomes[
            "expired_waiting_too_long"])
        columns |= {"expired_at_day_end": "expired at day end",
                    "expired_waiting_too_long": "expired, waited too long"}
    else:
        columns["expired"] = "expired"
    columns["cancelled_while_waitlisted"] = "cancelled while waitlisted"
    if left:
        columns["left_unseen_while_waitlisted"] = "left unseen while waitlisted"
    heads = list(columns.values())
    page.table(["source", *heads],
               [[str(name), *(run.counted(row[c]) for c in columns)]
                for name, row in outcomes.iterrows()], numeric=heads)  # fmt: skip
    page.text("Joined counts every time a token went on a waitlist, on booking or after a "
              "bump, so a token bumped twice may join twice." + (
              " Waited too long: still waitlisted when the scenario's waitlist expiry, counted "
              "from the request, ran out." if too_long else ""), note=True)  # fmt: skip
    longest = steps.loc[steps["waitlist_length"].idxmax()]
    where = f" in replication {int(longest['replication'])}" if run.count > 1 else ""
    page.text(f"The waitlists were longest{where} on {_clock(longest['time'])}: "
              f"{int(longest['waitlist_length'])} tokens (days counted from 0, as in the "
              "frames).")  # fmt: skip
    _figure(page, run, "waitlist_length.png")


# 9 ------------------------------------------------------------------------------- provenance


def _history_provenance(page: Page, run: _Run) -> None:
    """Where a history of bookings came from: the store, when it was exported, its doctors."""
    m, s = run.manifest, run.summary
    listed = m.get("counts")
    counts: dict[str, Any] = listed if isinstance(listed, dict) else {}
    doctors = m.get("doctors") or s.get("doctor_names")
    versions = m.get("versions")
    rows = [
        ("recorded history", str(s.get("origin") or "-")),
        ("store", str(m.get("store", "-"))),
        ("store schema version", str(m.get("store_schema_version", "-"))),
        ("exported at", str(m.get("exported_at", "-"))),
        ("doctors", "; ".join(f"{k}: {v}" for k, v in doctors.items())
         if isinstance(doctors, dict) and doctors else "-"),
        ("days", number(s.get("days"))),
        ("slots", number(counts.get("slots", s.get("slots_created")))),
        ("tokens", number(counts.get("tokens", s.get("tokens_booked")))),
        ("engine decisions", number(m.get("decisions"))),
        ("package versions", ", ".join(f"{k} {v}" for k, v in versions.items())
         if isinstance(versions, dict) else "-"),
        ("python", str(m.get("python", "-"))),
    ]  # fmt: skip
    page.facts(rows)
    page.text("Times in the frames are minutes since midnight of the first slot's day; the "
              "desk's clock was read in the exporting machine's time zone. Doctors are named "
              "by their store id in the frames.", note=True)  # fmt: skip


def _provenance(page: Page, run: _Run) -> None:
    page.section(SECTIONS[7])
    if not run.consultations:
        _history_provenance(page, run)
        return
    m, s = run.manifest, run.summary
    if not m:
        page.text("This run directory has no manifest.json: where the run came from is not "
                  "recorded.")  # fmt: skip
    policy = m.get("policy")
    if isinstance(policy, dict):
        params = policy.get("params") or {}
        words = str(policy.get("name", "-"))
        if isinstance(params, dict) and params:
            words += " (" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"
    else:
        words = str(s.get("policy", "-"))
    versions = m.get("versions")
    rows = [
        ("scenario", str(m.get("scenario", s.get("scenario", "-")))),
        ("scenario file", str(m.get("scenario_file", "-"))),
        ("scenario sha256", str(m.get("scenario_sha256", "-"))),
        ("seed", str(m.get("seed", s.get("seed", "-")))),
        ("replications", number(m.get("replications", s.get("replications")))),
        ("policy", words),
        ("days", number(s.get("days"))),
        ("doctors", number(s.get("doctors"))),
        ("package versions", ", ".join(f"{k} {v}" for k, v in versions.items())
         if isinstance(versions, dict) else "-"),
        ("python", str(m.get("python", "-"))),
        ("elapsed", f"{number(m.get('elapsed_seconds'), 2)} s"
         if m.get("elapsed_seconds") is not None else "-"),
        ("engine decisions", number(m.get("decisions"))),
    ]  # fmt: skip
    page.facts(rows)


def render_report(target_dir: str | Path, decisions: pd.DataFrame, patients: pd.DataFrame,
                  slots: pd.DataFrame, summary: dict[str, Any], manifest: dict[str, Any],
                  figures: Mapping[str, bytes] | None = None,
                  analyses: Mapping[str, Any] | None = None) -> Path:  # fmt: skip
    """Write ``report.html`` and the PNG files of :data:`PLOTS` into ``target_dir`` from a
    run's frames, summary and manifest already in memory; return the report's path.

    Where other processes compute them (reading one may wait for it): ``figures``, the PNG
    bytes of every plot by file name (None: drawn here first); ``analyses``, what each of
    :data:`ANALYSES` gives for the frames, by name (None: computed here as the page is built).
    """
    target = Path(target_dir)
    summary, manifest = json_ready(summary), json_ready(manifest)
    replications = replications_in(decisions, patients, slots)
    if figures is None:
        figures = draw_plots(decisions, patients, slots, max(1, len(replications)))
    run = _Run(decisions, patients, slots, summary, manifest, replications, figures, analyses)
    scenario = str(summary.get("scenario") or manifest.get("scenario") or target.name)
    days = summary.get("days")
    if not run.consultations:  # a booking desk's history: no scenario, policy or seed
        facts = [str(summary.get("origin") or "recorded history")]
        if days is not None:
            facts.append(f"{number(days)} {_plural(days, 'day')}")
        page = Page("OPD bookings as recorded", " · ".join(facts))
    else:
        facts = [f"policy {summary.get('policy', '-')}"]
        if days is not None:
            facts.append(f"{number(days)} {_plural(days, 'day')}")
        facts += [f"{run.count} {_plural(run.count, 'replication')}",
                  f"seed {summary.get('seed', manifest.get('seed', '-'))}"]  # fmt: skip
        page = Page(f"OPD run: {scenario}", " · ".join(facts))
    for section in (_summary, _waits, _overbooking, _doctors, _bumps, _fairness, _waitlist,
                    _provenance):  # fmt: skip
        section(page, run)
    for name in PLOTS:  # every figure, also those the page shows in words instead
        (target / name).write_bytes(figures[name])
    report = target / "report.html"
    report.write_text(page.html(), encoding="utf-8")
    return report
