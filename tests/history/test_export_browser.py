"""An exported history's report in a real browser (headless Chromium): every section there,
every figure painted, and the plain words where the desk knows nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from opd_sim.reporting import PLOTS
from opd_sim.reporting.html import NO_CONSULTATIONS, SECTIONS
from tests.cli import run_cli
from tests.reporting.conftest import Parsed
from tests.reporting.test_report_browser import _browse, chromium  # noqa: F401 (a fixture)


def test_the_browser_shows_an_exported_history(chromium: str, store: Path,  # noqa: F811
                                               tmp_path: Path) -> None:  # fmt: skip
    out = tmp_path / "exported"
    assert run_cli("export", "--out", str(out), db=store).code == 0
    assert run_cli("report", str(out)).code == 0
    dom = Parsed(_browse(chromium, out / "report.html", tmp_path / "profile", "--dump-dom"))
    assert dom.headings == list(SECTIONS)
    assert NO_CONSULTATIONS in dom.text
    sources = [attrs.get("src") or "" for tag, attrs in dom.tags if tag == "img"]
    # the waits and the doctors' time are said in words, not drawn empty
    assert len(sources) == len(PLOTS) - 3
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    shot = tmp_path / "shot.png"
    _browse(chromium, out / "report.html", tmp_path / "profile2", f"--screenshot={shot}",
            height=5000)  # fmt: skip
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 1_000  # not a blank page
