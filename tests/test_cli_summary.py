"""The summary `opd-sim run` prints for people: patients who left unseen, waitlist expiry and
late doctors are named when they happened, and a plain day's summary reads as before."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from opd_sim.cli.app import main
from tests.analysis.conftest import realistic_district
from tests.simulation.conftest import SCENARIOS


def _printed(capsys: pytest.CaptureFixture, scenario: Path, out: Path) -> list[str]:
    assert main(["run", str(scenario), "--replications", "2", "--no-report",
                 "--out", str(out)]) == 0  # fmt: skip
    return capsys.readouterr().out.splitlines()


def test_a_realistic_week_prints_who_left_expiries_and_lateness(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """Left unseen (count and rate), the early expiries beside all expiries, and a late column
    in the doctors' table, each as the summary has it."""
    scenario = tmp_path / "district.yaml"  # JSON is YAML: the scenario as data, as read back
    scenario.write_text(json.dumps(realistic_district().model_dump(mode="json")))
    lines = _printed(capsys, scenario, tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    block = lines[3:lines.index("", 3)]  # the counts, after the title, a note and a blank
    counts = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in block)
    assert counts["left unseen"].split(" [")[0] == f"{summary['left_unseen']['n']:g}"
    assert counts["left unseen rate"].startswith(f"{summary['left_unseen']['rate']:.3f}")
    assert counts["expired waiting too long"].split(" [")[0] == (
        f"{summary['expired_waiting_too_long']:g}")
    header = next(line for line in lines if line.startswith("doctor "))
    assert header.split() == ["doctor", "seen", "utilisation", "late_min", "overtime_min"]


def test_a_plain_day_prints_no_line_of_zeros_for_what_it_cannot_have(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """No patience, expiry or lateness in the original day: no such line or column."""
    text = "\n".join(_printed(capsys, SCENARIOS / "original_opd_day.yaml", tmp_path / "run"))
    for words in ("left unseen", "waiting too long", "late_min"):
        assert words not in text
    assert "waitlisted remaining" in text and "overtime_min" in text
