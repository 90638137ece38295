"""Command-line text that is not UTF-8 is refused before any command runs.

Python hands argv bytes that are not UTF-8 to us as lone surrogates (PEP 383). SQLite, JSON and
the terminal cannot hold them, so such a name would crash the command half-way (after creating a
store) or be kept as something else than what was typed; one check here covers every command and
every option (``--name``, ``--patient``, ``--db``, ``--out``...).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence

from opd_sim.errors import InvalidInput

__all__ = ["refuse_undecodable"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_undecodable(
    argv: Sequence[str], full_parser: Callable[[], argparse.ArgumentParser]
) -> None:
    """Raise InvalidInput naming the first argument that is not valid UTF-8 text.

    ``full_parser()`` builds the parser of every command, which tells which options take a
    value; it is called only once such an argument is found (building it slows every start).
    """
    for index, text in enumerate(argv):
        if _SURROGATE.search(text) is None:
            continue
        option, equals, value = text.partition("=")
        if text.startswith("--") and equals and _SURROGATE.search(option) is None:
            name, shown = option, value  # --name=VALUE
        elif index and _takes_value(argv[index - 1], full_parser()):
            name, shown = argv[index - 1], text  # --name VALUE
        else:
            name, shown = f"argument {index + 1}", text  # positional, or the option itself
        raise InvalidInput(f"{name}: '{_bytes_as_typed(shown)}' is not valid UTF-8 text")


def _takes_value(previous: str, parser: argparse.ArgumentParser) -> bool:
    """Whether ``previous`` is an option that takes the next argument (``--json`` does not)."""
    return previous.startswith("-") and "=" not in previous and previous not in _flags(parser)


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of every (sub)command that takes no value."""
    flags: set[str] = set()
    for action in parser._actions:
        if action.nargs == 0:
            flags.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                flags |= _flags(sub)
    return flags


def _bytes_as_typed(text: str) -> str:
    """The argument on one line: each byte that is not UTF-8 as ``\\xNN``, other characters
    that do not print (newline, ESC...) as Python escapes."""
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    # surrogateescape maps each undecodable byte 0x80-0xFF to U+DC80-U+DCFF; any other lone
    # surrogate can only come from a caller of main() in-process
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return char if char.isprintable() else repr(char)[1:-1]
