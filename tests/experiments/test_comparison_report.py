"""A comparison's report: written by `compare --out`, rebuilt by `opd-sim report DIR`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from opd_sim.reporting.comparison_report import amount, interval
from opd_sim.reporting.page import Cell, Page
from tests.cli import run_cli
from tests.simulation.conftest import SCENARIOS

ORIGINAL = str(SCENARIOS / "original_opd_day.yaml")
SECTIONS = ("The question", "Verdict", "Who pays", "Plots", "How the numbers were computed",
            "Provenance")  # fmt: skip


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real `opd-sim compare --out` of three policies on the original OPD day."""
    out = tmp_path_factory.mktemp("compare") / "cmp"
    done = run_cli("compare", ORIGINAL, "--policy", "priority-bump", "--policy", "fifo",
                   "--policy", "bump-cap:max_bumps=1", "--replications", "6", "--seed", "3",
                   "--out", str(out),
                   timeout=180)  # fmt: skip
    assert done.code == 0, done.err
    return out


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_report_refers_to_no_other_file(compared: Path) -> None:
    """report.html embeds its figures and style: no src, href or url() leads outside it."""
    page = (compared / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources and all(s.startswith(("data:image/png;base64,", "#")) for s in sources)
    assert "url(" not in page and "<link" not in page and "<script" not in page
    assert page.count("data:image/png;base64,") == 3


def test_report_is_organised_for_a_decision(compared: Path) -> None:
    """The sections in order, the verdict in words, no dotted keys, no field names, no JSON."""
    page = (compared / "report.html").read_text(encoding="utf-8")
    positions = [page.index(f">{title}</h2>") for title in SECTIONS]
    assert positions == sorted(positions)
    assert re.search("<li>fifo: better on [^<;]*bumps \u2212", page)  # fewer than priority-bump
    assert "<li>fifo, better off: ONLINE (bumps" in page  # the bumped were ONLINE tokens
    assert '<td class="num better">' in page
    for raw in ("wait_mean_minutes", "diff_vs_baseline", "ci_low", "waits.", "by_source", '":'):
        assert raw not in page, raw


def test_report_command_rebuilds_a_comparisons_report(compared: Path, tmp_path: Path) -> None:
    """`opd-sim report DIR` on a comparison directory redraws report.html and the plots from
    comparison.json and leaves the data files exactly as they were."""
    copy = tmp_path / "cmp"
    shutil.copytree(compared, copy)
    before = _contents(copy)
    (copy / "report.html").unlink()
    (copy / "metrics.png").unlink()
    done = run_cli("report", str(copy), json_output=True)
    assert done.code == 0, done.err
    assert done.json == {"report": str(copy / "report.html")}
    after = _contents(copy)
    assert sorted(after) == sorted(before)
    for name in ("comparison.json", "comparison.parquet"):
        assert after[name] == before[name]
    assert after["report.html"] == before["report.html"]  # drawn from the same numbers


@pytest.mark.parametrize(("name", "damage", "fragment"), [
    ("comparison.json", b"{not json", "comparison.json: cannot be read (JSONDecodeError)"),
    ("comparison.json", b"[]", "comparison.json: must hold a JSON object"),
    ("comparison.json", b"{}", "not a comparison (scenario is missing or not a str)"),
    ("comparison.parquet", b"PAR1 truncated", "comparison.parquet: cannot be read"),
])  # fmt: skip
def test_report_of_a_damaged_comparison_is_one_line(compared, tmp_path, name, damage, fragment):
    """A damaged comparison directory: exit 2, one line naming the file, nothing changed."""
    copy = tmp_path / "cmp"
    shutil.copytree(compared, copy)
    (copy / name).write_bytes(damage)
    before = _contents(copy)
    done = run_cli("report", str(copy))
    assert done.code == 2 and done.err.count("\n") == 1, done.err
    assert fragment in done.err, done.err
    assert _contents(copy) == before
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]


