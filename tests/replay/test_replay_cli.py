"""``opd-sim replay`` through the real console script: the documented example's hand-checked
comparison, a store read without a byte changed, and every bad input refused in one line (exit
2) naming the CSV row and the problem, with nothing written."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from opd_sim.store import Desk
from tests.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "replay-example.csv"
HEADER = "time,event,doctor,slot,start,end,capacity,token,source,patient"
SLOT = "2026-11-23T17:00,slot,Dr Rao,1,2026-11-24T09:00,2026-11-24T09:30,1,,,"
BOOK = "2026-11-24T07:30,book,,1,,,,1,ONLINE,Asha"


def test_the_example_gives_its_hand_checked_comparison(tmp_path: Path) -> None:
    """docs/replay.md's worked example, exactly: fifo against the priority-bump baseline."""
    out = tmp_path / "out"
    result = run_cli("replay", "--requests", str(EXAMPLE), "--policy", "priority-bump",
                     "--policy", "fifo", "--out", str(out), json_output=True)  # fmt: skip
    assert result.code == 0 and result.err == "", result.err
    document = result.json
    assert document["baseline"] == "priority-bump"
    assert document["events"] == {"slot": 3, "book": 7, "cancel": 1, "no_show": 2}
    base, fifo = document["policies"]
    assert [(s["row"], s["event"], s["token"]) for s in base["not_applicable"]] == [
        (14, "no_show", 106)
    ]
    assert base["changed"] == [] and fifo["not_applicable"] == []
    counts = {(r["source"], r["decision"]): (r["actual"], r["replayed"])
              for r in fifo["counts"] if r["actual"] or r["replayed"]}  # fmt: skip
    assert counts == {
        ("PAID", "ALLOCATED"): (2, 0), ("PAID", "WAITLISTED"): (0, 2),
        ("PAID", "PROMOTED"): (0, 1), ("PAID", "CANCELLED"): (1, 1),
        ("FOLLOWUP", "ALLOCATED"): (2, 1), ("FOLLOWUP", "WAITLISTED"): (0, 1),
        ("FOLLOWUP", "NO_SHOW"): (1, 1),
        ("ONLINE", "ALLOCATED"): (1, 1), ("ONLINE", "BUMPED"): (1, 0),
        ("ONLINE", "WAITLISTED"): (1, 0), ("ONLINE", "PROMOTED"): (1, 0),
        ("WALKIN", "ALLOCATED"): (2, 2), ("WALKIN", "BUMPED"): (2, 0),
        ("WALKIN", "REALLOCATED"): (1, 0), ("WALKIN", "WAITLISTED"): (1, 0),
        ("WALKIN", "NO_SHOW"): (0, 1),
    }  # fmt: skip
    assert [
        (c["token"], c["patient"], c["actual_outcome"], c["replayed_outcome"])
        for c in fifo["changed"]
    ] == [
        (102, "Bala", "ALLOCATED in slot 2", "ALLOCATED in slot 1"),
        (105, "Esha", "ALLOCATED in slot 1", "WAITLISTED on slot 1"),
        (106, "Farid", "WAITLISTED on slot 3", "NO_SHOW, slot 3"),
    ]
    assert sorted(p.name for p in out.iterdir()) == ["fifo", "priority-bump"]
    assert (
        (out / "fifo" / "changed_tokens.csv")
        .read_text()
        .splitlines()[1]
        .startswith("102,WALKIN,Bala,ALLOCATED in slot 2,ALLOCATED in slot 1,")
    )
    again = run_cli("replay", "--requests", str(EXAMPLE), "--policy", "priority-bump",
                    "--policy", "fifo", "--out", str(out))  # fmt: skip
    assert again.code == 0, again.err  # an earlier output of replay is replaced
    assert "changed tokens: 3" in again.out


