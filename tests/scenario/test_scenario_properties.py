"""Property: a valid scenario written as YAML and read back is the scenario it was built from."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from opd_sim.scenario import Scenario, scenario_from_text

SOURCES = ("emergency", "paid", "followup", "online", "walkin")

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
amount = st.floats(min_value=0, max_value=1e4, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)
anything = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
probability = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def distributions(draw: st.DrawFn, *, durations: bool) -> dict[str, Any]:
    """A distribution mapping; durations never draw negative values."""
    low = amount if durations else anything
    kinds = ["fixed", "exponential", "lognormal", "normal", "uniform", "empirical", "gamma",
             "erlang", "weibull", "triangular"]  # fmt: skip
    kind = draw(st.sampled_from(kinds))
    if kind == "fixed":
        return {"dist": kind, "value": draw(low)}
    if kind == "exponential":
        return {"dist": kind, "mean": draw(positive)}
    if kind == "lognormal":  # sd at most 1,000 times the mean
        mean = draw(positive)
        return {"dist": kind, "mean": mean, "sd": draw(st.floats(1e-3, min(1e4, 1000 * mean)))}
    if kind == "normal":
        minimum = draw(amount) if durations else draw(st.none() | anything)
        return {"dist": kind, "mean": draw(anything), "sd": draw(amount), "min": minimum}
    if kind == "uniform":
        a, b = sorted((draw(low), draw(low)))
        return {"dist": kind, "low": a, "high": b}
    if kind == "gamma":  # sd at most 10 times the mean
        mean = draw(positive)
        return {"dist": kind, "mean": mean, "sd": draw(st.floats(1e-3, min(1e4, 10 * mean)))}
    if kind == "erlang":
        return {"dist": kind, "k": draw(st.integers(1, 1000)), "mean": draw(positive)}
    if kind == "weibull":  # shape at least 0.1
        return {"dist": kind, "shape": draw(st.floats(0.1, 1e4)), "scale": draw(positive)}
    if kind == "triangular":  # low below high, mode between them
        a, c = sorted(draw(st.lists(low, min_size=2, max_size=2, unique=True)))
        return {"dist": kind, "low": a, "mode": draw(st.floats(a, c)), "high": c}
    values = draw(st.lists(low, min_size=1, max_size=4))
    spec: dict[str, Any] = {"dist": kind, "values": values}
    if draw(st.booleans()):
        spec["weights"] = [draw(positive) for _ in values]
    return spec


@st.composite
def sessions(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One to three sessions that do not overlap, in any order, as "HH:MM" or minutes."""
    points = sorted(draw(st.sets(st.integers(0, 24 * 12), min_size=2, max_size=6)))
    pairs = [(points[i] * 5, points[i + 1] * 5) for i in range(0, len(points) - 1, 2)]
    pairs = draw(st.permutations(pairs))
    as_clock = draw(st.booleans())

    def when(minutes: int) -> str | int:
        return f"{minutes // 60:02d}:{minutes % 60:02d}" if as_clock else minutes

    return [{"open": when(a), "close": when(b)} for a, b in pairs]


