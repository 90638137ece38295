"""Read a scenario YAML file into a frozen :class:`Scenario`, or fail with file:line:col lines."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from opd_sim.errors import ScenarioError
from opd_sim.scenario.model import Scenario

__all__ = ["load_scenario", "scenario_from_text"]


def load_scenario(path: str | Path) -> Scenario:
    """Parse and validate a scenario file; raise ScenarioError with one line per problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError([f"{path}: cannot read: {error.strerror or error}"]) from None
    return scenario_from_text(text, str(path))


def scenario_from_text(text: str, filename: str = "<scenario>") -> Scenario:
    """Parse and validate scenario YAML text (``filename`` is used in messages)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe")
    try:
        data = yaml.load(text)
    except YAMLError as error:
        raise ScenarioError([f"{filename}: YAML: {error}".replace("\n", " ")]) from None
    if not isinstance(data, dict):
        raise ScenarioError([f"{filename}:1:1: the file must be a mapping of scenario fields"])
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{filename}: {'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}"
            for e in error.errors()
        ]
        raise ScenarioError(problems) from None
