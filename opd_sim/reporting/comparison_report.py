"""The report of a policy comparison, for deciding: which policy, and who pays for it?

Built from the content of ``comparison.json`` alone (so ``opd-sim report DIR`` rebuilds it from
the directory) with :class:`~opd_sim.reporting.page.Page`: the question and the policies, the
verdict (every metric's mean under each policy and its paired difference from the baseline,
marked where the interval excludes 0), who pays (the same by source), the plots, how the
numbers were computed and where they came from. The plots are written beside it as PNG files
and embedded in it, so ``report.html`` stands alone.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from opd_sim.experiments.metrics import METRICS, SOURCES, metric
from opd_sim.reporting.comparison_plots import (
    COMPARISON_PLOTS,
    KEY_METRICS,
    ONLY_WHEN_SOMEONE_LEFT,
    draw_plots,
    find,
    label_of,
    relevant,
)
from opd_sim.reporting.page import Cell, Page, number

__all__ = ["COMPARISON_REPORT_FILES", "amount", "interval", "render_comparison_report"]

#: Every file :func:`render_comparison_report` writes.
COMPARISON_REPORT_FILES = frozenset({"report.html", *COMPARISON_PLOTS})

#: The metrics of the "who pays" tables, in order.
WHO_PAYS = ("seen", "bumped", "expired", "left_unseen_rate", "wait_mean_minutes",
            "wait_p90_minutes", "delay_mean_minutes", "delay_p90_minutes")  # fmt: skip

#: The metrics of the "who pays" summary lines (delays are in the tables).
WHO_PAYS_IN_SHORT = ("seen", "bumped", "expired", "left_unseen_rate", "wait_mean_minutes",
                     "wait_p90_minutes")  # fmt: skip

_MINUS = "\u2212"  # a real minus sign reads better than a hyphen in a table


def amount(name: str, value: Any, signed: bool = False, unit: bool = True,
           fixed: bool = False, digits: int = 1) -> str:  # fmt: skip
    """A metric's value for people: minutes to one decimal, shares as percentages (with
    ``unit``: % or, for a difference, percentage points), counts whole where whole; a
    difference (``signed``) carries its sign, and one that rounds to zero none. ``fixed``:
    ``digits`` decimals even for a whole count (beside a fractional one)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    known = metric(name)
    share = known is not None and known.unit == "share"
    shown = float(value) * 100.0 if share else float(value)
    if known is not None and known.count and shown.is_integer() and not fixed:
        text = f"{int(shown):,}"
    else:
        text = f"{shown:,.{digits}f}"
    if text.lstrip("-").strip("0.,") == "":  # zero, or rounds to it: no sign
        text = text.lstrip("-")
    elif text.startswith("-"):
        text = _MINUS + text[1:]
    elif signed:
        text = "+" + text
    if share and unit:
        text += " pp" if signed else " %"
    return text


def interval(name: str, low: Any, high: Any, signed: bool = False) -> str:
    """``[low, high]`` for people; nothing without an interval or for one of zero width (the
    number was the same in every replication, so it is exact)."""
    if low is None or high is None or low == high:
        return ""
    fixed = not (float(low).is_integer() and float(high).is_integer())  # both ends alike
    scale = 100.0 if (known := metric(name)) is not None and known.unit == "share" else 1.0
    # an end that is not 0 but would read 0.0 gets a second decimal: [-1.4, -0.02] says the
    # interval leaves out 0, [-1.4, 0.0] would seem to contradict it
    digits = 2 if any(0 < abs(end * scale) < 0.05 for end in (low, high)) else 1
    ends = [amount(name, end, signed, unit=False, fixed=fixed, digits=digits)
            for end in (low, high)]  # fmt: skip
    return f"[{ends[0]}, {ends[1]}]"  # the unit once, after the mean


