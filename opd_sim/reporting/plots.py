"""The figures of a run's report, drawn from its frames: each titled, with labelled axes.

Every figure is drawn whatever the run holds; one with nothing to show (no bump, no waitlist,
no seat limit) says so in words on its canvas, so a run directory always holds the same PNG
files. The HTML report shows words instead of such a figure. Counts are per replication (the
sum over replications divided by their number) and percentiles pool every replication's
patients, as :mod:`opd_sim.analysis` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opd_sim.analysis import doctor_workload, source_shares, waitlist_length
from opd_sim.engine import Source
from opd_sim.reporting.page import figure_png
from opd_sim.simulation.calendar import MINUTES_PER_DAY, UNLIMITED_SEATS

__all__ = ["FEW_PATIENTS", "PLOTS", "draw_figure", "draw_plots", "replications_in", "warm_up",
           "write_plots"]

SOURCE_ORDER = [source.name for source in Source]  # in priority order
# one colour per source in every figure, so a reader learns them once
SOURCE_COLOURS = {"EMERGENCY": "#d62728", "PAID": "#9467bd", "FOLLOWUP": "#2ca02c",
                  "ONLINE": "#1f77b4", "WALKIN": "#ff7f0e"}  # fmt: skip
STATUS_COLOURS = {"COMPLETED": "#2ca02c", "CANCELLED": "#8c8c8c", "NO_SHOW": "#bcbd22",
                  "LEFT": "#ff7f0e", "EXPIRED": "#d62728"}  # fmt: skip
#: Statuses no finished simulated day leaves but a booking desk's history does: tokens still
#: holding a seat or waiting for one when it was exported.
OPEN_STATUS_COLOURS = {"ALLOCATED": "#1f77b4", "WAITLISTED": "#9467bd"}
# a status in the legend: its name in lower case, unless that says too little
STATUS_WORDS = {"NO_SHOW": "no-show", "LEFT": "left unseen", "ALLOCATED": "holds a seat",
                "WAITLISTED": "still waitlisted"}  # fmt: skip
#: A point of "waits by hour" resting on fewer patients than this is labelled with its count.
FEW_PATIENTS = 10
#: file name -> caption, in the order the report shows them
PLOTS = {
    "status_by_source.png": "How tokens ended, by source (share of each source's tokens)",
    "waits_by_source.png": "Waits and delays by source (patients seen)",
    "waits_by_hour.png": "Mean wait by hour of arrival, by source",
    "slot_fill.png": "Slot fill: seats held relative to capacity, empty slots included",
    "doctor_time.png": "Doctors' session time: consulting, idle, and overtime",
    "fairness.png": "Each source's share of tokens, bumps and expiries",
    "waitlist_length.png": "Tokens on a waitlist over time",
}


#: The waitlist plot marks each midnight only over spans of this many days or fewer (bookings
#: made years ahead would otherwise ask for a line a day, millions of them).
MIDNIGHT_LINES_UP_TO_DAYS = 60

#: Doctors given a bar each in doctor_time.png; past this, those with the most overtime.
MOST_DOCTORS_SHOWN = 40


def _figure(width: float = 9.0, height: float = 4.2, columns: int = 1, **options: Any
            ) -> tuple[Any, Any]:  # fmt: skip
    # a bare Figure, not pyplot: nothing global, no window, safe in worker processes
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    axes = fig.subplots(1, columns, **options)
    return fig, axes


def _nothing(title: str, message: str) -> Any:
    """A figure saying in words that there is nothing to draw."""
    fig, ax = _figure(height=2.0)
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _sources(values: Any) -> list[str]:
    present = {str(v) for v in values}
    return [s for s in SOURCE_ORDER if s in present]


def _per(replications: int) -> str:
    return " per replication" if replications > 1 else ""


def status_by_source(patients: pd.DataFrame) -> Any:
    """Stacked bars: the share of each final status among each source's tokens."""
    title = "How tokens ended"
    sources = _sources(patients["source"].unique())
    if not sources:
        return _nothing(title, "no token was booked")
    fig, ax = _figure(height=1.4 + 0.55 * len(sources))
    status = patients["status"].astype(str)
    table = pd.crosstab(patients["source"].astype(str), status).reindex(sources, fill_value=0)
    shares = table.div(table.sum(axis=1), axis=0) * 100
    left = np.zeros(len(sources))
    colours = {**OPEN_STATUS_COLOURS, **STATUS_COLOURS}
    for name in [s for s in colours if s in shares.columns and shares[s].any()]:
        values = shares[name].to_numpy()
        ax.barh(sources, values, left=left, label=STATUS_WORDS.get(name, name.lower()),
                color=colours[name])  # fmt: skip
        left += values
    if any(name in shares.columns and shares[name].any() for name in OPEN_STATUS_COLOURS):
        title = "How tokens stand"  # a recorded history: some tokens have not ended yet
    ax.invert_yaxis()  # EMERGENCY on top, as in the tables
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the source's tokens (%)")
    ax.set_ylabel("source")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1),
              title="final status" if title == "How tokens ended" else "status")
    return fig


