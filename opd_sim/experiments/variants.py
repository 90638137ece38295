"""Scenario variants: one scenario with some of its fields set to other values.

A field is named by its dotted path as the scenario's YAML reads, list items by number
(``doctors.0.seats_per_slot``, ``no_show.online.probability``, ``policy.params.max_bumps``).
Each variant is the scenario's data (``model_dump``) with the paths set, validated as a whole
scenario is, so a variant that would not load from a file is refused before anything runs.
Problems name the setting at fault as on the command line (``--set PATH=VALUE``).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from opd_sim.errors import InvalidInput, ScenarioError
from opd_sim.scenario import Problem, Scenario

__all__ = ["Variant", "make_variants", "parse_setting", "parse_value", "value_text"]

#: Paths that cannot be swept, and why: each would be silently overridden by the sweep itself.
_FIXED = {
    "seed": "every variant runs on the sweep's one seed (common random numbers); use --seed",
    "policy": "give the policies to run with --policy, or set policy.name / policy.params.KEY",
}


@dataclass(frozen=True, slots=True)
class Variant:
    """One point of a sweep: its ``label`` (``"a=1, b=0.2"``), the ``values`` set (path ->
    value, in the order the settings were given) and the validated ``scenario``."""

    label: str
    values: Mapping[str, Any]
    scenario: Scenario


def value_text(value: Any) -> str:
    """A value as a label shows it: text as it is, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(inner) for inner in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(inner) for inner in value)
    return True


def _json_like(value: Any) -> bool:
    """Whether ``value`` is made of what JSON holds (YAML also reads dates, say)."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_like(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_like(inner) for inner in value)
    return False


def parse_value(text: str) -> Any:
    """One value as YAML reads a scalar or flow collection: ``2`` an int, ``0.1`` a float,
    ``null``, ``true``, ``{WALKIN: 1}`` a mapping, anything else text (``09:30``, ``fifo``)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    stripped = text.strip()
    if not stripped:
        raise InvalidInput("an empty value (write null for none, or \"\" for empty text)")
    try:
        value = YAML(typ="safe", pure=True).load(stripped)
    except YAMLError as error:
        reason = str(getattr(error, "problem", None) or type(error).__name__)
        raise InvalidInput(f"cannot read {stripped!r} as a value ({reason})") from None
    if not _json_like(value):  # a date, say: the scenario holds none, so keep the text
        value = stripped
    if not _finite(value):
        raise InvalidInput(f"{stripped!r} is not a finite number")
    return value


def _split_values(text: str) -> list[str]:
    """``1,2,{a: 1, b: 2},"x,y"`` -> the four values: commas inside brackets or quotes stay."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def parse_setting(text: str) -> tuple[str, list[Any]]:
    """``"doctors.0.seats_per_slot=1,2,3"`` -> ("doctors.0.seats_per_slot", [1, 2, 3]).

    Values are separated by commas outside brackets and quotes, and each is read by
    :func:`parse_value`; InvalidInput (exit 2) names the setting when it is malformed.
    """
    path, sep, rest = text.partition("=")
    path = path.strip()
    parts = path.split(".")
    if not sep or not path or not all(part.strip() for part in parts):
        raise InvalidInput(f"--set {text}: expected PATH=VALUE[,VALUE...], e.g. "
                           "doctors.0.seats_per_slot=1,2")  # fmt: skip
    try:
        values = [parse_value(part) for part in _split_values(rest)]
    except InvalidInput as error:
        raise InvalidInput(f"--set {text}: {error}") from None
    return ".".join(part.strip() for part in parts), values


def _key(value: Any) -> str:
    """Identity of a value for duplicates: 1 and 1.0 are one, 1 and true are two."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"number:{float(value)!r}"
    return f"{type(value).__name__}:{json.dumps(value, sort_keys=True)}"


