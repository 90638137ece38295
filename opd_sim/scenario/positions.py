"""Where a path into the scenario data sits in the YAML file, and how to name it.

ruamel.yaml's round-trip loader records ``.lc`` positions on every mapping and sequence: for each
key, where the key and its value start (0-based). Scalars carry none, so a bad scalar is found
through its parent. A pydantic ``loc`` is walked down the loaded tree; parts that are not in the
file (a distribution's tag, ``[key]``) are skipped, and the dotted path is spelled as the file
spells it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opd_sim.scenario.problems import Loc, key_name

__all__ = ["Place", "locate"]


@dataclass(frozen=True)
class Place:
    """A 1-based ``line``/``column`` in the file and the dotted ``path`` as written there."""

    line: int
    column: int
    path: str


def locate(root: Any, loc: Loc, *, at: str = "value") -> Place:
    """Where ``loc`` is in the tree ``root``: its value, or its key when ``at == "key"``.

    A key that is not in the file (a missing field) is placed at the mapping that lacks it.
    """
    line, column = _start(root)
    node: Any = root
    path: list[str] = []
    for index, part in enumerate(loc):
        if part == "[key]":
            continue
        last = all(p == "[key]" for p in loc[index + 1 :])
        want_key = (at == "key" and last) or loc[index + 1 : index + 2] == ("[key]",)
        if isinstance(node, dict):
            key = _find_key(node, part)
            if key is _MISSING:
                if _is_tag(node, part):
                    continue
                path.append(key_name(part))  # a missing key: blame the mapping that lacks it
                break
            line, column = _key_or_value(node, key, want_key, (line, column))
            path.append(key_name(key))
            node = node[key]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            line, column = _item(node, part, (line, column))
            path.append(str(part))
            node = node[part]
        else:
            break  # a scalar a validator expanded (``policy: fifo``): blame the scalar
    return Place(line + 1, column + 1, ".".join(path))


_MISSING = object()


def _start(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return (0, 0)
    return (lc.line, lc.col)


def _find_key(mapping: dict[Any, Any], part: str | int) -> Any:
    """The mapping's key for ``part``; validators may have changed its case (sources)."""
    if part in mapping:
        return part
    wanted = str(part).lower()
    for key in mapping:
        if str(key).lower() == wanted:
            return key
    return _MISSING


def _is_tag(mapping: dict[Any, Any], part: str | int) -> bool:
    """Whether ``part`` is the tag pydantic puts in a distribution's loc (its ``dist``)."""
    return isinstance(part, str) and mapping.get("dist") == part


def _key_or_value(
    mapping: Any, key: Any, want_key: bool, fallback: tuple[int, int]
) -> tuple[int, int]:
    lc: Any = getattr(mapping, "lc", None)
    try:
        found = lc.key(key) if want_key else lc.value(key)
    except (AttributeError, KeyError, TypeError):  # e.g. a key merged in with '<<'
        found = None
    if not found or found[0] is None:
        return _start(mapping) if lc is not None else fallback
    return (found[0], found[1])


def _item(sequence: Any, index: int, fallback: tuple[int, int]) -> tuple[int, int]:
    lc: Any = getattr(sequence, "lc", None)
    try:
        found = lc.item(index)
    except (AttributeError, KeyError, TypeError, IndexError):
        return fallback
    return (found[0], found[1]) if found and found[0] is not None else fallback
