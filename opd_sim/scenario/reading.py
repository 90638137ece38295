"""From a file to a YAML tree that knows where each key sits, or problems saying why not.

Checks, in order: the file can be read, it is UTF-8, it is YAML (tabs in indentation and duplicate
keys named as such), it holds something, and that something is a mapping.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opd_sim.errors import ScenarioError
from opd_sim.scenario.problems import Problem

__all__ = ["parse_yaml", "plain", "read_text"]

_MAX_TAB_REPORTS = 20


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
        duplicates = _duplicates(text, filename)
        raise _error(*(duplicates or [_syntax_problem(error, filename)])) from None
    except MarkedYAMLError as error:
        tabs = _tab_problems(text, filename, error)
        raise _error(*(tabs or [_syntax_problem(error, filename)])) from None
    except YAMLError as error:  # unmarked: rare, but never a traceback
        raise _error(Problem(filename, 1, 1, "yaml", str(error))) from None
    except RecursionError:
        raise _error(Problem(filename, 1, 1, "yaml", "nested too deeply to read")) from None
    except Exception as error:  # a scalar its tag cannot build (!!int abc, 2024-13-45), or worse
        unreadable = _unreadable_scalars(text, filename)
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
    return tree


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


def _syntax_problem(error: Any, filename: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = error.problem or error.context or "not valid YAML"
    context_mark = error.context_mark
    if error.problem and error.context and context_mark is not None:
        message += f" ({error.context} at line {context_mark.line + 1})"
    return Problem(filename, line, column, "yaml", message)


def _tab_problems(text: str, filename: str, error: Any) -> list[Problem]:
    """Every tab the scanner trips on, found by blanking each one and parsing again."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    problems: list[Problem] = []
    lines = text.split("\n")
    while _is_tab_error(error) and len(problems) < _MAX_TAB_REPORTS:
        mark = error.problem_mark
        row = lines[mark.line]
        if row[: mark.column].strip(" -") == "":
            message = "tab character in indentation; YAML indents with spaces only"
        else:
            message = "tab character; YAML separates with spaces here"
        problems.append(Problem(filename, mark.line + 1, mark.column + 1, "yaml", message))
        lines[mark.line] = row[: mark.column] + " " + row[mark.column + 1 :]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                YAML(typ="rt").load("\n".join(lines))
        except MarkedYAMLError as again:
            error = again
        except Exception:  # anything else is for the author to see once the tabs are gone
            break
        else:
            break
    return problems


def _is_tab_error(error: Any) -> bool:
    return error.problem_mark is not None and "'\\t'" in str(error.problem or "")


def _nothing_in(text: str) -> str:
    rows = [row.strip() for row in text.splitlines() if row.strip()]
    if not rows:
        what = "the file is empty"
    elif all(row.startswith("#") for row in rows):
        what = "the file is only comments"
    else:
        what = "the file holds no scenario (only null)"
    return f"{what}; a scenario needs at least a list of doctors"


def _duplicates(text: str, filename: str) -> list[Problem]:
    """Every key given twice in one mapping, at its second (third, ...) appearance."""
    problems: list[Problem] = []
    for node, path in _composed(text):
        if node.id != "mapping":
            continue
        first: dict[str, int] = {}
        for key, _ in node.value:
            name = str(key.value)
            if name in first:
                message = f"duplicate key {name!r} (first given at line {first[name]})"
                line, column = key.start_mark.line + 1, key.start_mark.column + 1
                problems.append(Problem(filename, line, column, ".".join((*path, name)), message))
            else:
                first[name] = key.start_mark.line + 1
    return problems


def _unreadable_scalars(text: str, filename: str) -> list[Problem]:
    """Every scalar whose (explicit or implied) tag cannot build it, e.g. ``!!int abc``."""
    from ruamel.yaml import YAML

    constructor = YAML(typ="rt").constructor
    problems: list[Problem] = []
    for node, path in _composed(text):
        if node.id != "scalar":
            continue
        try:
            constructor.construct_object(node, deep=True)
        except Exception as error:
            line, column = node.start_mark.line + 1, node.start_mark.column + 1
            message = f"cannot read {node.value!r} as {node.tag.split(':')[-1]}: {error}"
            problems.append(Problem(filename, line, column, ".".join(path) or "yaml", message))
    return problems


def _composed(text: str) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Every node of the YAML document with its dotted path, keys included (depth first)."""
    from ruamel.yaml import YAML

    stack: list[tuple[Any, tuple[str, ...]]] = [(YAML(typ="rt").compose(text), ())]
    while stack:
        node, path = stack.pop()
        if node is None:
            continue
        yield node, path
        if node.id == "mapping":
            for key, value in reversed(node.value):
                stack.append((value, (*path, str(key.value))))
                stack.append((key, path))
        elif node.id == "sequence":
            items = list(enumerate(node.value))
            stack.extend((item, (*path, str(index))) for index, item in reversed(items))


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
