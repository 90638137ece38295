"""What a person types, checked and put in the one form the store keeps.

Each parser names the field it checks (``--start``, ``--capacity``...) in its error, so the user
knows which argument to fix; every failure is :class:`InvalidInput` (exit 2).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from opd_sim.errors import InvalidInput

__all__ = ["parse_capacity", "parse_name", "parse_time"]


def parse_time(value: str | datetime, field: str = "start") -> str:
    """An ISO 8601 local date-time as the store keeps it: ``YYYY-MM-DDTHH:MM:SS``.

    Times are the hospital's wall-clock time, so a UTC offset is refused rather than guessed at
    (mixing offset and local times would make slot order ambiguous).
    """
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput(
                f"{field}: {value!r} is not an ISO 8601 date-time (e.g. 2026-11-24T09:00)"
            ) from None
    if moment.tzinfo is not None:
        raise InvalidInput(f"{field}: give the local time without a UTC offset, not {value!r}")
    # fixed width, so text order is time order (sub-second digits only extend the string)
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")


#: More seats than any consultation slot has; also keeps the value inside SQLite's INTEGER.
MAX_CAPACITY = 100_000


def parse_capacity(value: str | int, field: str = "capacity") -> int:
    """A slot capacity: a whole number from 1 to :data:`MAX_CAPACITY`, as ASCII digits only."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _is_ascii_number(value):
        number = int(value)
    if number is None or not 1 <= number <= MAX_CAPACITY:
        raise InvalidInput(
            f"{field}: must be a whole number from 1 to {MAX_CAPACITY:,}, not {value!r}"
        )
    return number


def _is_ascii_number(text: str) -> bool:
    # int() alone also reads '1_0', ' +7 ' and other scripts' digits (U+0667): not what was meant
    # on a form; the length cap keeps int() clear of its limit on huge digit strings
    return 0 < len(text) <= 20 and text.isascii() and text.isdigit()


#: Unicode categories a name may not hold: control (tab, newline, ESC of terminal escape codes),
#: format (bidi overrides, zero-width space, BOM), line and paragraph separators, surrogates.
#: They print invisibly or rewrite the terminal, so a list would not show what is stored.
_NOT_IN_NAMES = {
    "Cc": "a control character",
    "Cf": "a format character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Cs": "a surrogate",
}
#: Zero-width non-joiner and joiner: format characters, but part of correct spelling in
#: Indic and Persian scripts (e.g. Malayalam chillu, Devanagari half forms), so allowed.
_JOINERS = frozenset("\u200c\u200d")


def parse_name(value: str, field: str = "name") -> str:
    """A doctor's or patient's name: not blank, printable text on one line (spaces around it are
    dropped; joiners U+200C/U+200D are kept, every other control or format character refused).
    """
    for char in str(value):
        kind = _NOT_IN_NAMES.get(unicodedata.category(char))
        if kind is not None and char not in _JOINERS:
            raise InvalidInput(
                f"{field}: contains U+{ord(char):04X} ({kind}); names are text on one line,"
                " without control or formatting characters"
            )
    name = str(value).strip()
    if not name or not name.strip("\u200c\u200d"):
        raise InvalidInput(f"{field}: must not be empty")
    return name
