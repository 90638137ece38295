"""``opd-sim doctor | slot | token``: the booking desk over a SQLite store.

Each command opens the store (``--db``, else ``$OPD_SIM_DB``, else ``./opd.db``), runs one
transaction through :class:`opd_sim.store.Desk` and prints a short line or table, or ``--json``.
Input is checked before the store is opened, so a typo never creates or touches a store.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from opd_sim.cli.app import print_json, print_table
from opd_sim.engine import Source
from opd_sim.errors import InvalidInput
from opd_sim.store import Desk
from opd_sim.store.values import parse_capacity, parse_name, parse_time

__all__ = ["add_commands", "add_doctor_commands", "add_slot_commands", "add_token_commands"]

_SQLITE_INT = range(-(2**63), 2**63)


def _id(text: str) -> int:
    """An id as typed: ASCII digits (whether it exists is the store's question)."""
    # int() alone also reads '1_0', ' +7' and other scripts' digits (U+0667): not an id as printed
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"not a whole-number id: {text!r}")
    if len(text) > 20 or int(text) not in _SQLITE_INT:  # int() of huge digit strings is slow
        raise argparse.ArgumentTypeError(f"id out of range: {text[:30]!r}")
    return int(text)


def _source(text: str) -> Source:
    try:
        return Source.parse(text)
    except InvalidInput as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _desk(args: argparse.Namespace, create: bool = False) -> Desk:
    """The store the command names: ``--db``, else ``$OPD_SIM_DB``, else ``./opd.db``.

    Only ``doctor add`` creates a store (every other command needs rows a new store cannot
    have), so a mistyped path is "no store at PATH" and leaves no empty file behind.
    """
    if args.db == "":  # e.g. --db "$UNSET_VARIABLE": a mistake, not a wish for the default store
        raise InvalidInput("--db: must not be empty")
    return Desk(args.db, create=create)


# ---------------------------------------------------------------- handlers


def _doctor_add(args: argparse.Namespace) -> int:
    name = parse_name(args.name, "--name")
    if args.id is not None and args.id < 1:
        raise InvalidInput(f"--id: must be 1 or more, not {args.id}")
    with _desk(args, create=True) as desk:
        doctor = desk.add_doctor(name, args.id)
    _show(args, doctor, lambda d: f"doctor {d['id']}: {d['name']}")
    return 0


