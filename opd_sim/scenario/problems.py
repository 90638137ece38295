"""One problem with a scenario file, and the error validators raise to name the fields at fault.

A problem reads ``FILE:LINE:COL: field.path: message`` (line and column 1-based). Problems with
no place in the file (it is missing, it is a directory) read ``FILE: file: message``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

__all__ = ["BY_SOURCE", "ONE_FOR_ALL", "SHAPE_TAGS", "FieldErrors", "Loc", "Problem", "key_name"]

Loc = tuple[str | int, ...]
"""A path into the scenario data, as pydantic gives it: ``("doctors", 0, "id")``."""

#: The two shapes of a field given as one value for every source or as a mapping by source
#: (``punctuality_minutes``): pydantic puts the shape's tag in an error's path, where no key of
#: the file has it, so messages and places leave it out. (Spaces: no scenario key has one.)
ONE_FOR_ALL = "one for all"
BY_SOURCE = "by source"
SHAPE_TAGS = frozenset({ONE_FOR_ALL, BY_SOURCE})


class Problem(str):
    """One problem as the line the user sees, with its parts kept as attributes.

    It *is* that line (a ``str``), so ``ScenarioError.problems`` stays a list of strings.
    """

    file: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __new__(
        cls, file: str, line: int | None, column: int | None, field: str, message: str
    ) -> Problem:
        field, message = _one_line(field) or "scenario", _one_line(message)
        where = file if line is None else f"{file}:{line}:{column}"
        self = super().__new__(cls, f"{where}: {field}: {message}")
        self.file, self.line, self.column = file, line, column
        self.field, self.message = field, message
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:  # type: ignore[override]
        return (self.file, self.line, self.column, self.field, self.message)

    def as_dict(self) -> dict[str, Any]:
        """The parts as a JSON-ready mapping (``text`` is the whole line)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "text": str(self),
        }

    @property
    def sort_key(self) -> tuple[int, int]:
        """Order of appearance in the file; problems without a place come first."""
        return (self.line or 0, self.column or 0)


def key_name(key: object) -> str:
    """A key as it goes into a dotted path; the empty key shows as ``''``."""
    text = str(key)
    return text if text else "''"


def _one_line(text: str) -> str:
    """A problem is one line, even when a key or value in the file spans several."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


At = Literal["value", "key"]


class FieldErrors(ValueError):  # a ValueError: that is what pydantic collects from validators
    """Raised by a validator to blame fields below the one it validates.

    ``items`` holds ``(loc, message, at)``: ``loc`` is relative to the validated value, ``at``
    says whether the problem is the key itself (an unknown name) or its value.
    """

    def __init__(self, items: Iterable[tuple[Loc, str] | tuple[Loc, str, At]]) -> None:
        self.items: list[tuple[Loc, str, At]] = [
            (item[0], item[1], item[2] if len(item) == 3 else "value") for item in items
        ]
        super().__init__("; ".join(message for _, message, _ in self.items))
