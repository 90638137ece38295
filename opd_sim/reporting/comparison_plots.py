"""The plots of a policy comparison, drawn from its ``comparison.json`` content as PNG bytes.

Three questions, one figure each: what each policy achieves (means with intervals), how it
differs from the baseline on the same patients (paired differences: a forest plot), and which
patients wait for it (mean wait by source). Every policy keeps one colour in all of them.
"""

from __future__ import annotations

import math
from typing import Any

from opd_sim.experiments.metrics import ALL, SOURCES, metric
from opd_sim.reporting.page import figure_png

__all__ = ["COMPARISON_PLOTS", "KEY_METRICS", "ONLY_WHEN_SOMEONE_LEFT", "draw_plots", "find",
           "label_of", "relevant"]

#: file name -> caption, in the order the report shows them
COMPARISON_PLOTS = {
    "metrics.png": "Each key metric under each policy: mean over replications with its 95 % "
                   "interval",
    "differences.png": "Paired difference from the baseline on the same patients, with its 95 % "
                       "interval; filled where the interval leaves out 0 (green better, red "
                       "worse, blue neither)",
    "waits_by_source_and_policy.png": "Mean wait by source under each policy, with 95 % "
                                      "intervals",
}  # fmt: skip

#: The metrics of the first two plots (the rest are in the report's tables).
KEY_METRICS = ("wait_mean_minutes", "wait_p90_minutes", "delay_mean_minutes", "seen", "bumped",
               "expired", "left_unseen", "utilisation", "overtime_minutes")  # fmt: skip
#: Metrics that only a scenario with patience (``patience_minutes``) can make other than 0:
#: shown only where someone left under some policy, not as a row of zeros on every report.
ONLY_WHEN_SOMEONE_LEFT = frozenset({"left_unseen", "left_unseen_rate"})

_BETTER, _WORSE, _NEUTRAL = "#1a7f37", "#cf222e", "#57606a"


def label_of(name: str) -> str:
    """A metric's name for people (a name this version does not know: itself, in words)."""
    known = metric(name)
    return known.label if known else name.replace("_", " ")


def find(document: dict[str, Any], name: str, policy: str,
         source: str = ALL) -> dict[str, Any] | None:  # fmt: skip
    """The statistics record of (metric, policy, source) in a comparison document, or None."""
    records = document["metrics"] if source == ALL else document["by_source"]
    for record in records:
        if (record["metric"] == name and record["policy"] == policy
                and record.get("source", ALL) == source):  # fmt: skip
            return record
    return None


def _scale(name: str) -> float:
    """Shares are drawn as percentages."""
    known = metric(name)
    return 100.0 if known and known.unit == "share" else 1.0


def _axis_label(name: str) -> str:
    """The unit under a panel, where its title does not say it already."""
    known = metric(name)
    return "%" if known and known.unit == "share" else ""


def _colours(policies: list[str]) -> dict[str, Any]:
    import matplotlib

    palette = matplotlib.colormaps["tab10"]
    return {policy: palette(i % 10) for i, policy in enumerate(policies)}


def _short(policy: str, width: int = 30) -> str:
    return policy if len(policy) <= width else policy[: width - 1] + "…"


def relevant(document: dict[str, Any], names: Any) -> list[str]:
    """The metrics of ``names`` worth showing: a mean under at least one policy, and for those
    of :data:`ONLY_WHEN_SOMEONE_LEFT` a mean other than 0 (nobody left under any policy:
    the scenario has no patience, and the metric says nothing)."""
    def shown(name: str) -> bool:
        means = [r["mean"] for p in document["policies"]
                 if (r := find(document, name, p)) is not None and r["mean"] is not None]
        return bool(means) and (name not in ONLY_WHEN_SOMEONE_LEFT or any(means))

    return [name for name in names if shown(name)]


def _error(mean: float, low: Any, high: Any, scale: float) -> tuple[float, float]:
    """Error-bar lengths below and above ``mean`` (0 without an interval)."""
    if low is None or high is None:
        return 0.0, 0.0
    return max(0.0, (mean - low) * scale), max(0.0, (high - mean) * scale)


def _grid(panels: int) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    rows = max(1, math.ceil(panels / 2))
    fig, axes = plt.subplots(rows, 2, figsize=(10.5, 1.0 + rows * 2.1), dpi=110, squeeze=False)
    for ax in axes.flat[panels:]:
        ax.set_visible(False)
    return fig, axes.flat


def _policy_axis(ax: Any, policies: list[str], first_column: bool) -> None:
    ax.set_yticks(range(len(policies)))
    ax.set_yticklabels([_short(p) for p in policies] if first_column else [])
    ax.set_ylim(len(policies) - 0.5, -0.5)  # the first policy on top
    ax.grid(axis="x", color="#d8dee4", linewidth=0.6)
    ax.set_axisbelow(True)


