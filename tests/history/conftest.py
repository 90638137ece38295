"""A scripted day booked at the desk, with a fixed clock: one of each thing the desk records
(a bump and reallocation, a waitlisting and promotion, an overbooked emergency, cancellations,
a no-show, a token still waiting), for export and its frames checked by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from opd_sim.store import Desk

#: The desk's clock starts here (local wall-clock time) and each operation is a minute later.
CLOCK_START = datetime(2026, 11, 24, 8, 0)


def scripted_day(path: Path) -> Path:
    """Book the scripted day into a new store at ``path``; operation k (from 1) happens at
    08:00 + k minutes on 24 November, local time."""
    ticks = iter(range(1, 1000))
    start = CLOCK_START.timestamp()
    with Desk(path, clock=lambda: start + 60 * next(ticks)) as desk:
        desk.add_doctor("Dr Rao")
        desk.add_doctor("Dr Iyer")
        desk.add_slot(1, "2026-11-24T09:00", "2026-11-24T09:20", 1)  # slot 1
        desk.add_slot(1, "2026-11-24T09:20", "2026-11-24T09:40", 1)  # slot 2
        desk.add_slot(2, "2026-11-25T09:00", "2026-11-25T09:20", 2)  # slot 3, the next day
        desk.book(1, "WALKIN", "Asha")  # 08:01 token 1 seated in slot 1
        desk.book(1, "PAID", "Bala")  # 08:02 token 2 bumps 1, who moves to slot 2
        desk.book(1, "FOLLOWUP", "Chitra")  # 08:03 token 3 waitlisted on slot 1
        desk.book(1, "EMERGENCY", "Dev")  # 08:04 token 4 seated past capacity
        desk.cancel(4)  # 08:05 slot 1 back to capacity: nobody promoted
        desk.cancel(2)  # 08:06 token 3 promoted into token 2's seat
        desk.no_show(1)  # 08:07 slot 2 empty again
        desk.book(3, "ONLINE", "Esha")  # 08:08 token 5 in slot 3
        desk.book(2, "ONLINE", "Farah")  # 08:09 token 6 in slot 2
        desk.book(2, "ONLINE", "Gopal")  # 08:10 token 7 waitlisted on slot 2
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store holding the scripted day."""
    return scripted_day(tmp_path / "opd.db")
