"""Fuzzing the desk: whatever the arguments, a command succeeds (0) or is refused (2 or 3) in one
line, never crashes (1, a traceback), and a refused command leaves the store byte for byte as it
was. Arguments are drawn with control characters, lone surrogates, huge and odd-script numbers,
empty strings; most runs are in-process for speed, a few through the real console script.
"""

from __future__ import annotations

import io
import os
import subprocess
import unicodedata
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from desk_helpers import snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opd_sim.cli.app import main
from opd_sim.store import Desk
from tests.cli import OPD_SIM, Result

DAY = "2026-11-24"

# every code point, lone surrogates and control characters included; and, more often than a
# uniform draw would give them, the characters the desk must refuse or must not read as digits
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
TRICKY = ["Cc", "Cf", "Cs", "Zl", "Zp", "Nd", "No", "Nl"]
TRICKY_TEXT = st.text(st.characters(categories=TRICKY) | st.sampled_from("aZ1 "), max_size=5)
# other scripts' digits (Arabic-Indic 1 and 7, fullwidth 1), superscript 2, Roman numeral 12
ODD = [
    "", " ", "0", "-1", "+1", " 1", "1_0", "\u0661", "\u0667", "\uff11", "\u00b2", "\u216b",
    "1.0", "1e3", "0x10", "9" * 30, "\udcff", "P\udce9rez", "\x1b[31mred", "Dr\u2028Rao",
    "a\vb", "a\fb", "\u200b", "\u202eoaR", "x\udc80", "\ud800", "Asha\n", "\tBala", "\ufeff",
    "\x00", "-", "--", "--db", "--json",
]  # fmt: skip
texts = st.sampled_from(ODD) | ANY_TEXT | TRICKY_TEXT
ids = (
    st.integers(0, 8).map(str)  # mostly ids that exist in the store
    | st.integers(-(2**70), 2**70).map(str)
    | texts
)
names = st.sampled_from(["Dr Rao", "Asha", "डॉ. राव", "  Bala  "]) | texts
sources = st.sampled_from(["PAID", "walkin", "Emergency", "pa\u0131d", "PA\u0130D", "VIP"]) | texts
TIMES = [f"{DAY}T09:00", f"{DAY}T09:20", f"{DAY}T10:00", DAY, f"{DAY}T09:00+05:30",
         "9999-12-31T23:59:59", "0001-01-01", f"{DAY}T09:00\u2028"]  # fmt: skip
times = st.sampled_from(TIMES) | texts
capacities = st.integers(-5, 10**25).map(str) | texts


def _optional(flag: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.just([]) | values.map(lambda value: [flag, value])


def _slot_add(values: tuple[str, str, str, str]) -> list[str]:
    doctor, start, end, capacity = values
    return ["slot", "add", "--doctor", doctor, "--start", start, "--end", end,
            "--capacity", capacity]  # fmt: skip


commands = st.one_of(
    st.tuples(names, _optional("--id", ids)).map(
        lambda a: ["doctor", "add", "--name", a[0], *a[1]]
    ),
    st.just(["doctor", "list"]),
    st.tuples(ids, times, times, capacities).map(_slot_add),
    _optional("--doctor", ids).map(lambda a: ["slot", "list", *a]),
    st.tuples(ids, sources, names).map(
        lambda a: ["token", "book", "--slot", a[0], "--source", a[1], "--patient", a[2]]
    ),
    st.tuples(st.sampled_from(["cancel", "no-show"]), ids).map(lambda a: ["token", *a]),
    _optional("--slot", ids).map(lambda a: ["token", "list", *a]),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store for every example: a doctor, two slots of one seat, tokens seated, waitlisted
    and cancelled (so cancel, no-show and book meet every state)."""
    db = tmp_path_factory.mktemp("fuzz") / "desk.db"
    with Desk(db) as desk:
        desk.add_doctor("Dr Rao")
        desk.add_slot(1, f"{DAY}T09:00", f"{DAY}T09:20", 1)
        desk.add_slot(1, f"{DAY}T09:20", f"{DAY}T09:40", 1)
        for source, patient in (("PAID", "Asha"), ("WALKIN", "Bala"), ("ONLINE", "Chitra")):
            desk.book(1, source, patient)
        desk.cancel(3)
    yield db
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # no stray store or journal


def _in_process(argv: list[str]) -> Result:
    """``main`` with stdout encoded as a real one is (UTF-8, strict), stderr as Python's."""
    out, err = io.BytesIO(), io.BytesIO()
    out_text = io.TextIOWrapper(out, encoding="utf-8", errors="strict")
    err_text = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace")
    with redirect_stdout(out_text), redirect_stderr(err_text):
        code = main(argv)
    out_text.flush()
    err_text.flush()
    return Result(code, out.getvalue().decode(), err.getvalue().decode())


def _check(result: Result, argv: list[str], store: Path, before: tuple[bytes, list[str]]) -> None:
    assert result.code in (0, 2, 3), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    if result.code:
        assert result.out == ""
        assert result.err.startswith("opd-sim: error: ") and result.err.count("\n") == 1
        assert snapshot(store) == before  # refused: not one byte changed
    else:
        _only_strict_values_accepted(argv)


def _only_strict_values_accepted(argv: list[str]) -> None:
    """An accepted command's values obey the documented rules (docs/booking-desk.md): ids and
    capacities ASCII digits, sources ASCII letters, names without control or format characters
    (but for the joiners U+200C, U+200D)."""
    values = dict(zip(argv[2::2], argv[3::2], strict=False))
    if argv[1] in ("cancel", "no-show"):
        values = {"TOKEN": argv[2]}
    for option, value in values.items():
        if option in ("TOKEN", "--id", "--doctor", "--slot", "--capacity"):
            assert value.isascii() and value.isdigit(), (option, value)
        elif option == "--source":
            assert value.isascii() and value.isalpha(), (option, value)
        elif option in ("--name", "--patient"):
            assert all(
                unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
                or char in "\u200c\u200d"
                for char in value
            ), (option, value)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(argv=commands, as_json=st.booleans())
def test_any_arguments_in_process(store: Path, argv: list[str], as_json: bool) -> None:
    """Drawn arguments through ``opd_sim.cli.app.main``: exit 0, 2 or 3, one line when refused,
    and the store unchanged by a refused command."""
    before = snapshot(store)
    result = _in_process([*argv, *(["--json"] if as_json else []), "--db", str(store)])
    _check(result, argv, store, before)


def _encodable(argv: list[str]) -> bool:
    """Whether a real process can be given these arguments (bytes, no NUL)."""
    try:
        return all(b"\x00" not in os.fsencode(arg) for arg in argv)
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return False


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(argv=commands.filter(_encodable))
def test_any_arguments_through_the_console_script(store: Path, argv: list[str]) -> None:
    """A sample of drawn arguments through the real ``opd-sim`` process: the same guarantees,
    with the operating system's own argv bytes and stdout encoding."""
    before = snapshot(store)
    env = {name: value for name, value in os.environ.items() if not name.startswith("OPD_SIM_")}
    done = subprocess.run(
        [OPD_SIM, *argv, "--db", str(store)], capture_output=True, timeout=60, env=env
    )
    stdout = done.stdout.decode("utf-8", "backslashreplace")
    stderr = done.stderr.decode("utf-8", "backslashreplace")
    _check(Result(done.returncode, stdout, stderr), argv, store, before)
