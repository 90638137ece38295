"""Run directories with their reports, written once per session, and a reader of their pages."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from opd_sim.run_output import write_run
from opd_sim.simulation import manifest, multiple_replications
from tests.analysis.conftest import realistic_district
from tests.simulation.conftest import shipped_run


def written(name: str, replications: int, folder: Path) -> Path:
    """A shipped scenario's run written with its report into ``folder``."""
    result = shipped_run(name, replications=replications)
    return write_run(result, folder / name, manifest(result))


@pytest.fixture(scope="session")
def day_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The original OPD day, two replications: bumps, overbooking, a waitlist (do not change)."""
    return written("original_opd_day", 2, tmp_path_factory.mktemp("day"))


@pytest.fixture(scope="session")
def mm1_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The M/M/1 scenario, one replication: no seat limit, no bump, no waitlist, a warm-up."""
    return written("textbook_mm1", 1, tmp_path_factory.mktemp("mm1"))


@pytest.fixture(scope="session")
def realistic_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The district hospital with rosters, late doctors, patience and a waitlist expiry, two
    replications: patients leave unseen, tokens expire at day end and past the waitlist
    expiry, doctors come late (tests.analysis.conftest.realistic_district)."""
    result = multiple_replications(realistic_district(), 2)
    return write_run(result, tmp_path_factory.mktemp("district") / "district", manifest(result))


class Parsed(HTMLParser):
    """A page's tags with their attributes, its section headings and its tables' cell texts."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")
        elif tag == "h2":
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "style" in self._in or "title" in self._in:
            return
        self.text.append(data)
        if "h2" in self._in:
            self.headings[-1] += data
        if {"td", "th"} & set(self._in) and self.tables and self.tables[-1]:
            row = self.tables[-1][-1]
            row[-1] = f"{row[-1]} {data}".strip() if row[-1] else data


def parsed(run: Path) -> Parsed:
    """The run's report.html, parsed."""
    return Parsed((run / "report.html").read_text(encoding="utf-8"))
