"""A run's plots and HTML report: written with the run, rebuilt by `opd-sim report DIR`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opd_sim.cli.app import main
from opd_sim.reporting.plots import PLOTS
from opd_sim.run_output import write_run
from opd_sim.simulation import manifest
from tests.cli import run_cli
from tests.simulation.conftest import shipped_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The original OPD day, two replications, written with its report."""
    result = shipped_run("original_opd_day", replications=2)
    out = tmp_path_factory.mktemp("report") / "original"
    return write_run(result, out, manifest(result))


def test_run_writes_every_plot_and_the_report(run_dir: Path) -> None:
    """Each listed plot is a real PNG and report.html shows each one and the summary."""
    for name in PLOTS:
        data = (run_dir / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000, name
    page = (run_dir / "report.html").read_text()
    assert all(f'src="{name}"' in page for name in PLOTS)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["scenario"] in page and "tokens_booked" in page
    assert "2 replication(s)" in page


def test_report_command_rebuilds_the_report(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    """`opd-sim report DIR` rewrites report.html from the run's files alone."""
    (run_dir / "report.html").unlink()
    (run_dir / "slot_fill.png").unlink()
    assert main(["report", str(run_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"report": str(run_dir / "report.html")}
    assert (run_dir / "report.html").is_file() and (run_dir / "slot_fill.png").is_file()


def test_report_of_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    """Not a run directory: exit 2, one line naming what is missing, nothing written."""
    (tmp_path / "summary.json").write_text("{}")
    result = run_cli("report", str(tmp_path))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "missing decisions.parquet" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


@pytest.mark.parametrize(("name", "damage"), [("summary.json", b"{not json"),
                                              ("patients.parquet", b"PAR1 truncated")])  # fmt: skip
def test_report_of_a_damaged_run_names_the_bad_file(run_dir, tmp_path, name, damage, capsys):
    """A corrupt summary or Parquet file: exit 2 and one line naming it, not a traceback."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    (broken / name).write_bytes(damage)
    assert main(["report", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{name}: cannot be read" in err
