"""Read a scenario YAML file into a frozen :class:`Scenario`, or fail with file:line:col lines."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from opd_sim.errors import ScenarioError
from opd_sim.scenario.messages import explain
from opd_sim.scenario.model import Scenario
from opd_sim.scenario.positions import locate
from opd_sim.scenario.problems import Problem
from opd_sim.scenario.reading import decode, parse_yaml, plain, read_bytes

__all__ = ["ScenarioFile", "load_scenario", "read_scenario", "scenario_from_text"]


@dataclass(frozen=True, slots=True)
class ScenarioFile:
    """A scenario as read from a file, with the SHA-256 of the very bytes it was parsed from
    (a run records it: reading the file again could see other bytes, or none, from a pipe)."""

    path: str
    scenario: Scenario
    sha256: str


def read_scenario(path: str | Path) -> ScenarioFile:
    """Read ``path`` once, parse and validate it; raise ScenarioError with one line per problem."""
    raw = read_bytes(path, str(path))
    scenario = scenario_from_text(decode(raw, str(path)), str(path))
    return ScenarioFile(str(path), scenario, hashlib.sha256(raw).hexdigest())


def load_scenario(path: str | Path) -> Scenario:
    """Parse and validate a scenario file; raise ScenarioError with one line per problem."""
    return read_scenario(path).scenario


def scenario_from_text(text: str, filename: str = "<scenario>") -> Scenario:
    """Parse and validate scenario YAML text (``filename`` is used in messages).

    Every problem pydantic finds is reported, each as ``FILE:LINE:COL: field.path: message``,
    in the order they appear in the file.
    """
    tree = parse_yaml(text, filename)
    try:
        return Scenario.model_validate(plain(tree))
    except RecursionError:
        raise ScenarioError(
            [Problem(filename, 1, 1, "yaml", "nested too deeply to read")]
        ) from None
    except ValidationError as error:
        problems: list[str] = []
        for raw in error.errors():  # every error, not just the first
            for loc, message, at in explain(raw, Scenario):
                place = locate(tree, loc, at=at)
                problem = Problem(
                    filename, place.line, place.column, place.path or "scenario", message
                )
                if problem not in problems:
                    problems.append(problem)
        problems.sort(key=lambda p: p.sort_key if isinstance(p, Problem) else (0, 0))
        raise ScenarioError(problems) from None