def test_report_checks_every_record_it_reads(compared: Path, tmp_path: Path) -> None:
    """A statistic of the wrong type deep in comparison.json is named, not a traceback."""
    copy = tmp_path / "cmp"
    shutil.copytree(compared, copy)
    document = json.loads((copy / "comparison.json").read_text())
    document["by_source"][7]["mean"] = "soon"
    (copy / "comparison.json").write_text(json.dumps(document))
    done = run_cli("report", str(copy))
    assert done.code == 2 and "by_source[7]: mean is not a number" in done.err, done.err


def test_numbers_are_written_for_people() -> None:
    """Whole counts whole, minutes to one decimal, shares as percentages, differences signed
    with a real minus, zero-width intervals left out, an end near 0 with a second decimal."""
    assert amount("seen", 139.0) == "139" and amount("seen", 141.75) == "141.8"
    assert amount("bumped", -4.0, signed=True) == "\u22124"
    assert amount("wait_mean_minutes", 0.04, signed=True) == "0.0"
    assert amount("wait_mean_minutes", 2.0, signed=True) == "+2.0"
    assert amount("utilisation", 0.7283) == "72.8 %"
    assert amount("utilisation", -0.009, signed=True) == "\u22120.9 pp"
    assert amount("overtime_minutes", 1518.94) == "1,518.9" and amount("seen", None) == "-"
    assert interval("bumped", 0.0, 2.0) == "[0, 2]" and interval("seen", 0.0, 8.7) == "[0.0, 8.7]"
    assert interval("bumped", 0.0, 0.0) == "" and interval("seen", None, None) == ""
    assert interval("seen", -1.4, -0.02, signed=True) == "[\u22121.40, \u22120.02]"


def test_page_cells_carry_detail_and_marks() -> None:
    """A Cell shows its detail in small print and its mark as a class, all escaped."""
    page = Page("t")
    page.table(["a", "b"], [[Cell("<1>", "[0, 2]", "better"), "x"], ["", "y"]], numeric=["a"],
               groups=True, nowrap=["b"])  # fmt: skip
    page.bullets(["one & two"])
    html = page.html()
    assert '<td class="num better">&lt;1&gt;<span class="detail">[0, 2]</span></td>' in html
    assert '<td class="nowrap">x</td>' in html and "<li>one &amp; two</li>" in html


def test_a_comparison_where_nobody_can_leave_says_nothing_of_leaving(compared: Path) -> None:
    """The original day has no patience: no left-unseen column, row or table, only the
    glossary's line about what the metric would count."""
    page = (compared / "report.html").read_text(encoding="utf-8")
    body = page[:page.index(">How the numbers were computed</h2>")]
    assert "left unseen" not in body.lower() and "left-unseen" not in body.lower()


def test_a_comparison_where_patients_leave_shows_who_left(tmp_path: Path) -> None:
    """With patience, the verdict has a left-unseen column, every metric's table the count and
    the rate, and who pays a table of each source's left-unseen rate under each policy."""
    from opd_sim.experiments import compare_policies
    from opd_sim.reporting.comparison_report import render_comparison_report
    from tests.analysis.conftest import realistic_district

    compared = compare_policies(realistic_district(),
                                [("bump-cap", {"max_bumps": 1}), ("fifo", {})], 3, seed=7)
    page = render_comparison_report(tmp_path, compared.to_json()).read_text(encoding="utf-8")
    verdict = page[page.index(">Verdict</h2>"):page.index(">Every metric</h3>")]
    assert '<th class="num">left unseen</th>' in verdict
    every = page[page.index(">Every metric</h3>"):page.index(">Who pays</h2>")]
    assert "<td>left unseen</td>" in every and "<td>left-unseen rate</td>" in every
    pays = page[page.index(">Who pays</h2>"):page.index(">Plots</h2>")]
    assert "<h3>Left-unseen rate</h3>" in pays
    assert re.search(r"<td>WALKIN</td><td class=\"num\">\d+\.\d %", pays)  # a share, in %