def _verdict(name: str, record: dict[str, Any]) -> tuple[str, str]:
    """(word, mark) for a policy's difference from the baseline on one metric."""
    if not record.get("differs"):
        exact = record["diff_vs_baseline"] == 0 and record["diff_ci_low"] == record["diff_ci_high"]
        return ("identical" if exact else "no clear difference"), "muted"
    known = metric(name)
    lower = record["diff_vs_baseline"] < 0
    if known is None or known.better is None:  # a difference, but neither good nor bad
        words = ("fewer", "more") if known is not None and known.count else ("lower", "higher")
        return words[0] if lower else words[1], "differs"
    return ("better", "better") if lower == (known.better == "lower") else ("worse", "worse")


def _mark(name: str, record: dict[str, Any] | None) -> str:
    """A difference's mark when it is clear (better, worse, differs), else none."""
    if record is None or record["diff_vs_baseline"] is None or not record.get("differs"):
        return ""
    return _verdict(name, record)[1]


def _mean_cell(name: str, record: dict[str, Any] | None, mark: str = "") -> Cell:
    if record is None or record["mean"] is None:
        return Cell("-", mark="muted")
    return Cell(amount(name, record["mean"]),
                interval(name, record["ci_low"], record["ci_high"]), mark)  # fmt: skip


def _diff_cell(name: str, record: dict[str, Any] | None, detail: bool = True) -> Cell:
    if record is None or record["diff_vs_baseline"] is None:
        return Cell("-", mark="muted")
    bounds = interval(name, record["diff_ci_low"], record["diff_ci_high"], signed=True)
    return Cell(amount(name, record["diff_vs_baseline"], signed=True),
                bounds if detail else "", _mark(name, record) or "muted")  # fmt: skip


def _short(name: str) -> str:
    known = metric(name)
    return known.short if known else name.replace("_", " ")


def _metric_names(document: dict[str, Any]) -> list[str]:
    """The metrics present, known ones in the report's order, then any others; those that
    say nothing for this scenario left out (:func:`relevant`)."""
    present = list(dict.fromkeys(str(r["metric"]) for r in document["metrics"]))
    known = [m.name for m in METRICS if m.name in present]
    return [name for name in known + [name for name in present if name not in known]
            if name not in ONLY_WHEN_SOMEONE_LEFT or relevant(document, [name])]


def _question(page: Page, document: dict[str, Any]) -> None:
    policies, baseline = document["policies"], document["baseline"]
    reps = document["replications"]
    page.section("The question")
    page.text(
        f"Which of these {len(policies)} allocation policies should this OPD run, and which "
        f"patients pay for its gains? Each policy ran the same {reps:,} replications of the "
        f"scenario (seed {document['seed']}): replication r sees the same patients under "
        "every policy (common random numbers), so each policy is compared with the baseline "
        f"({baseline}) replication by replication, and a difference is clear when its 95 % "
        "interval leaves out 0."
    )
    about = document.get("policy_summaries") or {}
    page.table(["policy", "role", "its rules"],
               [[p, "baseline" if p == baseline else "compared", about.get(p) or "-"]
                for p in policies], nowrap=["policy"])  # fmt: skip


def _change(name: str, record: dict[str, Any]) -> str:
    """A clear difference in a few words: "mean wait -2.0 min", "bumps +218.4"."""
    known = metric(name)
    unit = " min" if known is not None and known.unit == "minutes" else ""
    return f"{_short(name)} {amount(name, record['diff_vs_baseline'], signed=True)}{unit}"


def _in_short(document: dict[str, Any]) -> list[str]:
    """One line per policy: where it is clearly better and clearly worse than the baseline."""
    lines = []
    for policy in document["policies"][1:]:
        better: list[str] = []
        worse: list[str] = []
        for m in METRICS:
            record = find(document, m.name, policy)
            if record is None or m.better is None or not record.get("differs"):
                continue
            change = _change(m.name, record)
            (better if _verdict(m.name, record)[1] == "better" else worse).append(change)
        said = "; ".join(part for part in (
            f"better on {', '.join(better)}" if better else "",
            f"worse on {', '.join(worse)}" if worse else "",
        ) if part) or "no clear difference on any metric"  # fmt: skip
        lines.append(f"{policy}: {said}.")
    return lines


