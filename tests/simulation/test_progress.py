"""Long commands show a progress bar on a terminal, with the default in-process executor too."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

from tests.cli import cli_argv, cli_env
from tests.simulation.conftest import SCENARIOS


def _stderr_on_a_terminal(*argv: str, cwd: Path) -> tuple[int, str]:
    """Run ``opd-sim ARGV`` with stderr on a pseudo-terminal; its exit code and what it drew."""
    leader, follower = pty.openpty()
    # a terminal of 24 x 100 (a fresh pseudo-terminal has no size, and tqdm draws nothing there)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    child = subprocess.Popen(cli_argv(*argv), stdout=subprocess.DEVNULL, stderr=follower,
                             cwd=cwd, env=cli_env())  # fmt: skip
    os.close(follower)
    drawn = bytearray()
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the child is done with it
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    return child.wait(timeout=600), drawn.decode(errors="replace")


def test_run_with_30_replications_draws_a_progress_bar(tmp_path: Path) -> None:
    """`opd-sim run SCENARIO --replications 30` on a terminal (default, single process) shows
    a bar counting replications."""
    code, drawn = _stderr_on_a_terminal(
        "run", str(SCENARIOS / "city_hospital_week.yaml"), "--replications", "30",
        "--no-report", "--out", str(tmp_path / "out"), cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, drawn
    assert "replications" in drawn and "/30" in drawn, drawn


def test_compare_draws_one_bar_over_policies_and_replications(tmp_path: Path) -> None:
    """`opd-sim compare` with two policies and 15 replications on a terminal (default, single
    process) shows one bar counting all 30 runs."""
    code, drawn = _stderr_on_a_terminal(
        "compare", str(SCENARIOS / "city_hospital_week.yaml"), "--policy", "priority-bump",
        "--policy", "fifo", "--replications", "15", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, drawn
    assert "2 policies x replications" in drawn and "/30" in drawn, drawn
