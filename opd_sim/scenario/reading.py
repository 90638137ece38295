"""From a file to a YAML tree that knows where each key sits, or problems saying why not.

Checks, in order: the file can be read, it is UTF-8, it is YAML (tabs in indentation and duplicate
keys named as such), it holds something, and that something is a mapping.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from opd_sim.errors import ScenarioError
from opd_sim.scenario.problems import Problem
from opd_sim.scenario.yaml_problems import (
    duplicate_keys,
    syntax_problem,
    tab_problems,
    unreadable_scalars,
)

__all__ = ["parse_yaml", "plain", "read_text"]


def read_text(path: str | Path, filename: str) -> str:
    """The file's text; ScenarioError if it is missing, a directory, unreadable or not UTF-8."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise _error(Problem(filename, None, None, "file", "no such file")) from None
    except IsADirectoryError:
        problem = Problem(filename, None, None, "file", "is a directory, not a scenario file")
        raise _error(problem) from None
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise _error(Problem(filename, None, None, "file", reason)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _byte_position(raw, error.start)
        message = f"not valid UTF-8 text (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        raise _error(Problem(filename, line, column, "file", message)) from None


def parse_yaml(text: str, filename: str) -> Any:
    """The round-trip YAML tree of ``text``: a mapping with ``.lc`` positions."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = YAML(typ="rt").load(text)
    except DuplicateKeyError as error:
        duplicates = duplicate_keys(text, filename)
        raise _error(*(duplicates or [syntax_problem(error, filename)])) from None
    except MarkedYAMLError as error:
        tabs = tab_problems(text, filename, error)
        raise _error(*(tabs or [syntax_problem(error, filename)])) from None
    except YAMLError as error:  # unmarked: rare, but never a traceback
        raise _error(Problem(filename, 1, 1, "yaml", str(error))) from None
    except RecursionError:
        raise _error(Problem(filename, 1, 1, "yaml", "nested too deeply to read")) from None
    except Exception as error:  # a scalar its tag cannot build (!!int abc, 2024-13-45), or worse
        unreadable = unreadable_scalars(text, filename)
        if not unreadable:  # e.g. a list used as a key inside a key: place unknown
            reason = f"cannot read the file as YAML ({type(error).__name__}: {error})"
            unreadable = [Problem(filename, 1, 1, "yaml", reason)]
        raise _error(*unreadable) from None
    if tree is None:
        raise _error(Problem(filename, 1, 1, "scenario", _nothing_in(text)))
    if not isinstance(tree, dict):
        line, column = _first_content(text)
        message = f"must be a mapping of scenario fields such as 'doctors:' (got {_kind(tree)})"
        raise _error(Problem(filename, line, column, "scenario", message))
    size = _expanded_size(tree, {})
    if size > MAX_VALUES:
        message = (f"the file expands to more than {MAX_VALUES:,} values through YAML aliases "
                   "(*name); a scenario is far smaller")  # fmt: skip
        raise _error(Problem(filename, 1, 1, "yaml", message))
    return tree


#: More values than any real scenario holds; aliases (*a) can multiply a small file past it.
MAX_VALUES = 200_000


def _expanded_size(node: Any, sizes: dict[int, int]) -> int:
    """How many values the tree holds once aliases are expanded, counted without expanding
    them: a shared node's size is remembered (an alias bomb costs its file size, not 10^9)."""
    if not isinstance(node, dict | list):
        return 1
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_VALUES + 1  # a node that contains itself counts as too big
    children = node.values() if isinstance(node, dict) else node
    total = 1
    for child in children:
        total += _expanded_size(child, sizes)
        if total > MAX_VALUES:
            break
    sizes[id(node)] = total
    return total


def plain(node: Any) -> Any:
    """The tree as builtins (dict, list, str, int, float, bool), without ruamel's subclasses."""
    if isinstance(node, dict):
        return {_plain_key(key): plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [plain(item) for item in node]
    if isinstance(node, bool):
        return bool(node)
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return node


def _plain_key(key: Any) -> Any:
    """A mapping key as a builtin; a complex key (``? [a, b]``) becomes its text."""
    key = plain(key)
    return str(key) if isinstance(key, list | dict) else key


def _error(*problems: str) -> ScenarioError:
    return ScenarioError(list(problems))


def _nothing_in(text: str) -> str:
    rows = [row.strip() for row in text.splitlines() if row.strip()]
    if not rows:
        what = "the file is empty"
    elif all(row.startswith("#") for row in rows):
        what = "the file is only comments"
    else:
        what = "the file holds no scenario (only null)"
    return f"{what}; a scenario needs at least a list of doctors"


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def _first_content(text: str) -> tuple[int, int]:
    for number, row in enumerate(text.splitlines(), start=1):
        stripped = row.strip()
        if stripped and not stripped.startswith(("#", "%", "---")):
            return number, len(row) - len(row.lstrip()) + 1
    return 1, 1


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value if len(value) <= 30 else value[:27] + '...'!r}"
    return f"a {type(value).__name__}"