def _check_settings(settings: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """The settings as lists, each path valid and swept over distinct, finite values."""
    if not settings:
        raise InvalidInput("a sweep needs at least one setting (--set PATH=V1,V2,...)")
    checked: dict[str, list[Any]] = {}
    for path, values in settings.items():
        if not isinstance(path, str) or not path or not all(path.split(".")):
            raise InvalidInput(f"--set {path!r}: a path is dotted names, e.g. "
                               "doctors.0.seats_per_slot")  # fmt: skip
        if path in _FIXED:
            raise InvalidInput(f"--set {path}: cannot be swept: {_FIXED[path]}")
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise InvalidInput(f"--set {path}: give a list of one or more values")
        seen: set[str] = set()
        for value in values:
            if not _finite(value):
                raise InvalidInput(f"--set {path}={value_text(value)}: not a finite number")
            if _key(value) in seen:
                raise InvalidInput(f"--set {path}: {value_text(value)} is listed twice")
            seen.add(_key(value))
        checked[path] = list(values)
    return checked


class _BadPath(Exception):
    """A path that leads nowhere in the scenario data: the part at fault and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in the scenario data; mappings on the way are created as needed (a source
    not given yet, a policy parameter), so that validation says whether the name is known."""
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                what = "no item" if part.isdigit() else "not an item number"
                raise _BadPath(".".join(parts[: depth + 1]), f"{what} ({parts[depth - 1]} has "
                               f"{len(node)} item(s), numbered from 0)")  # fmt: skip
            index = int(part)
            if last:
                node[index] = value
            else:
                node = node[index]
            continue
        if not isinstance(node, dict):
            raise _BadPath(".".join(parts[:depth]),
                           f"is {value_text(node)}, which has no field {part!r}")  # fmt: skip
        if last:
            node[part] = value
        else:
            if node.get(part) is None:  # absent, or null (no steady_state yet): a new mapping
                node[part] = {}
            node = node[part]


Found = list[tuple[str, str]]
"""Problems as (field, message) pairs."""


def _validated(data: dict[str, Any]) -> tuple[Scenario | None, Found]:
    """The scenario ``data`` makes, or every problem with it as (field, message) pairs, the
    field spelled as the YAML reads (as a scenario file's problems are)."""
    from opd_sim.scenario.messages import explain
    from opd_sim.scenario.positions import locate

    try:
        return Scenario.model_validate(data), []
    except ValidationError as error:
        found: Found = []
        for raw in error.errors():
            for loc, message, at in explain(raw, Scenario):
                problem = (locate(data, loc, at=at).path or "scenario", message)
                if problem not in found:
                    found.append(problem)
        return None, found


def _where(values: Mapping[str, Any]) -> str:
    """The settings as the command line gives them: ``--set a=1 --set b=2``."""
    return " ".join(f"--set {path}={value_text(value)}" for path, value in values.items())


class _Checker:
    """Builds variants from the scenario's data, blaming each problem on the one setting that
    causes it alone where there is one, else on the combination."""

    def __init__(self, scenario: Scenario) -> None:
        self.base = scenario.model_dump(mode="json")
        self._found: list[tuple[dict[str, Any], str, str]] = []  # (settings, field, message)
        self._alone: dict[tuple[str, str], Found] = {}

    def _data(self, values: Mapping[str, Any]) -> dict[str, Any]:
        data = json.loads(json.dumps(self.base))  # a deep copy of plain JSON data
        for path, value in values.items():
            _set(data, path, value)
        return data

    def _fails_alone(self, path: str, value: Any, problem: tuple[str, str]) -> bool:
        key = (path, _key(value))
        if key not in self._alone:
            self._alone[key] = _validated(self._data({path: value}))[1]
        return problem in self._alone[key]

    def _add(self, settings: dict[str, Any], field: str, message: str) -> None:
        if (settings, field, message) not in self._found:
            self._found.append((settings, field, message))

    @property
    def problems(self) -> list[str]:
        """The problems as lines; one setting's values with the same problem make one line
        (``--set doctor.0.seats_per_slot=1,2: doctor: unknown field ...``)."""
        merged: dict[tuple[str, str, str], list[Any]] = {}
        lines: list[tuple[str, str, str] | str] = []
        for settings, field, message in self._found:
            if len(settings) == 1:
                ((path, value),) = settings.items()
                if (path, field, message) not in merged:
                    merged[(path, field, message)] = []
                    lines.append((path, field, message))
                merged[(path, field, message)].append(value)
            else:
                lines.append(Problem(_where(settings), None, None, field, message))
        return [line if isinstance(line, str) else Problem(
                    f"--set {line[0]}={','.join(value_text(v) for v in merged[line])}",
                    None, None, line[1], line[2]) for line in lines]  # fmt: skip

    def variant(self, values: dict[str, Any]) -> Variant | None:
        """The variant of these values, or None with its problems added."""
        for path, value in values.items():  # a path leading nowhere is that setting's fault
            try:
                self._data({path: value})
            except _BadPath as bad:
                self._add({path: value}, bad.field, bad.message)
                return None
        scenario, found = _validated(self._data(values))
        for problem in found:
            alone = [path for path, value in values.items()
                     if self._fails_alone(path, value, problem)]  # fmt: skip
            self._add({alone[0]: values[alone[0]]} if alone else values, *problem)
        if scenario is None:
            return None
        label = ", ".join(f"{path}={value_text(value)}" for path, value in values.items())
        return Variant(label, values, scenario)


def make_variants(scenario: Scenario, settings: Mapping[str, Sequence[Any]]) -> list[Variant]:
    """Every combination of the settings' values (the first path varying slowest), each a
    validated scenario.

    A problem a value causes on its own is blamed on it alone
    (``--set no_show.online.probability=1.5: no_show.online.probability: ...``), one that
    only a combination causes on the combination (``--set a=1 --set b=2: field: ...``); a
    setting may depend on another (``policy.params.max_bumps`` with ``policy.name``). Any
    problem is a ScenarioError (exit 2) listing them all; nothing is run.
    """
    checked = _check_settings(settings)
    checker = _Checker(scenario)
    paths = list(checked)
    variants = [checker.variant(dict(zip(paths, combination, strict=True)))
                for combination in itertools.product(*checked.values())]  # fmt: skip
    if checker.problems:
        raise ScenarioError(checker.problems)
    return [variant for variant in variants if variant is not None]