def test_each_replay_is_a_run_directory_the_report_and_analysis_read(tmp_path: Path) -> None:
    """``--out`` writes each replay as a run's data files: read back with the simulator's
    dtypes, the fifo replay's frames hold the outcomes its comparison lists, and
    ``opd-sim report`` renders it (carrying the comparison files over)."""
    from opd_sim.analysis import outcomes_by_source
    from opd_sim.simulation import read_run

    out = tmp_path / "out"
    done = run_cli("replay", "--requests", str(EXAMPLE), "--policy", "priority-bump",
                   "--policy", "fifo", "--out", str(out))  # fmt: skip
    assert done.code == 0, done.err
    run = read_run(out / "fifo")
    statuses = dict(zip(run.patients["token_id"], run.patients["status"].astype(str),
                        strict=True))  # fmt: skip
    assert (statuses[102], statuses[105], statuses[106]) == ("ALLOCATED", "WAITLISTED",
                                                              "NO_SHOW")  # fmt: skip
    assert "BUMPED" not in set(run.decisions["kind"].astype(str))  # fifo bumps nobody
    table = outcomes_by_source(run.patients)
    assert int(table.loc["PAID", "tokens"]) == 2
    report = run_cli("report", str(out / "fifo"))
    assert report.code == 0, report.err
    names = {p.name for p in (out / "fifo").iterdir()}
    assert {"report.html", "replay_comparison.json", "changed_tokens.csv"} <= names


def test_a_store_is_replayed_without_a_byte_changed(tmp_path: Path) -> None:
    store = tmp_path / "opd.db"
    ticks = itertools.count(1_795_000_000, 60)
    with Desk(store, clock=lambda: float(next(ticks))) as desk:
        rao = desk.add_doctor("Dr Rao")["id"]
        slot = desk.add_slot(rao, "2026-11-24T09:00", "2026-11-24T09:20", 1)["id"]
        desk.book(slot, "WALKIN", "Asha")
        desk.book(slot, "PAID", "Bala")
    before = store.read_bytes()
    result = run_cli("replay", "--policy", "fifo", db=store, json_output=True)
    assert result.code == 0, result.err
    assert result.json["baseline"] == "actual"
    [fifo] = result.json["policies"]
    assert [(c["token"], c["actual_outcome"], c["replayed_outcome"]) for c in fifo["changed"]] == [
        (1, "WAITLISTED on slot 1", "ALLOCATED in slot 1"),
        (2, "ALLOCATED in slot 1", "WAITLISTED on slot 1"),
    ]
    assert store.read_bytes() == before


def test_a_store_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "opd.db"
    Desk(store).close()
    with sqlite3.connect(store) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = store.read_bytes()
    result = run_cli("replay", db=store)
    assert result.code == 2 and "newer than this opd-sim understands" in result.err
    assert result.err.count("\n") == 1 and store.read_bytes() == before


