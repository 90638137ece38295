"""report.html in a real browser (headless Chromium): every section there, every figure decoded
and painted, the page not blank.

Skipped where no Chromium is installed, except in CI (the variable CI set), where a missing
browser fails: `.ci/run` installs it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from opd_sim.reporting import PLOTS
from opd_sim.reporting.html import SECTIONS
from tests.reporting.conftest import Parsed

WIDTH = 1300
# appended to a copy of the page: once everything has loaded, the browser writes what it
# decoded of each image, and where it painted it, into the DOM that --dump-dom prints
PROBE = """<script>
window.addEventListener("load", () => {
  document.body.dataset.probe = JSON.stringify({
    height: document.documentElement.scrollHeight,
    images: [...document.images].map((img) => {
      const box = img.getBoundingClientRect();
      return {complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
              box: [box.left + scrollX, box.top + scrollY, box.width, box.height]};
    }),
  });
});
</script>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium executable; skip without one, unless in CI."""
    found = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                 "google-chrome"))), None)  # fmt: skip
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: install chromium (see .ci/run)")
        pytest.skip("no chromium installed (CI installs it)")
    return found


def _browse(chromium: str, page: Path, profile: Path, *action: str, height: int = 2000) -> str:
    """Run headless Chromium on ``page`` with ``action`` (--dump-dom, --screenshot=...)."""
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
         f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}", *action,
         page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _png_size(uri: str) -> tuple[int, int]:
    """Width and height of a data: URI's PNG, from its IHDR chunk."""
    data = base64.b64decode(uri.split(",", 1)[1])
    width, height = struct.unpack(">II", data[16:24])
    return width, height


#: The runs whose pages are browsed: the original day, and a realistic week (patients leaving
#: unseen, both expiries, late doctors: the tables that only such a run has).
RUNS = ["day_run", "realistic_run"]


@pytest.mark.parametrize("run", RUNS)
def test_the_browser_shows_every_section_and_figure(
    chromium: str, run: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """As Chromium builds it, the page has every section and every figure, each a data: URI."""
    day_run = request.getfixturevalue(run)
    dom = Parsed(_browse(chromium, day_run / "report.html", tmp_path / "profile", "--dump-dom"))
    assert dom.headings == list(SECTIONS)
    sources = [attrs.get("src") or "" for tag, attrs in dom.tags if tag == "img"]
    assert len(sources) == len(PLOTS)
    assert all(src.startswith("data:image/png;base64,") for src in sources)


@pytest.mark.parametrize("run", RUNS)
def test_every_figure_decodes_and_is_painted(
    chromium: str, run: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Each image decodes to its PNG's own size, and the screenshot shows a picture where each
    sits: many distinct colours there, and on the page as a whole."""
    page = (request.getfixturevalue(run) / "report.html").read_text(encoding="utf-8")
    probe = tmp_path / "report.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = Parsed(_browse(chromium, probe, tmp_path / "profile", "--dump-dom"))
    body = next(attrs for tag, attrs in dom.tags if tag == "body")
    assert body.get("data-probe"), "the probe did not run"
    report = json.loads(body["data-probe"] or "")
    expected = [_png_size(attrs["src"]) for tag, attrs in Parsed(page).tags if tag == "img"]
    assert [(i["width"], i["height"]) for i in report["images"]] == expected
    assert all(i["complete"] for i in report["images"])

    shot = tmp_path / "shot.png"
    height = min(int(report["height"]), 16_000)
    _browse(chromium, probe, tmp_path / "profile2", f"--screenshot={shot}", height=height)
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 1_000  # not a blank page
    for image in report["images"]:
        left, top, width, height = (round(v) for v in image["box"])
        assert width > 200 and height > 100, image  # laid out at a readable size
        region = pixels[top:top + height, left:left + width].reshape(-1, 3)
        assert len(region) and len(np.unique(region, axis=0)) > 20, image
        assert (region.min(axis=1) < 200).mean() > 0.01, image  # ink, not a white box