@st.composite
def doctors(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One to four doctors with distinct ids."""
    ids = draw(st.lists(text.filter(bool), min_size=1, max_size=4, unique=True))
    found = []
    for ident in ids:
        doctor: dict[str, Any] = {"id": ident, "name": draw(text)}
        doctor["seats_per_slot"] = draw(st.none() | st.integers(1, 20))
        doctor["consult_minutes"] = draw(distributions(durations=True))
        doctor["consult_minutes_by_source"] = draw(
            st.dictionaries(
                st.sampled_from([s.upper() for s in SOURCES]),
                distributions(durations=True),
                max_size=2,
            )
        )
        found.append(doctor)
    return found


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario as the plain data a YAML file holds."""
    periods = draw(sessions())
    spans = [_minutes(s["close"]) - _minutes(s["open"]) for s in periods]
    data: dict[str, Any] = {
        "name": draw(text),
        "description": draw(text),
        "seed": draw(st.integers(0, 2**63)),
        "days": draw(st.integers(1, 30)),
        "sessions": periods,
        "slot_minutes": draw(st.floats(min_value=1, max_value=max(spans))),
        "doctors": draw(doctors()),
        "demand": {
            "online": {"per_day": draw(amount), "lead_days": draw(distributions(durations=True))},
            "paid": {"per_day": draw(amount)},
            "walkin": {
                "per_hour": draw(amount),
                "hourly_profile": draw(st.lists(st.floats(0, 1e3, allow_nan=False), max_size=5)),
            },
            "followup": {
                "probability": draw(probability),
                "return_after_days": draw(distributions(durations=True)),
            },
            "emergency": {"per_hour": draw(amount)},
        },
        "cancellation": draw(
            st.dictionaries(
                st.sampled_from(SOURCES),
                st.fixed_dictionaries(
                    {"probability": probability},
                    optional={"before_minutes": distributions(durations=True)},
                ),
                max_size=3,
            )
        ),
        "no_show": draw(
            st.dictionaries(
                st.sampled_from(SOURCES),
                st.fixed_dictionaries(
                    {"probability": probability, "per_lead_day": amount, "max": probability}
                ),
                max_size=3,
            )
        ),
        "punctuality_minutes": draw(distributions(durations=False)),
        "service_order": draw(st.sampled_from(["token", "priority", "arrival"])),
        "policy": draw(
            st.sampled_from(["fifo", "priority-bump"])
            | st.builds(
                lambda n: {"name": "bump-cap", "params": {"max_bumps": n}}, st.integers(0, 5)
            )
        ),
        "steady_state": draw(st.none() | st.builds(lambda w: {"warmup_minutes": w}, amount)),
    }
    optional = [k for k in data if k != "doctors"]
    dropped = draw(st.sets(st.sampled_from(optional)))
    if "sessions" in dropped:
        dropped.add("slot_minutes")  # the default session may be shorter than the drawn slot
    if "slot_minutes" in dropped and max(spans) < 15:
        dropped.add("sessions")  # the default slot may be longer than every drawn session
    return {k: v for k, v in data.items() if k not in dropped}


def _minutes(when: str | int) -> int:
    if isinstance(when, int):
        return when
    hours, minutes = when.split(":")
    return int(hours) * 60 + int(minutes)


def _dump(data: dict[str, Any]) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_yaml_round_trip_equals_direct_validation(data: dict[str, Any]) -> None:
    """Dumping a valid scenario to YAML and loading it equals validating the dict directly."""
    assert scenario_from_text(_dump(data), "drawn.yaml") == Scenario.model_validate(data)


MARK = -987654.5


@st.composite
def spoiled(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str | int, ...]]:
    """A valid scenario with one number made negative, and the path to it."""
    data = draw(scenarios())
    paths: list[tuple[str | int, ...]] = [("days",)]
    paths += [("doctors", i, "seats_per_slot") for i in range(len(data["doctors"]))]
    for section, rate in (("walkin", "per_hour"), ("online", "per_day"), ("emergency", "per_hour")):
        if section in data.get("demand", {}):
            paths.append(("demand", section, rate))
    paths += [("no_show", source, "probability") for source in data.get("no_show", {})]
    path = draw(st.sampled_from(paths))
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = int(MARK) if path[-1] in ("days", "seats_per_slot") else MARK
    return data, path


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spoiled(), st.sampled_from([False, None]))
def test_a_bad_number_is_found_where_it_is_written(
    case: tuple[dict[str, Any], tuple[str | int, ...]], flow: bool | None
) -> None:
    """One negative number anywhere gives one problem, at its own line and column and path."""
    import pytest

    from opd_sim.errors import ScenarioError

    data, path = case
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    stream = io.StringIO()
    yaml.dump(data, stream)
    written = stream.getvalue()
    marker = str(int(MARK)) if path[-1] in ("days", "seats_per_slot") else str(MARK)
    (line,) = [n for n, row in enumerate(written.splitlines(), 1) if marker in row]
    column = written.splitlines()[line - 1].index(marker) + 1
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(written, "drawn.yaml")
    (problem,) = caught.value.problems
    dotted = ".".join(str(part) for part in path)
    assert problem.startswith(f"drawn.yaml:{line}:{column}: {dotted}: "), (problem, written)


EDGE = st.sampled_from([5e-324, 1e-300, 1e-9, 0.5, 1.0, 1e3, 1e6]) | st.floats(1e-300, 1e6)


@st.composite
def edge_distributions(draw: st.DrawFn) -> dict[str, Any]:
    """A distribution mapping whose numbers are drawn from the edges (tiny, huge, subnormal)."""
    fields = {"fixed": ["value"], "exponential": ["mean"], "lognormal": ["mean", "sd"],
              "normal": ["mean", "sd"], "uniform": ["low", "high"], "gamma": ["mean", "sd"],
              "erlang": ["k", "mean"], "weibull": ["shape", "scale"],
              "triangular": ["low", "mode", "high"]}  # fmt: skip
    kind = draw(st.sampled_from(sorted(fields)))
    spec: dict[str, Any] = {"dist": kind} | {field: draw(EDGE) for field in fields[kind]}
    if kind == "erlang" and draw(st.booleans()):  # a whole number of phases, to draw from
        spec["k"] = draw(st.integers(1, 1000))
    if draw(st.booleans()):
        spec = {"dist": "empirical", "values": [draw(EDGE), draw(EDGE)],
                "weights": [draw(EDGE), draw(EDGE)]}  # fmt: skip
    return spec


@settings(max_examples=300, deadline=None)
@given(edge_distributions())
def test_a_distribution_that_validates_draws_finite_numbers(spec: dict[str, Any]) -> None:
    """What a file's distribution can produce is checked, not only its fields: one that
    validates draws finite numbers, without numpy overflowing."""
    import numpy as np
    from pydantic import TypeAdapter, ValidationError

    from opd_sim.scenario.distributions import Distribution

    try:
        dist = TypeAdapter(Distribution).validate_python(spec)
    except ValidationError:
        return
    with np.errstate(over="raise", invalid="raise"):
        values = np.asarray(dist.draw(np.random.default_rng(0), 1_000), dtype=float)
    assert np.isfinite(values).all()