BAD = {
    "missing column": ("time,event,doctor,slot,start,end,capacity,token,source\n", "row 1: "
                       "missing column patient"),
    "unknown event": (f"{HEADER}\n{SLOT}\n2026-11-24T07:00,walkin,,1,,,,1,WALKIN,A\n",
                      "row 3: unknown event 'walkin'"),
    "unknown source": (f"{HEADER}\n{SLOT}\n2026-11-24T07:00,book,,1,,,,1,VIP,A\n",
                       "row 3: unknown source 'VIP'"),
    "time out of order": (f"{HEADER}\n{SLOT}\n{BOOK}\n2026-11-24T07:00,book,,1,,,,2,PAID,B\n",
                          "row 4: time 2026-11-24T07:00:00 is before the previous row's"),
    "bad time": (f"{HEADER}\n{SLOT}\n7:30,book,,1,,,,1,PAID,B\n", "row 3: time: '7:30' is not"),
    "cancel of unknown token": (f"{HEADER}\n{SLOT}\n{BOOK}\n2026-11-24T08:00,cancel,,,,,,9,,\n",
                                "row 4: token 9 is not booked on an earlier row"),
    "no-show of unknown token": (f"{HEADER}\n{SLOT}\n2026-11-24T08:00,no_show,,,,,,9,,\n",
                                 "row 3: token 9 is not booked on an earlier row"),
    "booking into unknown slot": (f"{HEADER}\n{SLOT}\n2026-11-24T08:00,book,,2,,,,1,PAID,B\n",
                                  "row 3: slot 2 is not opened on an earlier row"),
    "duplicate token": (f"{HEADER}\n{SLOT}\n{BOOK}\n{BOOK}\n",
                        "row 4: token 1 is already booked on row 3"),
    "duplicate slot": (f"{HEADER}\n{SLOT}\n{SLOT}\n", "row 3: slot 1 is already opened on row 2"),
    "bad capacity": (f"{HEADER}\n{SLOT[:-4]}x,,,\n", "row 2: capacity: must be a whole number"),
    "bad token number": (f"{HEADER}\n{SLOT}\n2026-11-24T07:30,book,,1,,,,1.5,PAID,A\n",
                         "row 3: token: must be a whole number from 1 to 2,147,483,647, "
                         "not '1.5'"),
    "end before start": (f"{HEADER}\n2026-11-23T17:00,slot,Dr Rao,1,2026-11-24T09:00,"
                         "2026-11-24T08:00,1,,,\n", "row 2: end 2026-11-24T08:00:00 is not after"),
    "start on a book row": (f"{HEADER}\n{SLOT}\n2026-11-24T07:30,book,,1,2026-11-24T09:00,,,1,"
                            "PAID,A\n", "row 3: start is not given on book rows"),
    "cancelled twice": (f"{HEADER}\n{SLOT}\n{BOOK}\n2026-11-24T08:00,cancel,,,,,,1,,\n"
                        "2026-11-24T08:10,no_show,,,,,,1,,\n",
                        "row 5: token 1 already had a cancel on row 4"),
    "wrong field count": (f"{HEADER}\n{SLOT},extra\n", "row 2: 11 fields, but the header names"),
    # a run's frames hold ids in 32 bits: refused with the row, not an internal error on --out
    "token id past 32 bits": (f"{HEADER}\n{SLOT}\n2026-11-24T07:30,book,,1,,,,{2**31},PAID,A\n",
                              "row 3: token: must be a whole number from 1 to 2,147,483,647"),
    "unnamed trailing columns": (f"{HEADER},,\n{SLOT},,\n",
                                 "row 1: column 11 has no name: remove the empty columns"),
    "dotless i in a repeated source": (f"{HEADER}\n{SLOT}\n{BOOK}\n2026-11-24T08:00,cancel,,,,,,"
                                       "1,onl\u0131ne,\n",
                                       "row 4: source 'onl\u0131ne' is not token 1's"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_requests_are_refused_naming_the_row(tmp_path: Path, case: str) -> None:
    text, message = BAD[case]
    requests = tmp_path / "requests.csv"
    requests.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("replay", "--requests", str(requests), "--out", str(out))
    assert result.code == 2, (result.out, result.err)
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert message in result.err, result.err
    assert result.out == "" and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["requests.csv"]


def test_a_file_past_the_cap_is_refused_unread(tmp_path: Path) -> None:
    from opd_sim.history.events import MAX_REQUESTS_BYTES

    requests = tmp_path / "big.csv"
    with requests.open("wb") as file:
        file.truncate(MAX_REQUESTS_BYTES + 1)
    result = run_cli("replay", "--requests", str(requests))
    assert result.code == 2 and "a requests file may hold" in result.err


def test_an_unknown_policy_is_refused(tmp_path: Path) -> None:
    result = run_cli("replay", "--requests", str(EXAMPLE), "--policy", "lottery")
    assert result.code == 2 and "lottery" in result.err and result.out == ""


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_a_requests_files_times_are_its_wall_clock_in_any_time_zone(tmp_path: Path,
                                                                   zone: str) -> None:  # fmt: skip
    """The rows' times are wall-clock times: a 07:30 request of a 09:00 slot is 90 minutes
    before it in the replay's frames, whatever TZ the replay runs in (it was read as seconds
    since the epoch in the local zone: 13:00 in Kolkata, after the slot began)."""
    from opd_sim.simulation import read_run

    out = tmp_path / "out"
    result = run_cli("replay", "--requests", str(EXAMPLE), "--policy", "fifo", "--out",
                     str(out), env={"TZ": zone})  # fmt: skip
    assert result.code == 0, result.err
    run = read_run(out / "fifo")
    first = run.patients.set_index("token_id").loc[101]
    assert (first["requested_at"], first["slot_start"]) == (450.0, 540.0)
    assert run.decisions["time"].iloc[0] == 450.0


def test_times_far_from_1970_are_written(tmp_path: Path) -> None:
    """A year-1 row is a valid ISO date-time: --out writes it (no 'year 0 is out of range')."""
    requests = tmp_path / "requests.csv"
    requests.write_text(f"{HEADER}\n0001-01-01T00:00,slot,Dr Rao,1,0001-01-01T09:00,"
                        "0001-01-01T09:30,1,,,\n0001-01-01T08:00,book,,1,,,,1,PAID,A\n",
                        encoding="utf-8")  # fmt: skip
    result = run_cli("replay", "--requests", str(requests), "--out", str(tmp_path / "out"),
                     env={"TZ": "Asia/Kolkata"})  # fmt: skip
    assert result.code == 0, result.err


@pytest.mark.parametrize(("argv", "says"), [
    (["--requests", ""], "--requests: must not be empty"),  # was read as '.', "not a file"
    (["--requests", str(EXAMPLE), "--out", ""], "--out: must not be empty"),  # was no output
    (["--db", ""], "--db: must not be empty"),
])  # fmt: skip
def test_an_empty_path_is_refused(argv: list[str], says: str, tmp_path: Path) -> None:
    """An empty path (``--out "$UNSET"``) is a mistake: exit 2 naming the option, before any
    work, not the current directory nor a silently skipped output."""
    result = run_cli("replay", *argv, cwd=tmp_path)
    assert result.code == 2 and result.out == ""
    assert result.err == f"opd-sim: error: {says}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_capitalised_header_is_read(tmp_path: Path) -> None:
    """A spreadsheet's ``TIME,Event,...`` header names the same columns."""
    path = tmp_path / "upper.csv"
    path.write_text(f"{HEADER.upper()}\n{SLOT}\n{BOOK}\n", encoding="utf-8")
    done = run_cli("replay", "--requests", str(path), json_output=True)
    assert done.code == 0, done.err
    assert done.json["events"] == {"slot": 1, "book": 1, "cancel": 0, "no_show": 0}


def test_out_is_refused_when_it_holds_other_files(tmp_path: Path) -> None:
    """A replay's folders go only into a new or empty directory, or one earlier replays wrote:
    never among other files (nothing is written), nor through a symbolic link."""
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("x", encoding="utf-8")
    done = run_cli("replay", "--requests", str(EXAMPLE), "--out", str(out))
    assert done.code == 2 and "holds other files (chapter1.tex)" in done.err
    assert sorted(p.name for p in out.iterdir()) == ["chapter1.tex"]
    (out / "chapter1.tex").unlink()
    first = run_cli("replay", "--requests", str(EXAMPLE), "--out", str(out))
    assert first.code == 0, first.err
    then = run_cli("replay", "--requests", str(EXAMPLE), "--policy", "fifo", "--out", str(out))
    assert then.code == 0, then.err  # beside an earlier replay's folder
    assert sorted(p.name for p in out.iterdir()) == ["fifo", "priority-bump"]
    link = tmp_path / "link"
    link.symlink_to(out)
    linked = run_cli("replay", "--requests", str(EXAMPLE), "--out", str(link))
    assert linked.code == 2 and "symbolic link" in linked.err
