"""``opd-sim export`` as a user runs it: a real store, the real command, then ``opd-sim
report`` and ``read_run`` on what it wrote; and every bad input refused before anything is
written."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from opd_sim.reporting.html import NO_CONSULTATIONS, SECTIONS
from opd_sim.simulation import read_run
from opd_sim.simulation.reading import RUN_DATA_FILES
from opd_sim.store.schema import SCHEMA_VERSION
from tests.cli import run_cli
from tests.reporting.conftest import Parsed


def test_export_writes_a_run_directory_that_reads_back(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    done = run_cli("export", "--out", str(out), db=store)
    assert done.code == 0, done.err
    assert done.err == ""
    assert "7 tokens, 13 decisions" in done.out and "opd-sim report" in done.out
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_DATA_FILES)
    run = read_run(out)
    assert len(run.decisions) == 13 and len(run.patients) == 7 and len(run.slots) == 3
    assert run.patients["status"].astype(str).tolist()[-1] == "WAITLISTED"
    assert list(run.patients["doctor_id"].cat.categories) == ["1", "2"]
    assert run.summary["doctor_names"] == {"1": "Dr Rao", "2": "Dr Iyer"}
    manifest = run.manifest
    assert manifest["store"] == str(store.resolve())
    assert manifest["store_schema_version"] == SCHEMA_VERSION
    assert manifest["counts"] == {"doctors": 2, "slots": 3, "tokens": 7, "decisions": 13}
    assert manifest["doctors"] == {"1": "Dr Rao", "2": "Dr Iyer"}
    again = run_cli("export", "--out", str(out), db=store, json_output=True)  # replaces it
    assert again.code == 0, again.err
    assert again.json["counts"]["tokens"] == 7 and again.json["out"] == str(out)


def test_the_store_is_the_env_default_and_is_not_changed(store: Path, tmp_path: Path) -> None:
    before = store.read_bytes()
    done = run_cli("export", "--out", str(tmp_path / "o"), env={"OPD_SIM_DB": str(store)})
    assert done.code == 0, done.err
    assert store.read_bytes() == before


def test_report_renders_an_export(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    assert run_cli("export", "--out", str(out), db=store).code == 0
    done = run_cli("report", str(out))
    assert done.code == 0, done.err
    page = (out / "report.html").read_text(encoding="utf-8")
    parsed = Parsed(page)
    assert parsed.headings == list(SECTIONS)
    assert NO_CONSULTATIONS.replace("'", "&#x27;") in page or NO_CONSULTATIONS in page
    assert "OPD bookings as recorded" in page
    assert "Dr Rao" in page and "Dr Iyer" in page
    assert "hold a seat" in page and "still waiting when the history was recorded" in page
    assert "None" not in parsed.text  # no Python None shown to people


def test_export_of_an_older_store_migrates_it_first(store: Path, tmp_path: Path) -> None:
    """A schema version 1 store is readable: opening migrates it, as the next booking would."""
    old = tmp_path / "old.db"
    shutil.copy(store, old)
    with sqlite3.connect(old) as conn:
        conn.execute("ALTER TABLE audit RENAME COLUMN seats_held TO slot_allocated")
        conn.execute("ALTER TABLE audit RENAME COLUMN capacity TO slot_capacity")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    done = run_cli("export", "--out", str(tmp_path / "o"), db=old, json_output=True)
    assert done.code == 0, done.err
    assert done.json["counts"]["decisions"] == 13
    assert read_run(tmp_path / "o").decisions["seats_held"].max() == 2
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def _newer(store: Path, tmp_path: Path) -> Path:
    newer = tmp_path / "newer.db"
    shutil.copy(store, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    return newer


def _foreign(tmp_path: Path) -> Path:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    return other


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("make", "says"), [
    (lambda store, tmp: tmp / "missing.db", "no store at"),
    (lambda store, tmp: _foreign(tmp), "not an opd_sim store"),
    (lambda store, tmp: _text(tmp), "not a SQLite database"),
    (lambda store, tmp: tmp, "is a directory"),
    (_newer, "newer than this opd-sim understands"),
])  # fmt: skip
def test_a_bad_store_is_exit_2_and_nothing_is_written(make, says, store: Path,
                                                      tmp_path: Path) -> None:  # fmt: skip
    bad = make(store, tmp_path)
    out = tmp_path / "out"
    before = bad.read_bytes() if bad.is_file() else None
    done = run_cli("export", "--out", str(out), db=bad)
    assert done.code == 2
    assert done.err.count("\n") == 1 and done.err.startswith("opd-sim: error: ")
    assert says in done.err and "Traceback" not in done.err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    if before is not None:
        assert bad.read_bytes() == before
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("argv", [["--out", ""], ["--out", "x", "--db", ""], []])
def test_bad_arguments_are_exit_2(argv: list[str], tmp_path: Path) -> None:
    done = run_cli("export", *argv)
    assert done.code == 2 and done.err.count("\n") == 1


def test_an_out_dir_that_is_not_a_run_is_refused(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    done = run_cli("export", "--out", str(out), db=store)
    assert done.code == 2 and done.err.count("\n") == 1
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_json_output_is_the_manifest(store: Path, tmp_path: Path) -> None:
    done = run_cli("export", "--out", str(tmp_path / "o"), db=store, json_output=True)
    written = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in done.json.items() if k != "out"} == written


def test_a_token_id_past_the_frames_32_bits_is_exit_2(store: Path, tmp_path: Path) -> None:
    """SQLite ids go to 2**63 - 1, a run's frames hold 32 bits: a store given such an id by
    hand is refused naming it, not an internal error (OverflowError) halfway through writing."""
    with sqlite3.connect(store) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("UPDATE audit SET token_id = ? WHERE token_id = 7", (2**40,))
        conn.execute("UPDATE token SET id = ? WHERE id = 7", (2**40,))
    conn.close()
    out = tmp_path / "out"
    done = run_cli("export", "--out", str(out), db=store)
    assert done.code == 2, done.err
    assert done.err.count("\n") == 1 and f"token id {2**40} is larger than" in done.err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_damaged_audit_row_is_exit_2_naming_it(store: Path, tmp_path: Path) -> None:
    """Text where the desk writes a time (a hand edit) is a damaged store, exit 2, one line
    naming the audit row; not an internal error."""
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE audit SET time = 'abc' WHERE id = 1")
    conn.close()
    out = tmp_path / "out"
    done = run_cli("export", "--out", str(out), db=store)
    assert done.code == 2, done.err
    assert done.err.count("\n") == 1 and "audit row 1 is damaged" in done.err
    assert not out.exists()
    replayed = run_cli("replay", db=store)
    assert replayed.code == 2 and "audit row 1 is damaged" in replayed.err
