"""The project stands alone: no tracked file points to a document or folder outside it."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Built from parts so that this file does not name them itself.
FORBIDDEN = ["DESIGN" + ".md", "../" + "shared"]


def tracked_files() -> list[Path]:
    """Every file git tracks in this checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_git_lists_the_project() -> None:
    """The check below sees the real tree (this file, the rules, the engine)."""
    names = {path.relative_to(ROOT).as_posix() for path in tracked_files()}
    assert {"tests/test_standalone.py", "docs/rules.md", "opd_sim/engine/allocation.py"} <= names


def test_no_tracked_file_points_outside_the_project() -> None:
    """The allocation rules live in docs/rules.md; nothing refers to an outside design document."""
    found = []
    for path in tracked_files():
        if not path.is_file():  # deleted in the work tree but not yet in the index
            continue
        data = path.read_bytes()
        name = path.relative_to(ROOT).as_posix()
        found += [f"{name}: {word}" for word in FORBIDDEN if word.encode() in data]
    assert found == []
