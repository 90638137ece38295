"""Pydantic's validation errors, said the way a scenario author needs to hear them.

Each error becomes ``(loc, message, at)``: where it is, what is wrong in plain words with the
offending value, and whether the key itself (``at="key"``) or its value is to blame. Unknown names
get a "did you mean" from :mod:`difflib`, or the list of names that would do.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Tag
from pydantic.fields import FieldInfo

from opd_sim.scenario.problems import SHAPE_TAGS, FieldErrors, Loc

__all__ = ["explain", "suggest"]

Explained = tuple[Loc, str, str]


def explain(error: Mapping[str, Any], root: type[BaseModel]) -> Iterator[Explained]:
    """Plain-words versions of one pydantic error (``error`` from ``ValidationError.errors()``).

    Yields nothing for an error that only echoes others (a tuple "too short" because its
    items failed).
    """
    full: Loc = tuple(error["loc"])  # with the shape tags the schema walk needs
    loc: Loc = tuple(part for part in full if part not in SHAPE_TAGS)
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    given = error.get("input")
    if kind in ("value_error", "assertion_error"):
        cause = ctx.get("error")
        if isinstance(cause, FieldErrors):
            for sub_loc, message, at in cause.items:
                yield (*loc, *sub_loc), message, at
            return
        yield loc, str(cause) if cause is not None else _pydantic_words(error), "value"
        return
    if kind == "too_short" and isinstance(given, Sequence) and len(given) >= ctx["min_length"]:
        return
    target, info = _schema_at(root, full)
    if kind == "missing" and loc == ("doctors",):
        yield (
            loc,
            "required field is missing (list at least one, e.g. doctors: [{id: rao}])",
            "value",
        )
    elif kind == "extra_forbidden":
        parent, _ = _schema_at(root, full[:-1])
        yield loc, _unknown("field", str(loc[-1]), _field_names(parent)), "key"
    elif kind == "invalid_key":
        yield loc, f"a field name must be text (got {_shown(given)})", "key"
    elif kind == "union_tag_invalid":
        kinds = sorted(_tags(target))
        yield (
            (*loc, "dist"),
            _unknown("distribution", str(ctx.get("tag")), kinds, echo=True),
            "value",
        )
    elif kind == "union_tag_not_found":
        names = ", ".join(sorted(_tags(target)))
        yield (*loc, "dist"), f"missing: say which distribution (one of {names})", "value"
    elif kind == "literal_error" and loc and loc[-1] == "[key]":
        allowed = [str(a) for a in _literals(_dict_key_type(root, full[:-2]))]
        yield loc, _unknown("source", str(given), allowed), "key"
    else:
        yield loc, _value_words(kind, ctx, given, target, info, error), "value"


def suggest(name: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``name``, if one is close enough to be a likely typo."""
    lowered = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def _unknown(what: str, name: str, choices: Sequence[str], *, echo: bool = False) -> str:
    """'unknown field (did you mean ...?)'; ``echo`` repeats the name when the path does not."""
    said = f"unknown {what} {name!r}" if echo else f"unknown {what}"
    guess = suggest(name, choices)
    if guess is not None:
        return f"{said} (did you mean {guess!r}?)"
    return f"{said} (known: {', '.join(choices)})" if choices else said