def _verdict_section(page: Page, document: dict[str, Any]) -> None:
    baseline, compared = document["baseline"], document["policies"][1:]
    page.section("Verdict")
    page.text(f"Each policy's difference from {baseline} on the same patients, per "
              "replication (waits and delays in minutes, utilisation in percentage points). "
              "Green: clearly better (the 95 % interval of the paired difference leaves out "
              "0); red: clearly worse; bold: clearly different, neither better nor worse; "
              "grey: no clear difference. Waits count patients seen only: read them with "
              "patients seen and expired.", note=True)  # fmt: skip
    names = [n for n in _metric_names(document) if n in KEY_METRICS]
    heads = [_short(n) for n in names]
    page.table(["policy", *heads],
               [[policy, *(_diff_cell(n, find(document, n, policy), detail=False)
                           for n in names)] for policy in compared],
               numeric=heads, nowrap=["policy"])  # fmt: skip
    page.bullets(_in_short(document))
    page.subheading("Every metric")
    rows: list[list[Any]] = []
    for name in _metric_names(document):
        for i, policy in enumerate(document["policies"]):
            record = find(document, name, policy)
            first = label_of(name) if i == 0 else ""
            if i == 0:
                rows.append([first, policy, _mean_cell(name, record),
                             Cell("baseline", mark="muted"), ""])  # fmt: skip
                continue
            word = ("-", "muted")
            if record is not None and record["diff_vs_baseline"] is not None:
                word = _verdict(name, record)
            rows.append([first, policy, _mean_cell(name, record), _diff_cell(name, record),
                         Cell(word[0], mark=word[1])])  # fmt: skip
    page.table(["metric", "policy", "mean [95 % CI]", "difference [95 % CI]", "verdict"], rows,
               numeric=["mean [95 % CI]", "difference [95 % CI]"],
               nowrap=["policy", "verdict"], groups=True)  # fmt: skip


def _sources(document: dict[str, Any]) -> list[str]:
    """Sources with tokens under some policy (a scenario without follow-ups has no row)."""
    found = []
    for source in SOURCES:
        means = [r["mean"] for p in document["policies"]
                 if (r := find(document, "tokens", p, source)) is not None]  # fmt: skip
        if not means or any(m for m in means if m is not None):
            found.append(source)
    return found


def _who_pays_lines(document: dict[str, Any], sources: list[str]) -> list[str]:
    """Per policy: which sources are clearly worse off than under the baseline (they pay),
    and which clearly better off, with the differences that say so."""
    lines = []
    for policy in document["policies"][1:]:
        pay, gain = [], []
        for source in sources:
            worse: list[str] = []
            better: list[str] = []
            for name in WHO_PAYS_IN_SHORT:
                record = find(document, name, policy, source)
                if record is None or not record.get("differs") or metric(name) is None:
                    continue
                change = _change(name, record)
                (better if _verdict(name, record)[1] == "better" else worse).append(change)
            if worse:
                pay.append(f"{source} ({', '.join(worse)})")
            if better:
                gain.append(f"{source} ({', '.join(better)})")
        lines.append(f"{policy}, worse off: {'; '.join(pay)}." if pay
                     else f"{policy}: nobody is clearly worse off.")
        lines.append(f"{policy}, better off: {'; '.join(gain)}." if gain
                     else f"{policy}: nobody is clearly better off.")  # fmt: skip
    return lines


def _who_pays(page: Page, document: dict[str, Any]) -> None:
    page.section("Who pays")
    sources = _sources(document)
    page.text(f"The same comparison by source: the patients who are clearly worse off under a "
              f"policy than under {document['baseline']}, and those clearly better off.")
    page.bullets(_who_pays_lines(document, sources))
    page.text("Means over replications [95 % interval]; a cell is green or red where that "
              "source is clearly better or worse off than under the baseline.", note=True)
    policies = document["policies"]
    for name in WHO_PAYS:
        if not any(find(document, name, p, s) for p in policies for s in sources):
            continue
        if name in ONLY_WHEN_SOMEONE_LEFT and not relevant(document, [name]):
            continue
        page.subheading(label_of(name)[:1].upper() + label_of(name)[1:])
        rows = []
        for source in sources:
            cells: list[Any] = [source]
            for i, policy in enumerate(policies):
                record = find(document, name, policy, source)
                cells.append(_mean_cell(name, record, _mark(name, record) if i else ""))
            rows.append(cells)
        page.table(["source", *policies], rows, numeric=policies)


