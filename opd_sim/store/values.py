"""What a person types, checked and put in the one form the store keeps.

Each parser names the field it checks (``--start``, ``--capacity``...) in its error, so the user
knows which argument to fix; every failure is :class:`InvalidInput` (exit 2).
"""

from __future__ import annotations

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
    """A slot capacity: a whole number from 1 to :data:`MAX_CAPACITY`."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("+-").isascii():
        try:  # isdigit() alone would let '²' through to int()
            number = int(value.strip())
        except ValueError:
            number = None
    if number is None or not 1 <= number <= MAX_CAPACITY:
        raise InvalidInput(
            f"{field}: must be a whole number from 1 to {MAX_CAPACITY:,}, not {value!r}"
        )
    return number


def parse_name(value: str, field: str = "name") -> str:
    """A doctor's or patient's name: not blank, on one line."""
    name = str(value).strip()
    if not name:
        raise InvalidInput(f"{field}: must not be empty")
    if any(ch in name for ch in "\r\n\x00"):
        raise InvalidInput(f"{field}: must be on one line")
    return name