def metrics_plot(document: dict[str, Any]) -> bytes:
    """One panel per key metric: each policy's mean and 95 % interval."""
    policies = document["policies"]
    names = relevant(document, KEY_METRICS)
    colours = _colours(policies)
    fig, axes = _grid(len(names))
    for i, (ax, name) in enumerate(zip(axes, names, strict=False)):
        scale = _scale(name)
        for y, policy in enumerate(policies):
            record = find(document, name, policy)
            if record is None or record["mean"] is None:
                continue
            mean = record["mean"] * scale
            below, above = _error(record["mean"], record["ci_low"], record["ci_high"], scale)
            ax.errorbar([mean], [y], xerr=[[below], [above]], fmt="o", color=colours[policy],
                        capsize=4, markersize=6)  # fmt: skip
        _policy_axis(ax, policies, i % 2 == 0)
        ax.set_title(label_of(name), fontsize=10)
        ax.set_xlabel(_axis_label(name), fontsize=8)
        ax.tick_params(labelsize=8)
    return figure_png(fig)


def _direction(name: str, record: dict[str, Any]) -> str:
    """The colour of a difference: green better, red worse, grey not clearly different."""
    known = metric(name)
    if not record.get("differs"):
        return _NEUTRAL
    if known is None or known.better is None:
        return "#0969da"
    lower = record["diff_vs_baseline"] < 0
    return _BETTER if lower == (known.better == "lower") else _WORSE


def differences_plot(document: dict[str, Any]) -> bytes:
    """A forest plot: one panel per key metric, one row per policy other than the baseline,
    its paired difference from the baseline with the 95 % interval and a line at 0."""
    policies = document["policies"][1:]
    names = relevant(document, KEY_METRICS)
    fig, axes = _grid(len(names))
    for i, (ax, name) in enumerate(zip(axes, names, strict=False)):
        scale = _scale(name)
        ax.axvline(0.0, color="black", linewidth=0.9)
        for y, policy in enumerate(policies):
            record = find(document, name, policy)
            if record is None or record["diff_vs_baseline"] is None:
                continue
            diff = record["diff_vs_baseline"] * scale
            below, above = _error(record["diff_vs_baseline"], record["diff_ci_low"],
                                  record["diff_ci_high"], scale)  # fmt: skip
            colour = _direction(name, record)
            ax.errorbar([diff], [y], xerr=[[below], [above]], fmt="o", color=colour,
                        capsize=4, markersize=7,
                        markerfacecolor=colour if record.get("differs") else "white")  # fmt: skip
        _policy_axis(ax, policies, i % 2 == 0)
        unit = "percentage points" if _scale(name) == 100.0 else _axis_label(name)
        ax.set_title(f"{label_of(name)}", fontsize=10)
        ax.set_xlabel(f"difference from {_short(document['baseline'], 24)}"
                      + (f" ({unit})" if unit else ""), fontsize=8)  # fmt: skip
        ax.tick_params(labelsize=8)
        low, high = ax.get_xlim()
        reach = max(abs(low), abs(high))
        ax.set_xlim(-reach, reach)  # 0 in the middle: left and right read alike in every panel
    return figure_png(fig)


def waits_by_source_plot(document: dict[str, Any]) -> bytes:
    """Grouped bars: each source's mean wait under each policy, with 95 % intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    policies = document["policies"]
    colours = _colours(policies)
    sources = [s for s in SOURCES
               if any((r := find(document, "wait_mean_minutes", p, s)) and r["mean"] is not None
                      for p in policies)]  # fmt: skip
    fig, ax = plt.subplots(figsize=(10.5, 4.4), dpi=110)
    width = 0.8 / max(1, len(policies))
    for j, policy in enumerate(policies):
        xs: list[float] = []
        heights: list[float] = []
        errors: list[list[float]] = [[], []]
        for i, source in enumerate(sources):
            record = find(document, "wait_mean_minutes", policy, source)
            if record is None or record["mean"] is None:
                continue
            below, above = _error(record["mean"], record["ci_low"], record["ci_high"], 1.0)
            xs.append(i - 0.4 + width * (j + 0.5))
            heights.append(record["mean"])
            errors[0].append(below)
            errors[1].append(above)
        ax.bar(xs, heights, width=width * 0.92, color=colours[policy], label=_short(policy, 40),
               yerr=errors, capsize=3, error_kw={"linewidth": 0.9})  # fmt: skip
    ax.set_xticks(range(len(sources)))
    ax.set_xticklabels(sources)
    ax.set_ylabel("mean wait (minutes)")
    ax.grid(axis="y", color="#d8dee4", linewidth=0.6)
    ax.set_axisbelow(True)
    if sources:
        ax.legend(fontsize="small", ncol=min(4, len(policies)), loc="upper left")
        ax.set_ylim(0, ax.get_ylim()[1] * 1.15)  # head-room for the legend
    else:
        ax.text(0.5, 0.5, "no patient was seen", ha="center", va="center", transform=ax.transAxes)
    return figure_png(fig)


def draw_plots(document: dict[str, Any]) -> dict[str, bytes]:
    """Every plot of :data:`COMPARISON_PLOTS`, as PNG bytes by file name."""
    return {
        "metrics.png": metrics_plot(document),
        "differences.png": differences_plot(document),
        "waits_by_source_and_policy.png": waits_by_source_plot(document),
    }
