"""Fuzzing: whatever a file holds, loading gives a Scenario or well-formed problems, no crash."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from opd_sim.errors import ScenarioError
from opd_sim.scenario import Scenario, scenario_from_text
from opd_sim.scenario.problems import Problem

NAMES = [
    "name", "days", "seed", "sessions", "open", "close", "slot_minutes", "doctors", "id",
    "seats_per_slot", "consult_minutes", "consult_minutes_by_source", "dist", "mean", "sd", "min",
    "low", "high", "value", "values", "weights", "demand", "online", "paid", "walkin", "followup",
    "emergency", "per_day", "per_hour", "hourly_profile", "lead_days", "probability", "no_show",
    "cancellation", "policy", "params", "service_order", "steady_state", "WALKIN", "fifo",
    "lognormal", "gamma", "erlang", "weibull", "triangular", "k", "shape", "scale", "mode",
    "pareto", "09:00", "25:00",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 50)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(NAMES)
    | st.text(max_size=5)
)
trees = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(NAMES) | st.integers(0, 3), inner, max_size=4)
    ),
    max_leaves=25,
)


def _outcome(text: str) -> Scenario | list[str]:
    try:
        return scenario_from_text(text, "drawn.yaml")
    except ScenarioError as error:
        return error.problems


def _well_formed(problems: list[str], text: str) -> None:
    assert problems
    lines = max(1, len(text.splitlines()))
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.line is not None and problem.column is not None
        assert (
            problem
            == f"drawn.yaml:{problem.line}:{problem.column}: {problem.field}: {problem.message}"
        )
        assert problem.field.strip() and problem.message.strip() and "\n" not in problem, problem
        assert 1 <= problem.line <= lines + 1 and problem.column >= 1, (problem, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("ab: -\t\n[]{},#'\"&*!|>%@`?0.9")), max_size=60))
def test_any_text_gives_a_scenario_or_problems(text: str) -> None:
    """Random YAML punctuation never crashes the loader; every problem has a place and a field."""
    outcome = _outcome(text)
    if not isinstance(outcome, Scenario):
        _well_formed(outcome, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(NAMES), trees, max_size=6), st.sampled_from([False, None]))
def test_any_tree_gives_a_scenario_or_problems(tree: dict[str, Any], flow: bool | None) -> None:
    """Random data under scenario-like keys loads or yields well-formed problems, no crash."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    stream = io.StringIO()
    yaml.dump(tree, stream)
    text = stream.getvalue()
    outcome = _outcome(text)
    if not isinstance(outcome, Scenario):
        _well_formed(outcome, text)


TOKENS = [
    *NAMES, ": ", ":", "\n", "\n  ", "\n    ", "- ", "[", "]", "{", "}", ", ", "#", "'", '"', "&a ",
    "*a", "!!int ", "!!float ", "!!str ", "!!binary ", "!!timestamp ", "!x ", "<<: ", "? ", "|",
    ">", "---", "...", "%YAML 1.1\n", "\t", "-1", "1.5", ".nan", "2024-13-45", "0x1G", "~",
    "\ufeff", "\\", "\r\n",
]  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
@example("<<: \n  ? ")  # a merge of a null key once had no position
@example("? - - ")  # ruamel itself fails on a list inside a list used as a key
@example(": name%YAML 1.1\n: ")  # the empty key, twice
def test_any_token_soup_gives_a_scenario_or_problems(text: str) -> None:
    """YAML-ish token soup (tags, anchors, merges, directives) never crashes the loader."""
    outcome = _outcome(text)
    if not isinstance(outcome, Scenario):
        _well_formed(outcome, text)
