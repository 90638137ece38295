"""A self-contained HTML report of one run: summary, plots and provenance, drawn from memory.

Where the report goes is the caller's business: :mod:`opd_sim.run_output` writes it with a run,
or rebuilds it for a run directory, through the atomic output-directory writer.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from opd_sim.jsonable import json_ready
from opd_sim.reporting.plots import PLOTS, write_plots

__all__ = ["REPORT_FILES", "render_report"]

#: Every file :func:`render_report` writes.
REPORT_FILES = frozenset({"report.html", *PLOTS})

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
td, th { border-bottom: 1px solid #ddd; padding: 0.2rem 0.8rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0 2rem; } img { max-width: 100%; }
figcaption { color: #555; font-size: 0.9rem; }
"""


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested summary dicts as ("a.b.c", value) rows; lists of numbers stay whole."""
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for key, inner in value.items():
            rows += _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return rows
    return [(prefix, value)]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:,.3f}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{html.escape(json.dumps(value) if isinstance(value, list) else str(value))}</td>"


def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th>{_cell(v)}</tr>" for k, v in rows)
    return f"<table>{body}</table>"


def render_report(
    run: Path, decisions: Any, patients: Any, summary: dict[str, Any], manifest: dict[str, Any]
) -> Path:
    """Draw the plots and write ``report.html`` into ``run`` from frames already in memory."""
    summary, manifest = json_ready(summary), json_ready(manifest)
    write_plots(decisions, patients, run)
    title = html.escape(str(summary.get("scenario") or manifest.get("scenario") or run.name))
    figures = "".join(
        f'<figure><img src="{name}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for name, caption in PLOTS.items()
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>opd_sim report: {title}</title>
<style>{STYLE}</style></head><body>
<h1>OPD run: {title}</h1>
<p>{len(patients):,} tokens and {len(decisions):,} engine decisions
over {decisions["replication"].nunique() if len(decisions) else 0} replication(s).</p>
<h2>Summary</h2>{_table(_flatten(summary))}
<h2>Plots</h2>{figures}
<h2>Provenance</h2>{_table(_flatten(manifest))}
</body></html>
"""
    target = run / "report.html"
    target.write_text(page, encoding="utf-8")
    return target
