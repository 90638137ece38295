"""Crash safety: a counter killed with SIGKILL mid-booking never loses or half-writes a booking."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.cli import OPD_SIM, cli_env, run_cli

KILLS = 12
SEED = 20261124

# The child books in a loop through the library and prints each token id only after its
# transaction committed: a printed id is an acknowledged booking.
CHILD = """
import itertools, sys
from opd_sim.store import Desk
sources = ["WALKIN", "ONLINE", "PAID", "FOLLOWUP", "EMERGENCY", "WALKIN"]
with Desk(sys.argv[1]) as desk:
    print("ready", flush=True)
    for n in itertools.count():
        slot = 1 + n % 3
        booked = desk.book(slot, sources[n % len(sources)], f"{sys.argv[2]}-{n}")
        print(booked["token"]["id"], booked["token"]["patient"], flush=True)
        if n % 4 == 3:
            desk.cancel(booked["token"]["id"])
"""


def test_sigkill_at_random_moments_loses_no_acknowledged_booking(db: Path) -> None:
    """Killed 12 times at seeded random moments, the store passes integrity_check, every booking
    the child acknowledged is there, and every stored token has its audit trail."""
    run_cli("doctor", "add", "--name", "Dr Rao", db=db, json_output=True)
    for start, end in (("09:00", "09:20"), ("09:20", "09:40"), ("09:40", "10:00")):
        made = run_cli(
            "slot", "add", "--doctor", "1", "--start", f"2026-11-24T{start}",
            "--end", f"2026-11-24T{end}", "--capacity", "2", db=db, json_output=True,
        )  # fmt: skip
        assert made.code == 0, made.err
    rng = random.Random(SEED)
    acknowledged: dict[int, str] = {}
    for round_ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db), f"r{round_}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
        for line in child.stdout.read().splitlines():
            ident, _, patient = line.partition(" ")
            if patient:  # a line cut short by the kill was never acknowledged
                acknowledged[int(ident)] = patient
        child.stdout.close()

        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            stored = dict(conn.execute("SELECT id, patient FROM token"))
            unaudited = conn.execute(
                "SELECT count(*) FROM token WHERE id NOT IN (SELECT token_id FROM audit)"
            ).fetchone()[0]
        finally:
            conn.close()
        assert {i: stored.get(i) for i in acknowledged} == acknowledged
        assert unaudited == 0
    assert len(acknowledged) > KILLS  # the kills did land between real bookings


# A counter clerk's loop through the real console script (tests.cli.OPD_SIM, in the environment
# of tests.cli.cli_env); an id is printed once opd-sim exited 0.
CLI_LOOP = """
import json, subprocess, sys
opd_sim, db, tag = sys.argv[1:]
print("ready", flush=True)
for n in range(10_000):
    done = subprocess.run(
        [opd_sim, "token", "book", "--db", db, "--json", "--slot", str(1 + n % 3),
         "--source", ["WALKIN", "PAID", "ONLINE", "EMERGENCY"][n % 4], "--patient", f"{tag}-{n}"],
        capture_output=True, text=True, check=True,
    )
    token = json.loads(done.stdout)["token"]
    print(token["id"], token["patient"], flush=True)
"""


def test_sigkill_of_running_cli_processes_loses_nothing(db: Path) -> None:
    """The whole process group of a clerk's loop of real opd-sim calls is SIGKILLed 10 times at
    seeded random moments: the store stays intact and every acknowledged booking is there."""
    run_cli("doctor", "add", "--name", "Dr Rao", db=db, json_output=True)
    for start, end in (("09:00", "09:20"), ("09:20", "09:40"), ("09:40", "10:00")):
        run_cli(
            "slot", "add", "--doctor", "1", "--start", f"2026-11-24T{start}",
            "--end", f"2026-11-24T{end}", "--capacity", "2", db=db, json_output=True,
        )  # fmt: skip
    rng = random.Random(SEED + 1)
    acknowledged: dict[int, str] = {}
    for round_ in range(10):
        clerk = subprocess.Popen(
            [sys.executable, "-c", CLI_LOOP, OPD_SIM, str(db), f"c{round_}"],
            stdout=subprocess.PIPE,
            text=True,
            env=cli_env(),  # the loop's opd-sim calls see no OPD_SIM_DB / OPD_SIM_DEBUG
            start_new_session=True,  # its own process group: the kill takes opd-sim down too
        )
        assert clerk.stdout is not None
        assert clerk.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.05, 0.5))
        os.killpg(clerk.pid, signal.SIGKILL)
        clerk.wait(timeout=30)
        for line in clerk.stdout.read().splitlines():
            ident, _, patient = line.partition(" ")
            if patient:
                acknowledged[int(ident)] = patient
        clerk.stdout.close()
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            stored = dict(conn.execute("SELECT id, patient FROM token"))
        finally:
            conn.close()
        assert {i: stored.get(i) for i in acknowledged} == acknowledged
    # and the desk still works on the store
    listed = run_cli("token", "list", db=db, json_output=True)
    assert listed.code == 0 and len(listed.json) >= len(acknowledged) > 0
