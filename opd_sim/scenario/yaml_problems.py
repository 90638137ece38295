"""Why a text is not YAML we can read, each reason at its place in the file.

Syntax errors as ruamel reports them; every tab it trips over; every key given twice; every scalar
its tag cannot build (``!!int abc``, ``2024-13-45``). Each works on the text alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from opd_sim.scenario.problems import Problem, key_name

__all__ = ["duplicate_keys", "syntax_problem", "tab_problems", "unreadable_scalars"]

_MAX_TAB_REPORTS = 20


def syntax_problem(error: Any, filename: str) -> Problem:
    """ruamel's own account of a syntax error, at its mark."""
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = error.problem or error.context or "not valid YAML"
    context_mark = error.context_mark
    if error.problem and error.context and context_mark is not None:
        message += f" ({error.context} at line {context_mark.line + 1})"
    return Problem(filename, line, column, "yaml", message)


def tab_problems(text: str, filename: str, error: Any) -> list[Problem]:
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


def duplicate_keys(text: str, filename: str) -> list[Problem]:
    """Every key given twice in one mapping, at its second (third, ...) appearance."""
    problems: list[Problem] = []
    for node, path in _composed(text):
        if node.id != "mapping":
            continue
        first: dict[str, int] = {}
        for key, _ in node.value:
            name = key_name(key.value)
            if name in first:
                message = f"duplicate key {str(key.value)!r} (first given at line {first[name]})"
                line, column = key.start_mark.line + 1, key.start_mark.column + 1
                problems.append(Problem(filename, line, column, ".".join((*path, name)), message))
            else:
                first[name] = key.start_mark.line + 1
    return problems


def unreadable_scalars(text: str, filename: str) -> list[Problem]:
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
            value = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            message = f"cannot read {value!r} as {node.tag.split(':')[-1]}: {error}"
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
                stack.append((value, (*path, key_name(key.value))))
                stack.append((key, path))
        elif node.id == "sequence":
            items = list(enumerate(node.value))
            stack.extend((item, (*path, str(index))) for index, item in reversed(items))
