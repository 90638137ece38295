"""docs/data-dictionary.md cannot silently fall behind the simulator: every column of every frame
of a real run is listed in its frame's table with the frame's dtype, every key of a real
summary is listed, and nothing is listed that a run does not produce."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from opd_sim.engine import DecisionKind, Reason
from opd_sim.simulation import SOURCE_CATEGORIES
from tests.simulation.conftest import REPO, shipped_run

DICTIONARY = REPO / "docs" / "data-dictionary.md"
FRAMES = {"Decisions frame": "decisions", "Patients frame": "patients", "Slots frame": "slots"}
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*([^|]*)\|", re.MULTILINE)
# a run with several replications, so that the summary holds ci95 and per_replication too
RUN = ("city_hospital_week", None, 2)


def _sections() -> dict[str, str]:
    """The dictionary's text under each level-two heading."""
    parts = re.split(r"^## (.+)$", DICTIONARY.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def _rows(section: str) -> dict[str, str]:
    """A section's table rows whose first cell is a `name`: name -> the second cell."""
    return {name: second.strip() for name, second in ROW.findall(section)}


def _paths(tree: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Every key path of a summary, as the dictionary writes it: sources as <SOURCE>, doctors'
    ids as <id>, the interval tree as ci95 and each replication's summary as per_replication."""
    if not isinstance(tree, dict):
        return
    for key, value in tree.items():
        if path == () and key in ("ci95", "per_replication"):
            yield key
            continue
        if path and path[-1] == "by_doctor":
            name = "<id>"
        elif key in SOURCE_CATEGORIES and path and path[-1] in ("tokens_by_source", "by_source"):
            name = "<SOURCE>"
        else:
            name = key
        if isinstance(value, dict):
            yield from _paths(value, (*path, name))
        else:
            yield ".".join((*path, name))


@pytest.mark.parametrize("title", list(FRAMES))
def test_every_column_is_in_the_dictionary_with_its_dtype(title: str) -> None:
    """Each column of the frame, and only those, has a row giving the frame's own dtype."""
    frame = getattr(shipped_run(*RUN), FRAMES[title])
    rows = _rows(_sections()[title])
    assert list(rows) == list(frame.columns), f"{title}: the table lists other columns, or in " \
        "another order, than the frame has"
    for column, dtype in frame.dtypes.items():
        assert rows[column].split()[0] == str(dtype), f"{title}: {column} is {dtype}"


def test_every_summary_key_is_in_the_dictionary() -> None:
    """Each key path of a real summary (one replication and several), and only those."""
    listed = set(_rows(_sections()["Summary"]))
    several = shipped_run(*RUN).summary
    found = set(_paths(several))
    for one in several["per_replication"]:
        found |= set(_paths(one))
    found |= set(_paths(shipped_run("original_opd_day").summary))
    assert found - listed == set(), "summary keys missing from docs/data-dictionary.md"
    assert listed - found == set(), "docs/data-dictionary.md lists keys no summary has"


def test_ci95_mirrors_the_summarys_numbers() -> None:
    """ci95 has the very keys of a replication's summary, so one row for it says it all."""
    summary = shipped_run(*RUN).summary
    assert set(_paths(summary["ci95"])) == set(_paths(summary["per_replication"][0]))


def test_the_reasons_table_lists_every_reason_with_its_kind() -> None:
    """The Reasons table lists each reason's text, in Reason's order (the category order), with
    the kind of decision it explains, and last the LEFT reason, which gives the minutes waited;
    and a real run gives each decision a reason of its kind."""
    section = _sections()["Decisions frame"].split("### Reasons", 1)[1]
    rows = re.findall(r"^\| ([^|`]+?) \| `([A-Z_]+)` \|", section, flags=re.MULTILINE)
    assert rows[-1] == ("left unseen after waiting *m* minutes", "LEFT")
    assert [text for text, _ in rows[:-1]] == [reason.value for reason in Reason]
    kind_of = dict(rows[:-1])
    assert set(kind_of.values()) | {"LEFT"} == {kind.value for kind in DecisionKind}
    decisions = shipped_run(*RUN).decisions
    pairs = set(zip(decisions["reason"].astype(str), decisions["kind"].astype(str), strict=True))
    left = re.compile(r"left unseen after waiting [0-9]+(\.[0-9])? minutes")
    assert all(left.fullmatch(text) if kind == "LEFT" else kind_of[text] == kind
               for text, kind in pairs), pairs  # fmt: skip
