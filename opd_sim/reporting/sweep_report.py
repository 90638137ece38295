"""A sweep's plot and report: key metrics against the first swept value, and tables of means.

Drawn from a :class:`~opd_sim.experiments.Sweep` in memory (fresh, or read back from its
directory); where the files go is :mod:`opd_sim.sweep_output`'s business.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from opd_sim.analysis import format_count, format_mean
from opd_sim.engine import Source
from opd_sim.experiments.sweep import COUNT_METRICS
from opd_sim.reporting.page import Page, figure_png, number

if TYPE_CHECKING:
    from opd_sim.experiments import Sweep

__all__ = ["KEY_METRICS", "SWEEP_PLOT", "SWEEP_REPORT_FILES", "render_sweep_report",
           "sweep_figure"]  # fmt: skip

SWEEP_PLOT = "sweep.png"
#: Every file :func:`render_sweep_report` writes.
SWEEP_REPORT_FILES = frozenset({SWEEP_PLOT, "report.html"})

#: The metrics plotted, with the words for their axes: what patients get (waits, being seen
#: at all) against what doctors give (idle time, overtime).
KEY_METRICS: tuple[tuple[str, str], ...] = (
    ("wait_mean_minutes", "mean wait (minutes)"),
    ("wait_p90_minutes", "90th percentile wait (minutes)"),
    ("completed", "patients seen"),
    ("expired", "tokens expired unseen"),
    ("idle_minutes_total", "doctors' idle minutes in session"),
    ("overtime_minutes_total", "doctors' overtime minutes"),
)
_LINE_STYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v")


def _text(value: Any) -> str:
    from opd_sim.experiments.variants import value_text

    return value_text(value)


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _lines(sweep: Sweep) -> list[tuple[str, dict[str, Any], str | None, int, int]]:
    """One line per combination of the other swept values (and per policy, when several were
    given): (legend label, the other values, the policy or None for any, combination number,
    policy number)."""
    others = sweep.paths[1:]
    combos: list[dict[str, Any]] = []
    for variant in sweep.variants:
        rest = {path: variant.values[path] for path in others}
        if rest not in combos:
            combos.append(rest)
    policies: list[str | None] = list(sweep.policies) if sweep.policies else [None]
    lines = []
    for c, rest in enumerate(combos):
        for p, policy in enumerate(policies):
            words = [f"{path}={_text(value)}" for path, value in rest.items()]
            if policy is not None and len(policies) > 1:
                words.append(policy)
            lines.append((", ".join(words) or "all runs", rest, policy, c, p))
    return lines


def _series(sweep: Sweep, metric: str, rest: dict[str, Any], policy: str | None
            ) -> list[tuple[Any, float, float, float]]:  # fmt: skip
    """(first value, mean, low, high) of one line, in the order the first values were given."""
    first = sweep.paths[0]
    table = sweep.summary[sweep.summary["metric"] == metric].set_index(["variant", "policy"])
    points = []
    for variant in sweep.variants:
        if any(variant.values[path] != value for path, value in rest.items()):
            continue
        rows = table.loc[[key for key in table.index if key[0] == variant.label
                          and (policy is None or key[1] == policy)]]  # fmt: skip
        for _, row in rows.iterrows():
            points.append((variant.values[first], _float(row["mean"]), _float(row["ci_low"]),
                           _float(row["ci_high"])))  # fmt: skip
    return points


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _style(lines: list[tuple[str, dict[str, Any], str | None, int, int]], k: int,
           colours: Any) -> dict[str, Any]:  # fmt: skip
    """A line's look: colour by the other swept values, dashes and marker by policy (colour by
    policy when nothing else was swept), so that a reader can tell both apart at a glance."""
    _, _, _, combo, policy = lines[k]
    combos = 1 + max(line[3] for line in lines)
    colour = combo if combos > 1 else policy
    return {"color": colours(colour % colours.N), "marker": _MARKERS[policy % len(_MARKERS)],
            "linestyle": _LINE_STYLES[policy % len(_LINE_STYLES)] if combos > 1 else "-"}


def sweep_figure(sweep: Sweep, metrics: Sequence[tuple[str, str]] = KEY_METRICS) -> Any:
    """A matplotlib figure: one panel per metric (mean over replications, 95 % interval bars)
    against the first swept path's values, one line per combination of the others (and per
    policy); lines are set slightly apart so that their bars do not hide each other, and the
    legend has a row of its own under the panels."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    first = sweep.paths[0]
    given = sweep.settings[first]
    numeric = _numeric(given)
    positions = {_text(v): (float(v) if numeric else float(i)) for i, v in enumerate(given)}
    ticks = sorted(given, key=lambda v: positions[_text(v)])
    places = sorted(set(positions.values()))
    gap = min((b - a for a, b in itertools.pairwise(places)), default=1.0)
    lines = _lines(sweep)
    columns = 3 if len(metrics) > 4 else 2
    rows = math.ceil(len(metrics) / columns)
    legend_rows = math.ceil(len(lines) / 2) if len(lines) > 1 else 0
    legend_height = 0.25 * legend_rows + 0.3 if legend_rows else 0.0
    fig = plt.figure(figsize=(4.3 * columns, 3.3 * rows + legend_height), dpi=110)
    grid = fig.add_gridspec(rows + (1 if legend_rows else 0), columns,
                            height_ratios=[3.3] * rows + ([legend_height] if legend_rows else []))
    colours = plt.get_cmap("tab10" if len(lines) <= 10 else "tab20")
    step = 0.3 * gap / max(1, len(lines) - 1)  # the lines at one value spread over 0.3 gap
    handles: list[Any] = []
    for i, (metric, words) in enumerate(metrics):
        ax = fig.add_subplot(grid[i // columns, i % columns])
        for k, (label, rest, policy, _, _) in enumerate(lines):
            points = _series(sweep, metric, rest, policy)
            if not points:
                continue
            offset = (k - (len(lines) - 1) / 2) * step
            xs = [positions[_text(p[0])] + offset for p in points]
            means = [p[1] for p in points]
            below = [0.0 if math.isnan(p[2]) else p[1] - p[2] for p in points]
            above = [0.0 if math.isnan(p[3]) else p[3] - p[1] for p in points]
            drawn = ax.errorbar(xs, means, yerr=[below, above], label=label, markersize=4,
                                capsize=3, linewidth=1.4, elinewidth=0.9,
                                **_style(lines, k, colours))  # fmt: skip
            if i == 0:
                handles.append(drawn)
        ax.set_title(words, fontsize=10)
        ax.set_xlabel(first, fontsize=9)
        ax.set_xticks([positions[_text(v)] for v in ticks])
        ax.set_xticklabels([_text(v) for v in ticks], fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(alpha=0.3)
    if legend_rows:
        key = fig.add_subplot(grid[rows, :])
        key.axis("off")
        key.legend(handles, [line[0] for line in lines], loc="center", ncol=2, fontsize=8,
                   frameon=False)  # fmt: skip
    return fig


def _cell(sweep: Sweep, variant: str, policy: str, metric: str, scale: float = 1.0,
          digits: int = 1) -> str:  # fmt: skip
    table = sweep.summary
    row = table[(table["variant"] == variant) & (table["policy"] == policy)
                & (table["metric"] == metric)]  # fmt: skip
    if row.empty:
        return "-"
    mean, low, high = (_float(row.iloc[0][key]) for key in ("mean", "ci_low", "ci_high"))
    interval = None if math.isnan(low) else (low * scale, high * scale)
    if metric in COUNT_METRICS:  # a count equal in every replication is shown whole
        return format_count(None if math.isnan(mean) else mean, interval)
    return format_mean(None if math.isnan(mean) else mean * scale, interval, digits)


def _pairs(sweep: Sweep) -> list[tuple[Any, str]]:
    """(variant, policy) in the order run."""
    seen = sweep.frame[["variant", "policy"]].drop_duplicates()
    labels = {variant.label: variant for variant in sweep.variants}
    return [(labels[str(v)], str(p)) for v, p in seen.itertuples(index=False)]


def _table(page: Page, sweep: Sweep, columns: Sequence[tuple[str, str, float, int]]) -> None:
    """Rows of variant x policy: the swept values, the policy, then each (header, metric,
    scale, digits) as a mean with its interval."""
    several = len(sweep.policies or []) > 1  # else the policy follows from the variant
    # a long dotted path may break after its dots (a zero-width space), keeping tables narrow
    paths = [path.replace(".", ".\u200b") for path in sweep.paths]
    head = [*paths, *(["policy"] if several else []), *(c[0] for c in columns)]
    rows = []
    for variant, policy in _pairs(sweep):
        cells = [_text(variant.values[path]) for path in sweep.paths]
        cells += [policy] if several else []
        cells += [_cell(sweep, variant.label, policy, metric, scale, digits)
                  for _, metric, scale, digits in columns]  # fmt: skip
        rows.append(cells)
    # policy names are hyphenated ("priority-bump"): never break them across lines
    page.table(head, rows, numeric=[c[0] for c in columns], nowrap=["policy"])


def _many(count: int, one: str, many: str) -> str:
    """``_many(1, "policy", "policies")`` -> "1 policy"; 3 -> "3 policies"."""
    return f"{count:,} {one if count == 1 else many}"


def _days(days: int) -> str:
    return "one OPD day" if days == 1 else f"{days:,} OPD days"


def render_sweep_report(sweep: Sweep) -> tuple[str, bytes]:
    """(report.html, sweep.png): the page, with the figure embedded, and the figure alone."""
    png = figure_png(sweep_figure(sweep))
    policies = sweep.frame["policy"].drop_duplicates().tolist()
    count = len(sweep.policies) if sweep.policies else 1
    page = Page(
        f"Sweep of {sweep.scenario.name}",
        f"{_many(len(sweep.variants), 'variant', 'variants')} x "
        f"{_many(count, 'policy', 'policies')} x "
        f"{_many(sweep.replications, 'replication', 'replications')} = "
        f"{_many(sweep.runs, 'run', 'runs')}, seed {sweep.seed}, on common random numbers.",
    )  # fmt: skip
    page.section("What was swept")
    page.table(["setting", "values"],
               [[path, ", ".join(_text(v) for v in values)]
                for path, values in sweep.settings.items()])  # fmt: skip
    if sweep.policies:
        page.text("Policies, each run on every variant: " + ", ".join(sweep.policies) + ".")
    else:
        page.text("Each variant ran its own scenario's policy: " + ", ".join(policies) + ".")
    page.text(
        f"Every variant and policy ran replications 0 to {sweep.replications - 1} of seed "
        f"{sweep.seed}: replication r sees the same patients everywhere the settings leave "
        "their draws alone (seats, policies), so the differences between variants are the "
        "OPD's, not luck's. The intervals shown are each mean's own; a difference between two "
        "variants is known more precisely than the two intervals side by side suggest.",
        note=True,
    )  # fmt: skip
    page.section(f"Key metrics against {sweep.paths[0]}")
    page.figure(png, f"Means over {_many(sweep.replications, 'replication', 'replications')} "
                "per point (lines set slightly apart at each value); bars: 95 % "
                "t intervals (none with one replication, or where every replication agrees). "
                "Waits run from arrival to the consultation; counts and minutes are per run "
                f"({_days(sweep.scenario.days)}).")  # fmt: skip
    page.section("Patients")
    # a scenario without patience has nobody leaving: no column of zeros for it
    left = "left_unseen" in sweep.frame and bool(sweep.frame["left_unseen"].fillna(0).any())
    _table(page, sweep, [("seen", "completed", 1.0, 1), ("expired", "expired", 1.0, 1),
                         *([("left unseen", "left_unseen", 1.0, 1)] if left else []),
                         ("mean wait", "wait_mean_minutes", 1.0, 1),
                         ("p90 wait", "wait_p90_minutes", 1.0, 1),
                         ("mean delay", "delay_mean_minutes", 1.0, 1)])  # fmt: skip
    page.text("Means per run over replications, [95 % interval]; waits and delays in minutes "
              "(the 90th percentile is each run's own, averaged). Expired: tokens sent home "
              "from a waitlist (still on it when their day ended, or past the waitlist "
              "expiry), never seen. " + ("Left unseen: patients who came and went home before "
              "being called in; waits count only the patients seen. " if left else "") +
              "A delay is the wait past the "
              "appointment (consultation start minus the later of arrival and slot start), "
              "the measure for booked patients; it is negative for patients called in early.",
              note=True)  # fmt: skip
    page.subheading("Tokens")
    _table(page, sweep, [("booked", "tokens", 1.0, 1), ("no-shows", "no_shows", 1.0, 1),
                         ("cancelled", "cancellations", 1.0, 1), ("bumped", "bumped", 1.0, 1),
                         ("promoted", "promoted", 1.0, 1)])  # fmt: skip
    page.section("Doctors")
    _table(page, sweep, [("utilisation %", "utilisation_mean", 100.0, 1),
                         ("idle min", "idle_minutes_total", 1.0, 0),
                         ("overtime min", "overtime_minutes_total", 1.0, 0),
                         ("seats over capacity", "seats_over_capacity", 1.0, 1)])  # fmt: skip
    page.text("Utilisation: the mean over doctors of minutes consulting inside sessions / "
              "session minutes. Minutes are summed over doctors and days: idle is session time "
              "not consulting, overtime is consulting past a session's close. Seats over "
              "capacity: tokens held past slots' capacity (emergencies, or seats sold by "
              "noshow-overbook), summed over slots.", note=True)  # fmt: skip
    sources = [source for source in (s.name for s in Source)
               if sweep.frame[f"wait_mean_minutes_{source}"].notna().any()]  # fmt: skip
    if sources:
        page.section("Mean wait by source (minutes)")
        _table(page, sweep, [(source, f"wait_mean_minutes_{source}", 1.0, 1)
                             for source in sources])  # fmt: skip
    page.section("Files")
    page.text(f"sweep.parquet: one row per run ({sweep.runs:,}), with the swept values, "
              "variant, policy, replication and every metric; sweep.json: the settings, "
              "policies, seed, replications, the scenario swept and these means with their "
              f"intervals for every metric; {SWEEP_PLOT}: the figure above. "
              f"Runs took {number(sweep.elapsed_seconds)} s.", note=True)  # fmt: skip
    return page.html(), png
