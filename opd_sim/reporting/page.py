"""One self-contained HTML page for people: headings, prose, tables and embedded figures.

Every report (a run's, a comparison's, a sweep's) is built from these blocks, so they share one
look and one way of writing numbers. Figures are embedded as ``data:`` PNGs and the style sheet
is inline, so ``report.html`` is a single file that can be mailed: it refers to no other file.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["STYLE", "Cell", "Page", "figure_png", "number"]

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 64rem; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
p.lead { color: #57606a; margin-top: 0; }
p.note { color: #57606a; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.4rem 0 1.2rem; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #d8dee4; padding: 0.25rem 0.55rem; text-align: left;
         vertical-align: top; }
thead th { border-bottom: 2px solid #8c959f; background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td:first-child { white-space: nowrap; }  /* numbers and row names never break */
table { display: block; max-width: 100%; overflow-x: auto; }  /* too wide: scroll, not spill */
table.facts tbody th { font-weight: 600; padding-right: 1.5rem; }
figure { margin: 0.8rem 0 1.8rem; } figure img { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.88rem; }
nav ul { columns: 2; font-size: 0.92rem; }
span.detail { display: block; color: #57606a; font-size: 0.78rem; }
td.better { color: #1a7f37; font-weight: 600; } td.worse { color: #cf222e; font-weight: 600; }
td.differs { font-weight: 600; } td.muted { color: #8c959f; } td.nowrap { white-space: nowrap; }
tr.first td { border-top: 1px solid #8c959f; }
"""


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell with more than its text: ``detail`` on a second line in small print (a
    number's 95 % interval, say, so that wide tables stay narrow) and a ``mark``, one of the
    style sheet's cell classes (``better``, ``worse``, ``differs``, ``muted``)."""

    text: str
    detail: str = ""
    mark: str = ""


def number(value: Any, digits: int = 1) -> str:
    """A number for people: thousands separated, ``digits`` decimals unless it is whole,
    ``"-"`` when missing (None or NaN)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.{digits}f}"
    return str(value)


def _cell(cell: Any) -> str:
    """A cell's inner HTML: its text, and a :class:`Cell`'s detail below it."""
    if isinstance(cell, Cell):
        detail = f'<span class="detail">{html.escape(cell.detail)}</span>' if cell.detail else ""
        return html.escape(cell.text) + detail
    return html.escape(str(cell))


def figure_png(fig: Any) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


class Page:
    """An HTML page built block by block; :meth:`html` gives the whole document.

    Text passed to the methods is escaped; tables take rows of cells already formatted for
    people (use :func:`number` or ``opd_sim.analysis.format_mean``), with ``numeric`` naming the
    columns to right-align.
    """

    def __init__(self, title: str, lead: str = "") -> None:
        self.title = title
        self._head = f"<h1>{html.escape(title)}</h1>"
        if lead:
            self._head += f'\n<p class="lead">{html.escape(lead)}</p>'
        self._blocks: list[str] = []
        self._sections: list[tuple[str, str]] = []

    def section(self, title: str) -> None:
        """A top-level section (listed in the contents at the top of the page)."""
        anchor = f"s{len(self._sections) + 1}"
        self._sections.append((anchor, title))
        self._blocks.append(f'<h2 id="{anchor}">{html.escape(title)}</h2>')

    def subheading(self, title: str) -> None:
        """A heading inside a section."""
        self._blocks.append(f"<h3>{html.escape(title)}</h3>")

    def text(self, words: str, note: bool = False) -> None:
        """A paragraph; ``note``: small print (how a number was computed, caveats)."""
        css = ' class="note"' if note else ""
        self._blocks.append(f"<p{css}>{html.escape(words)}</p>")

    def table(self, columns: Sequence[str], rows: Iterable[Sequence[Any]],
              numeric: Iterable[str] = (), groups: bool = False,
              nowrap: Iterable[str] = ()) -> None:  # fmt: skip
        """A table with a header row; cells are shown as given (``str()``, escaped), or as a
        :class:`Cell` says. ``groups``: a row whose first cell is not empty starts a group
        (a line above it), for tables that show a label once for several rows; ``nowrap``:
        columns kept on one line (names that must not break at a hyphen)."""
        right, whole = set(numeric), set(nowrap)
        head = "".join(
            f'<th class="num">{html.escape(c)}</th>' if c in right else f"<th>{html.escape(c)}</th>"
            for c in columns
        )
        body: list[str] = []
        for row in rows:
            cells = []
            for column, cell in zip(columns, row, strict=True):
                classes = ["num"] if column in right else []
                classes += ["nowrap"] if column in whole else []
                if isinstance(cell, Cell) and cell.mark:
                    classes.append(cell.mark)
                text = _cell(cell)
                css = f' class="{" ".join(classes)}"' if classes else ""
                cells.append(f"<td{css}>{text}</td>")
            starts = groups and bool(body) and str(getattr(row[0], "text", row[0])) != ""
            opening = '<tr class="first">' if starts else "<tr>"
            body.append(f"{opening}{''.join(cells)}</tr>")
        self._blocks.append(
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )

    def facts(self, rows: Iterable[tuple[str, Any]]) -> None:
        """A two-column table of names and values without a header (provenance, settings)."""
        body = "".join(f"<tr><th>{html.escape(name)}</th><td>{_cell(value)}</td></tr>"
                       for name, value in rows)  # fmt: skip
        self._blocks.append(f'<table class="facts"><tbody>{body}</tbody></table>')

    def bullets(self, items: Iterable[str]) -> None:
        """A list of short statements."""
        listed = "".join(f"<li>{html.escape(item)}</li>" for item in items)
        self._blocks.append(f"<ul>{listed}</ul>")

    def figure(self, png: bytes, caption: str, alt: str = "") -> None:
        """A figure embedded in the page (a ``data:`` URI), with its caption."""
        data = base64.b64encode(png).decode("ascii")
        self._blocks.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt or caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def html(self) -> str:
        """The whole document: style inline, contents, then the blocks in order."""
        contents = ""
        if len(self._sections) > 1:
            items = "".join(f'<li><a href="#{a}">{html.escape(t)}</a></li>'
                            for a, t in self._sections)  # fmt: skip
            contents = f"<nav><ul>{items}</ul></nav>"
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join([self._head, contents, *self._blocks])
            + "\n</body></html>\n"
        )