def waits_by_source(patients: pd.DataFrame) -> Any:
    """Box plots of wait and delay per source, side by side on one scale."""
    title = "Waits and delays by source"
    seen = patients[patients["wait_minutes"].notna()]
    sources = _sources(seen["source"].unique())
    if not sources:
        return _nothing(title, "no patient was seen")
    fig, axes = _figure(height=4.6, columns=2, sharey=True)
    names = {"wait_minutes": "Wait: arrival to consultation",
             "delay_minutes": "Delay: past the appointment"}  # fmt: skip
    for ax, (measure, heading) in zip(axes, names.items(), strict=True):
        data = [seen.loc[seen["source"] == s, measure].dropna().to_numpy() for s in sources]
        boxes = ax.boxplot(data, tick_labels=sources, showmeans=True, whis=(5, 95),
                           showfliers=False, patch_artist=True,
                           medianprops={"color": "black"},
                           meanprops={"marker": "^", "markerfacecolor": "white",
                                      "markeredgecolor": "black"})  # fmt: skip
        for box, source in zip(boxes["boxes"], sources, strict=True):
            box.set_facecolor(SOURCE_COLOURS[source])
            box.set_alpha(0.55)
        ax.axhline(0, color="#57606a", linewidth=0.8)
        ax.set_title(heading, fontsize="medium")
        ax.set_xlabel("source")
        ax.tick_params(axis="x", labelsize="small", rotation=20)
    axes[0].set_ylabel("minutes")
    fig.suptitle(f"{title} (box: quartiles; whiskers: 5th-95th percentile; triangle: mean)",
                 fontsize="medium")  # fmt: skip
    return fig


def _runs(hours: np.ndarray) -> list[np.ndarray]:
    """Indices of ``hours`` (sorted) split into runs of consecutive hours."""
    breaks = np.flatnonzero(np.diff(hours) != 1) + 1
    return np.split(np.arange(len(hours)), breaks)


