"""Checks across the items of a list (ids used twice, overlapping times) that do not wait for
every item to be valid.

A plain pydantic "after" validator on a list runs only once every item validates, so one bad doctor
would hide a doctor id used twice. :func:`across_items` runs the check over the items that are valid
on their own and reports its problems alongside pydantic's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError, ValidatorFunctionWrapHandler
from pydantic_core import InitErrorDetails

from opd_sim.scenario.problems import FieldErrors, Loc

__all__ = ["Check", "across_items"]

Check = Callable[[list[tuple[int, Any]]], list[tuple[Loc, str]]]
"""Given ``(index, item)`` pairs, the problems found, each ``(loc below the list, message)``."""


def across_items(
    value: Any, handler: ValidatorFunctionWrapHandler, item_model: type[BaseModel], check: Check
) -> Any:
    """Validate the list ``value`` with ``handler``, then ``check`` its items (see module doc)."""
    try:
        items = handler(value)
    except ValidationError as error:
        pairs = _valid_items(value, item_model)
        problems = check(pairs) if len(pairs) > 1 else []
        if not problems:
            raise
        found = InitErrorDetails(
            type="value_error", loc=(), input=value, ctx={"error": FieldErrors(problems)}
        )
        raise ValidationError.from_exception_data(error.title, [*_details(error), found]) from None
    problems = check(list(enumerate(items)))
    if problems:
        raise FieldErrors(problems)
    return items


def _valid_items(value: Any, item_model: type[BaseModel]) -> list[tuple[int, Any]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    pairs = []
    for index, item in enumerate(value):
        try:
            pairs.append((index, item_model.model_validate(item)))
        except ValidationError:
            continue
    return pairs


def _details(error: ValidationError) -> list[InitErrorDetails]:
    """``error``'s errors in the form that builds a ValidationError again."""
    details = []
    for raw in error.errors():
        detail = InitErrorDetails(type=raw["type"], loc=raw["loc"], input=raw["input"])
        if "ctx" in raw:
            detail["ctx"] = raw["ctx"]
        details.append(detail)
    return details