def _plots(page: Page, pictures: dict[str, bytes]) -> None:
    page.section("Plots")
    for name, caption in COMPARISON_PLOTS.items():
        page.figure(pictures[name], caption)


def _method(page: Page, document: dict[str, Any]) -> None:
    page.section("How the numbers were computed")
    page.bullets([
        f"Every policy ran replications 0 to {document['replications'] - 1:,} of seed "
        f"{document['seed']}; replication r draws the same patients under every policy "
        "(only follow-ups, booked because a consultation happened, can differ).",
        "A mean's interval is the 95 % Student-t interval over replications; it has no "
        "interval when the number was the same in every replication, and never goes below "
        "zero for a number that cannot.",
        "A difference is policy minus baseline in each replication, then its mean and 95 % "
        "t interval: pairing on the same patients removes their variation, so a difference "
        "can be clear although the two means' intervals overlap.",
        f"Counts are per replication (one run of the scenario's {_days(document)}); a mean "
        "of counts may be fractional.",
        "Waits and delays count the patients seen: a policy that sends more patients home "
        "unseen (expired, or leaving tired of waiting) can look faster. Read them together "
        "with patients seen, expired and left unseen.",
        "Each number is also in comparison.parquet, one row per policy, replication, metric "
        "and source; comparison.json holds the statistics shown here.",
    ])  # fmt: skip
    page.subheading("What each metric counts")
    page.table(["metric", "what it counts", "better"],
               [[m.label, m.meaning, m.better or "neither"] for m in METRICS])  # fmt: skip


def _days(document: dict[str, Any]) -> str:
    days = document.get("days")
    return "days" if not days else "one day" if days == 1 else f"{days:,} days"


def _provenance(page: Page, document: dict[str, Any]) -> None:
    page.section("Provenance")
    made = document.get("provenance") or {}
    versions = made.get("versions") or {}
    rows = [
        ["scenario", document["scenario"]],
        ["scenario file", made.get("scenario_file") or "-"],
        ["its SHA-256", made.get("scenario_sha256") or "-"],
        ["seed", document["seed"]],
        ["replications per policy", number(document["replications"])],
        ["days, doctors", f"{document.get('days') or '-'}, {document.get('doctors') or '-'}"],
        ["policies", ", ".join(document["policies"])],
        ["engine decisions", number(made.get("decisions"))],
        ["elapsed", f"{number(made.get('elapsed_seconds'))} s"
         if made.get("elapsed_seconds") is not None else "-"],
        ["software", ", ".join(f"{name} {version or '-'}" for name, version in versions.items())
         or "-"],
        ["python", made.get("python") or "-"],
    ]  # fmt: skip
    page.table(["what", "value"], [[key, str(value)] for key, value in rows])


def render_comparison_report(directory: Path, document: dict[str, Any]) -> Path:
    """Draw the plots and write ``report.html`` into ``directory`` from a comparison document
    (the content of ``comparison.json``); return the report's path."""
    pictures = draw_plots(document)
    for name, png in pictures.items():
        (directory / name).write_bytes(png)
    policies = document["policies"]
    page = Page(
        f"Which policy? {document['scenario']}",
        f"{len(policies)} policies compared on {document['replications']:,} replications each: "
        f"{', '.join(policies)}; baseline {document['baseline']}.",
    )
    _question(page, document)
    _verdict_section(page, document)
    _who_pays(page, document)
    _plots(page, pictures)
    _method(page, document)
    _provenance(page, document)
    target = directory / "report.html"
    target.write_text(page.html(), encoding="utf-8")
    return target