def waits_by_hour(patients: pd.DataFrame) -> Any:
    """Mean wait of the patients seen by clock hour of arrival, one series per source.

    Lines join consecutive hours only: an hour without a patient of that source breaks the
    line rather than bridging it; a point resting on fewer than :data:`FEW_PATIENTS` patients
    is labelled with its count.
    """
    title = "Mean wait by hour of arrival"
    seen = patients[patients["wait_minutes"].notna() & patients["arrived_at"].notna()]
    if not len(seen):
        return _nothing(title, "no patient was seen")
    fig, ax = _figure(height=4.6)
    hour = ((seen["arrived_at"].to_numpy() % MINUTES_PER_DAY) // 60).astype(np.int64)
    sources = _sources(seen["source"].unique())
    for source in sources:
        mask = (seen["source"] == source).to_numpy()
        grouped = pd.Series(seen["wait_minutes"].to_numpy()[mask]).groupby(hour[mask])
        means, counts = grouped.mean(), grouped.size()
        hours, values = means.index.to_numpy(), means.to_numpy()
        colour = SOURCE_COLOURS[source]
        for run in _runs(hours):
            ax.plot(hours[run] + 0.5, values[run], color=colour, linewidth=1.6)
        few = counts.to_numpy() < FEW_PATIENTS
        # solid points rest on enough patients; hollow ones, labelled with their count, do not
        ax.scatter(hours[~few] + 0.5, values[~few], color=colour, s=24, zorder=3, label=source,
                   clip_on=False)  # fmt: skip
        ax.scatter(hours[few] + 0.5, values[few], facecolors="white", edgecolors=colour, s=24,
                   zorder=3, clip_on=False)  # fmt: skip
        for h, value, n in zip(hours[few], values[few], counts.to_numpy()[few], strict=True):
            ax.annotate(f"n={n}", (h + 0.5, value), textcoords="offset points",
                        xytext=(4, 3), fontsize=7, color=colour)  # fmt: skip
    first, last = int(hour.min()), int(hour.max()) + 1
    ticks = range(first, last + 1)
    ax.set_xticks(list(ticks), [f"{h % 24:02d}:00" for h in ticks], fontsize="small")
    ax.set_xlim(first, last)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.set_xlabel("hour of arrival (clock time; every day and replication together)")
    ax.set_ylabel("mean wait (minutes)")
    ax.set_title(f"{title} (hollow, n=k: a mean of fewer than {FEW_PATIENTS} patients)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="source")
    return fig


def slot_fill(slots: pd.DataFrame, replications: int = 1) -> Any:
    """Slots by how full they were: the most seats held at once, and the seats held at the end
    (the patients seen), each over the slot's capacity; every slot with a seat limit counts,
    empty ones included."""
    title = "Slot fill (slots with a seat limit, empty ones included)"
    limited = slots[slots["capacity"] < UNLIMITED_SEATS]
    if not len(limited):
        return _nothing(title, "no slot has a seat limit: there is no capacity to fill")
    capacity = limited["capacity"].to_numpy(dtype=np.float64)
    series = {"most seats held at once": limited["most_seats_held"].to_numpy() / capacity,
              "seats held at the end (patients seen)": limited["seats_held"].to_numpy() / capacity}
    # fills are fractions of small capacities: a few distinct values, shown as categories
    rounded = {name: np.round(values * 100).astype(np.int64) for name, values in series.items()}
    levels = np.unique(np.concatenate(list(rounded.values())))
    fig, ax = _figure(height=4.4)
    width = 0.4
    x = np.arange(len(levels))
    colours = ("#1f77b4", "#9ecae1")
    for i, (name, values) in enumerate(rounded.items()):
        counts = pd.Series(values).value_counts().reindex(levels, fill_value=0) / replications
        bars = ax.bar(x + (i - 0.5) * width, counts.to_numpy(), width, label=name,
                      color=colours[i])  # fmt: skip
        # the counts written on the bars: over-capacity bars are often too short to see
        labels = [f"{c:.0f}" if replications == 1 else f"{c:.1f}" for c in counts]
        ax.bar_label(bars, labels, fontsize=7, padding=1)
    over = np.flatnonzero(levels > 100)
    if len(over):
        ax.axvspan(over[0] - 0.5, len(levels) - 0.5, color="#d62728", alpha=0.08,
                   label="over capacity")  # fmt: skip
    ax.set_xticks(x, [f"{level} %" for level in levels], fontsize="small")
    ax.set_xlabel("seats held / capacity")
    ax.set_ylabel(f"slots{_per(replications)}")
    ax.margins(y=0.12)
    ax.set_title(title)
    ax.legend(loc="upper left")
    return fig


def doctor_time(patients: pd.DataFrame, slots: pd.DataFrame, replications: int = 1) -> Any:
    """Per doctor, stacked: minutes consulting in session, idle in session, and overtime;
    utilisation written at each bar's end."""
    title = "Doctors' time"
    if not len(slots):
        return _nothing(title, "no doctor had a session")
    table = doctor_workload(patients, slots)
    shown = ""
    if len(table) > MOST_DOCTORS_SHOWN:  # a bar each for hundreds is unreadable (and huge)
        order = np.argsort(-table["overtime_minutes"].to_numpy(dtype=np.float64), kind="stable")
        table = table.iloc[np.sort(order[:MOST_DOCTORS_SHOWN])]
        shown = f"\nthe {MOST_DOCTORS_SHOWN} doctors with the most overtime, of {len(order)}"
    minutes = table[["busy_in_session_minutes", "idle_minutes", "overtime_minutes"]] / replications
    doctors = [str(d) for d in table.index]
    fig, ax = _figure(height=1.6 + 0.3 * max(2, len(doctors)))
    left = np.zeros(len(doctors))
    parts = {"busy_in_session_minutes": ("consulting in session", "#1f77b4"),
             "idle_minutes": ("idle in session", "#c6dbef"),
             "overtime_minutes": ("overtime (outside sessions)", "#ff7f0e")}  # fmt: skip
    for column, (label, colour) in parts.items():
        values = minutes[column].to_numpy(dtype=np.float64)
        ax.barh(doctors, values, left=left, label=label, color=colour)
        left += values
    for y, (end, share) in enumerate(zip(left, table["utilisation"], strict=True)):
        if not np.isnan(share):
            ax.text(end, y, f" {share:.0%}", va="center", fontsize="x-small")
    ax.invert_yaxis()  # doctors in scenario order, top down
    ax.set_xlim(0, max(1.0, float(left.max())) * 1.1)  # room for the utilisation labels
    ax.tick_params(axis="y", labelsize="small")
    ax.set_xlabel(f"minutes{_per(replications)}")
    ax.set_ylabel("doctor")
    ax.set_title(f"{title} (label: utilisation = consulting in session / session minutes)"
                 f"{shown}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def fairness(patients: pd.DataFrame) -> Any:
    """Grouped bars: each source's share of all tokens, of all bumps and of all expiries."""
    title = "Share of tokens, bumps and expiries by source"
    shares = source_shares(patients)
    if not (shares["bumps"].sum() or shares["expiries"].sum()):
        return _nothing(title, "no token was bumped and none expired: nothing to share out")
    fig, ax = _figure(height=4.2)
    x = np.arange(len(shares.index))
    columns = {"share_of_tokens": ("tokens", "#8c8c8c"), "share_of_bumps": ("bumps", "#9467bd"),
               "share_of_expiries": ("expiries", "#d62728")}  # fmt: skip
    width = 0.27
    for i, (column, (label, colour)) in enumerate(columns.items()):
        values = shares[column].fillna(0).to_numpy() * 100
        ax.bar(x + (i - 1) * width, values, width, label=f"share of {label}", color=colour)
    ax.set_xticks(x, [str(s) for s in shares.index])
    ax.set_xlabel("source")
    ax.set_ylabel("share of all (%)")
    ax.set_title(f"{title} (a bar above the grey one: more than its share)")
    ax.legend()
    return fig


def waitlist(decisions: pd.DataFrame) -> Any:
    """A step line per replication: tokens on any waitlist over time.

    Time is counted from midnight of day 0, the first OPD day (booking ahead falls before 0),
    in hours when the waitlists span two days or less and in days otherwise; the plot starts
    when the first token joins a waitlist (or at 0, if that is earlier).
    """
    from matplotlib.ticker import MaxNLocator

    title = "Tokens on a waitlist over time"
    steps = waitlist_length(decisions)
    if not len(steps):
        return _nothing(title, "no token was waitlisted")
    first = min(float(steps["time"].min()), 0.0)
    last = float(decisions["time"].max())
    unit, per = ("hours", 60.0) if last - first <= 2 * MINUTES_PER_DAY else ("days", 1440.0)
    fig, ax = _figure(height=4.2)
    groups = list(steps.groupby("replication", sort=True))
    for replication, own in groups:
        length = own["waitlist_length"].to_numpy()
        times = np.concatenate([[first], own["time"].to_numpy(), [last]]) / per
        lengths = np.concatenate([[0], length, length[-1:]])  # 0 before, the last after
        ax.step(times, lengths, where="post", linewidth=1.2, label=f"replication {replication}",
                alpha=0.8 if len(groups) <= 5 else 0.4)  # fmt: skip
    span_days = (last - first) / MINUTES_PER_DAY
    if span_days <= MIDNIGHT_LINES_UP_TO_DAYS:  # beyond, the lines would only grey the plot
        midnight = np.arange(np.ceil(first / MINUTES_PER_DAY),
                             np.floor(last / MINUTES_PER_DAY) + 1)  # fmt: skip
        for day in midnight:
            ax.axvline(day * MINUTES_PER_DAY / per, color="#8c959f", linestyle=":", linewidth=0.8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    lines = "; dotted lines: midnight" if span_days <= MIDNIGHT_LINES_UP_TO_DAYS else ""
    ax.set_xlabel(f"{unit} since midnight of day 0, the first OPD day (before 0: booking "
                  f"ahead{lines})")  # fmt: skip
    ax.set_ylabel("tokens waitlisted")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    if 1 < len(groups) <= 5:
        ax.legend(fontsize="small")
    return fig


def draw_figure(name: str, decisions: pd.DataFrame, patients: pd.DataFrame,
                slots: pd.DataFrame, replications: int = 1) -> bytes:  # fmt: skip
    """The figure ``name`` of :data:`PLOTS` as PNG bytes (one item of :func:`draw_plots`)."""
    figures = {
        "status_by_source.png": lambda: status_by_source(patients),
        "waits_by_source.png": lambda: waits_by_source(patients),
        "waits_by_hour.png": lambda: waits_by_hour(patients),
        "slot_fill.png": lambda: slot_fill(slots, replications),
        "doctor_time.png": lambda: doctor_time(patients, slots, replications),
        "fairness.png": lambda: fairness(patients),
        "waitlist_length.png": lambda: waitlist(decisions),
    }
    return figure_png(figures[name]())


def replications_in(*frames: pd.DataFrame) -> list[int]:
    """The replication numbers the frames hold, in order."""
    found: set[int] = set()
    for frame in frames:
        found.update(int(r) for r in pd.unique(frame["replication"]))
    return sorted(found)


def draw_plots(decisions: pd.DataFrame, patients: pd.DataFrame, slots: pd.DataFrame,
               replications: int = 1) -> dict[str, bytes]:  # fmt: skip
    """Every figure of :data:`PLOTS` as PNG bytes, by file name."""
    return {name: draw_figure(name, decisions, patients, slots, replications) for name in PLOTS}


def warm_up() -> None:
    """Import matplotlib and load its fonts now, by drawing a figure nobody sees.

    The first figure of a process pays for both (a few tenths of a second); a process that will
    fork helpers to draw figures calls this while it has nothing else to do, e.g. while its
    replications run in worker processes, and the helpers inherit the result. Once is
    enough: a second call returns at once.
    """
    global _warm
    if _warm:
        return
    fig, ax = _figure(width=1.0, height=1.0)
    ax.set_title("warm-up")
    figure_png(fig)
    _warm = True


_warm = False  # whether warm_up() has run in this process (or in the one it was forked from)


def write_plots(decisions: pd.DataFrame, patients: pd.DataFrame, slots: pd.DataFrame,
                out_dir: str | Path, replications: int = 1) -> list[Path]:  # fmt: skip
    """Draw every plot of :data:`PLOTS` into ``out_dir``; return the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, png in draw_plots(decisions, patients, slots, replications).items():
        (out / name).write_bytes(png)
        written.append(out / name)
    return written