def _value_words(
    kind: str,
    ctx: dict[str, Any],
    given: Any,
    target: Any,
    info: FieldInfo | None,
    error: Mapping[str, Any],
) -> str:
    got = f"(got {_shown(given)})"
    if kind == "missing":
        return "required field is missing"
    if kind == "greater_than_equal":
        if _is_probability(info):
            return f"must be a probability between 0 and 1 {got}"
        bound = ctx["ge"]
        return (
            f"must not be negative {got}" if bound == 0 else f"must be at least {_num(bound)} {got}"
        )
    if kind == "greater_than":
        return f"must be greater than {_num(ctx['gt'])} {got}"
    if kind == "less_than_equal":
        if _is_probability(info):
            return f"must be a probability between 0 and 1 {got}"
        return f"must be at most {_num(ctx['le'])} {got}"
    if kind == "less_than":
        return f"must be less than {_num(ctx['lt'])} {got}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number {got}"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number {got}"
    if kind == "finite_number":
        return f"must be a finite number {got}"
    if kind == "string_type":
        return f"must be text {got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false {got}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list {got}"
    if kind == "too_short":
        least = ctx["min_length"]
        return f"must list at least {least} item{'s' if least != 1 else ''} {got}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        if _tags(target):
            return f"must be a distribution, e.g. {{dist: exponential, mean: 10}} {got}"
        return f"must be a mapping of fields {got}"
    if kind == "literal_error":
        allowed = [str(a) for a in _literals(target)]
        guess = suggest(str(given), allowed)
        hint = f"; did you mean {guess!r}?" if guess is not None and guess != given else ""
        return f"must be one of {', '.join(allowed)} {got}{hint}"
    return _pydantic_words(error)


def _pydantic_words(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _shown(value: Any) -> str:
    """The offending value as the author would recognise it."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}" if value else "an empty list"
    return f"a {type(value).__name__}"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- what the schema expects at a loc -------------------------------------------------------


def _schema_at(root: type[BaseModel], loc: Loc) -> tuple[Any, FieldInfo | None]:
    """The type the schema expects at ``loc``, and the field that declares it (if a field)."""
    target: Any = root
    info: FieldInfo | None = None
    for part in loc:
        target = _unwrap(target)
        if isinstance(target, type) and issubclass(target, BaseModel):
            info = target.model_fields.get(str(part))
            if info is None:
                return None, None
            target = info.annotation
            continue
        info = None
        origin = get_origin(target)
        if origin in (list, tuple):
            target = get_args(target)[0]
        elif origin is dict:
            target = get_args(target)[0 if part == "[key]" else 1]
        elif _is_union(target) and part in SHAPE_TAGS:  # one value for all, or by source
            target = next((m for m in get_args(target) if _shape_tag(m) == part), None)
        elif _is_union(target):
            target = next((m for m in get_args(target) if part in _tags(m)), None)
        else:
            return None, None
    return target, info


def _shape_tag(member: Any) -> str | None:
    """The ``Tag`` a member of a one-or-by-source union carries."""
    if get_origin(member) is Annotated:
        return next((m.tag for m in member.__metadata__ if isinstance(m, Tag)), None)
    return None


def _unwrap(target: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` so the walk sees the real type."""
    while True:
        if get_origin(target) is Annotated:
            target = get_args(target)[0]
        elif _is_union(target):
            members = [m for m in get_args(target) if m is not type(None)]
            if len(members) != 1:
                return target
            target = members[0]
        else:
            return target


def _is_union(target: Any) -> bool:
    return get_origin(target) in (Union, types.UnionType)


def _tags(target: Any) -> list[str]:
    """The ``dist`` names a distribution type (or a union of them) accepts."""
    target = _unwrap(target)
    if _is_union(target):
        return [tag for member in get_args(target) for tag in _tags(member)]
    if isinstance(target, type) and issubclass(target, BaseModel) and "dist" in target.model_fields:
        return [str(t) for t in _literals(target.model_fields["dist"].annotation)]
    return []


def _literals(target: Any) -> list[Any]:
    target = _unwrap(target)
    return list(get_args(target)) if get_origin(target) is Literal else []


def _dict_key_type(root: type[BaseModel], loc: Loc) -> Any:
    mapping, _ = _schema_at(root, loc)
    mapping = _unwrap(mapping)
    return get_args(mapping)[0] if get_origin(mapping) is dict else None


def _field_names(model: Any) -> list[str]:
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _is_probability(info: FieldInfo | None) -> bool:
    if info is None:
        return False
    bounds = {type(m).__name__: m for m in info.metadata}
    ge, le = bounds.get("Ge"), bounds.get("Le")
    return ge is not None and le is not None and (ge.ge, le.le) == (0, 1)