def _doctor_list(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        doctors = desk.doctors()
    _show_table(args, doctors, ["id", "name"])
    return 0


def _slot_add(args: argparse.Namespace) -> int:
    start = parse_time(args.start, "--start")
    end = parse_time(args.end, "--end")
    capacity = parse_capacity(args.capacity, "--capacity")
    if not end > start:  # the engine checks too; here the message can name the field
        raise InvalidInput(f"--end: {end} is not after --start {start}")
    with _desk(args) as desk:
        slot = desk.add_slot(args.doctor, start, end, capacity)
    _show(args, slot, _slot_line)
    return 0


def _slot_list(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        slots = desk.slots(args.doctor)
    if args.json:
        print_json(slots)
    else:
        rows = [{**s, "overbooked": "OVERBOOKED" if s["overbooked"] else ""} for s in slots]
        print_table(
            rows, ["id", "doctor_id", "start", "end", "capacity", "seats_held", "overbooked"]
        )
    return 0


def _token_book(args: argparse.Namespace) -> int:
    patient = parse_name(args.patient, "--patient")
    with _desk(args) as desk:
        result = desk.book(args.slot, args.source, patient)
    _show(args, result, _outcome_lines)
    return 0


def _token_cancel(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        result = desk.cancel(args.token)
    _show(args, result, _outcome_lines)
    return 0


def _token_no_show(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        result = desk.no_show(args.token)
    _show(args, result, _outcome_lines)
    return 0


def _token_list(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        tokens = desk.tokens(args.slot)
    _show_table(args, tokens, ["id", "slot_id", "source", "patient", "status"])
    return 0


# ----------------------------------------------------------------- output


def _show(args: argparse.Namespace, record: dict[str, Any], line: Callable[[Any], str]) -> None:
    if args.json:
        print_json(record)
    else:
        print(line(record))


def _show_table(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if args.json:
        print_json(rows)
    else:
        print_table(rows, columns)


def _slot_line(slot: dict[str, Any]) -> str:
    state = ", OVERBOOKED" if slot["overbooked"] else ""
    return (
        f"slot {slot['id']}: doctor {slot['doctor_id']}, {slot['start']} to {slot['end']},"
        f" {slot['seats_held']}/{slot['capacity']} seats held{state}"
    )


# The reason's fixed phrase names no token, so a line names the related token after it: the
# bumped token of an ALLOCATED decision, else the token whose bump or release caused the decision
# (docs/rules.md, Decisions).
_RELATED = {"ALLOCATED": "token"}


def _outcome_lines(result: dict[str, Any]) -> str:
    token = result["token"]
    lines = [
        f"token {token['id']}: {token['status']} in slot {token['slot_id']}"
        f" ({token['source']}, {token['patient']})"
    ]
    for d in result["decisions"]:
        line = f"  {d['kind']:<11} token {d['token_id']} in slot {d['slot_id']}: {d['reason']}"
        if d["related_token_id"] is not None:
            line += f" ({_RELATED.get(d['kind'], 'by token')} {d['related_token_id']})"
        lines.append(line)
    return "\n".join(lines)


# ----------------------------------------------------------------- parsers
# One function per command group, so that a command line builds its own group's parsers only
# (opd_sim.cli.app.COMMANDS): a booking starts without building ``doctor`` and ``slot``.


def add_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register the ``doctor``, ``slot`` and ``token`` command groups."""
    add_doctor_commands(commands, parent)
    add_slot_commands(commands, parent)
    add_token_commands(commands, parent)


def _store_options(parent: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parents of every desk command: ``parent`` (``--json``) and ``--db``."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--db", metavar="PATH", help="the booking store (default: $OPD_SIM_DB, else ./opd.db)"
    )
    return [parent, store]


def _group(commands: Any, name: str, help_text: str) -> Any:
    sub = commands.add_parser(name, help=help_text, description=help_text)
    return sub.add_subparsers(dest="action", metavar="ACTION", required=True)


def add_doctor_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``doctor add`` and ``doctor list``."""
    both = _store_options(parent)
    doctor = _group(commands, "doctor", "doctors who hold slots")
    add = doctor.add_parser("add", parents=both, help="register a doctor")
    add.add_argument("--name", required=True, help="the doctor's name")
    add.add_argument("--id", type=_id, help="a chosen id (default: the next free one)")
    add.set_defaults(handler=_doctor_add)
    doctor.add_parser("list", parents=both, help="list doctors").set_defaults(handler=_doctor_list)


def add_slot_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``slot add`` and ``slot list``."""
    both = _store_options(parent)
    slot = _group(commands, "slot", "a doctor's consultation windows")
    add = slot.add_parser("add", parents=both, help="open a slot")
    add.add_argument("--doctor", type=_id, required=True, metavar="ID", help="the doctor's id")
    add.add_argument("--start", required=True, metavar="ISO", help="local start, 2026-11-24T09:00")
    add.add_argument("--end", required=True, metavar="ISO", help="local end, after the start")
    add.add_argument("--capacity", required=True, metavar="N", help="seats, 1 or more")
    add.set_defaults(handler=_slot_add)
    listing = slot.add_parser("list", parents=both, help="list slots with seats taken")
    listing.add_argument("--doctor", type=_id, metavar="ID", help="only this doctor's slots")
    listing.set_defaults(handler=_slot_list)


def add_token_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``token book``, ``cancel``, ``no-show`` and ``list``."""
    both = _store_options(parent)
    token = _group(commands, "token", "patients' requests for a seat")
    book = token.add_parser("book", parents=both, help="request a seat in a slot")
    book.add_argument("--slot", type=_id, required=True, metavar="ID", help="the slot's id")
    book.add_argument(
        "--source",
        type=_source,
        required=True,
        help="EMERGENCY, PAID, FOLLOWUP, ONLINE or WALKIN (any case)",
    )
    book.add_argument("--patient", required=True, metavar="NAME", help="the patient's name")
    book.set_defaults(handler=_token_book)
    for name, handler, help_text in (
        ("cancel", _token_cancel, "the patient cancels; the waitlist is promoted"),
        ("no-show", _token_no_show, "the patient did not come; the waitlist is promoted"),
    ):
        change = token.add_parser(name, parents=both, help=help_text)
        change.add_argument("token", type=_id, metavar="TOKEN", help="the token's id")
        change.set_defaults(handler=handler)
    listing = token.add_parser("list", parents=both, help="list tokens")
    listing.add_argument("--slot", type=_id, metavar="ID", help="only tokens now in this slot")
    listing.set_defaults(handler=_token_list)
