"""Good scenario files: they load with their defaults, take every field, and are frozen."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from opd_sim.cli.app import main
from opd_sim.errors import ScenarioError
from opd_sim.scenario import Scenario, load_scenario, scenario_from_text
from opd_sim.scenario import model as model_module
from opd_sim.scenario.distributions import (
    Empirical,
    Erlang,
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Triangular,
    Weibull,
)
from opd_sim.scenario.model import punctuality_for, waitlist_expiry_for
from opd_sim.scenario.problems import Problem

GOOD = Path(__file__).parent / "good"
MINIMAL = GOOD / "minimal.yaml"
RICH = GOOD / "rich.yaml"
DOCS = Path(__file__).parents[2] / "docs" / "scenarios.md"


def test_minimal_file_is_ten_lines() -> None:
    """The minimal example really is a ten-line file."""
    assert len(MINIMAL.read_text(encoding="utf-8").splitlines()) == 10


def test_minimal_file_takes_the_defaults() -> None:
    """Everything the ten-line file leaves out comes from the documented defaults."""
    scenario = load_scenario(MINIMAL)
    assert scenario.name == "small-clinic"
    assert scenario.doctors[0].id == "rao"
    assert scenario.doctors[0].seats_per_slot == 1
    assert scenario.doctors[0].consult_minutes == Exponential(dist="exponential", mean=10.0)
    assert [(s.open, s.close) for s in scenario.sessions] == [(540, 780)]
    assert scenario.slot_minutes == 15
    assert scenario.seed == 0
    assert scenario.policy.name == "priority-bump"
    assert scenario.service_order == "token"
    assert scenario.demand.online.per_day == 12
    assert scenario.demand.paid.per_day == 0
    assert scenario.cancellation == {} and scenario.no_show == {}
    assert scenario.steady_state is None


def test_rich_file_sets_every_field() -> None:
    """The rich example uses every field of every model, and each is read as written."""
    scenario = load_scenario(RICH)
    assert [(s.open, s.close) for s in scenario.sessions] == [(510, 750), (840, 1050)]
    rao, sen = scenario.doctors
    assert rao.consult_minutes == LogNormal(dist="lognormal", mean=8, sd=3)
    # stored under the schema's lower-case source keys, whatever case the file used
    assert set(rao.consult_minutes_by_source) == {"emergency", "walkin", "followup"}
    assert rao.consult_minutes_by_source["emergency"] == Fixed(dist="fixed", value=20)
    assert rao.consult_minutes_by_source["followup"] == Empirical(
        dist="empirical", values=(4, 6, 10), weights=(0.5, 0.3, 0.2)
    )
    assert sen.id == "7" and sen.seats_per_slot is None
    assert sen.consult_minutes_by_source == {
        "paid": Gamma(dist="gamma", mean=12, sd=6),
        "online": Erlang(dist="erlang", k=3, mean=9),
        "emergency": Weibull(dist="weibull", shape=1.5, scale=20),
    }
    before = scenario.cancellation["paid"].before_minutes
    assert before == Triangular(dist="triangular", low=60, mode=120, high=1440)
    assert scenario.demand.walkin.hourly_profile == (1.5, 1.2, 1.0, 0.8, 0.5)
    assert set(scenario.cancellation) == {"online", "paid"}
    assert scenario.no_show["online"].max == 0.4
    assert scenario.punctuality_minutes == {
        "online": Normal(dist="normal", mean=-10, sd=8, min=-45),
        "paid": Fixed(dist="fixed", value=0),
    }
    assert punctuality_for(scenario, "followup") == Normal(dist="normal", mean=-5, sd=10,
                                                           min=None)  # fmt: skip
    assert rao.sessions is not None and [(s.open, s.close) for s in rao.sessions] == [(540, 750)]
    assert sen.late_minutes == Exponential(dist="exponential", mean=6)
    assert scenario.demand.emergency.hourly_profile == (0.5, 1.0)
    assert set(scenario.patience_minutes) == {"walkin", "online"}
    assert waitlist_expiry_for(scenario, "walkin") == 30
    assert waitlist_expiry_for(scenario, "paid") is None
    assert scenario.policy.params == {"reserved": {"WALKIN": 1}}
    assert scenario.steady_state is not None and scenario.steady_state.warmup_minutes == 30
    written = _keys(scenario_tree(RICH))
    for model in _models():
        missing = set(model.model_fields) - written
        assert not missing, f"rich.yaml never sets {model.__name__}.{sorted(missing)}"


@pytest.mark.parametrize(
    ("written", "expected", "numpy", "mean"),
    [
        # gamma: shape (mean/sd)^2 = 4, scale sd^2/mean = 2
        ("{dist: gamma, mean: 8, sd: 4}", Gamma(dist="gamma", mean=8, sd=4), (4, 2), 8),
        # the widest gamma allowed: sd 10 times the mean, shape 0.01
        ("{dist: gamma, mean: 2, sd: 20}", Gamma(dist="gamma", mean=2, sd=20), (0.01, 200), 2),
        # erlang: a gamma of shape k and scale mean / k; a whole-valued float is a whole number
        ("{dist: erlang, k: 3.0, mean: 9}", Erlang(dist="erlang", k=3, mean=9), (3, 3), 9),
        ("{dist: erlang, k: 1000, mean: 5}", Erlang(dist="erlang", k=1000, mean=5), (1000, 0.005),
         5),
        # weibull: mean scale * Gamma(1 + 1/shape); shape 2 gives scale * sqrt(pi) / 2
        ("{dist: weibull, shape: 2, scale: 10}", Weibull(dist="weibull", shape=2, scale=10),
         (2, 10), 5 * 3.141592653589793**0.5),
        ("{dist: weibull, shape: 0.1, scale: 1}", Weibull(dist="weibull", shape=0.1, scale=1),
         (0.1, 1), 3_628_800),
        # triangular: the mode may sit at either end
        ("{dist: triangular, low: 2, mode: 2, high: 8}",
         Triangular(dist="triangular", low=2, mode=2, high=8), (2, 2, 8, 6), 4),
        ("{dist: triangular, low: 0, mode: 8, high: 8}",
         Triangular(dist="triangular", low=0, mode=8, high=8), (0, 8, 8, 8), 16 / 3),
    ],
)  # fmt: skip
def test_new_distributions_read_as_written(
    written: str, expected: object, numpy: tuple[float, ...], mean: float
) -> None:
    """gamma, erlang, weibull and triangular consultations load as written, at their bounds
    too, and hand numpy the parameters of their documented mapping."""
    scenario = scenario_from_text(f"doctors:\n  - id: a\n    consult_minutes: {written}\n")
    dist = scenario.doctors[0].consult_minutes
    assert dist == expected
    assert dist.numpy_parameters() == pytest.approx(numpy, rel=1e-12)
    assert dist.mean_value == pytest.approx(mean, rel=1e-12)


def test_punctuality_may_be_a_triangular_below_zero() -> None:
    """Early arrivals are negative minutes: a triangular punctuality may start below 0 (a
    consultation time may not)."""
    early = "{dist: triangular, low: -30, mode: -10, high: 5}"
    scenario = scenario_from_text(f"doctors: [{{id: a}}]\npunctuality_minutes: {early}\n")
    assert scenario.punctuality_minutes == Triangular(dist="triangular", low=-30, mode=-10, high=5)


def test_docs_name_every_field() -> None:
    """docs/scenarios.md mentions every field of every scenario model."""
    text = DOCS.read_text(encoding="utf-8")
    for model in _models():
        for field in model.model_fields:
            assert f"`{field}`" in text, f"docs/scenarios.md does not mention {field!r}"


def test_loaded_scenario_is_frozen() -> None:
    """A loaded scenario cannot be changed: fields refuse assignment, sequences are tuples."""
    scenario = load_scenario(RICH)
    with pytest.raises(ValidationError):
        scenario.days = 9  # type: ignore[misc]
    with pytest.raises(ValidationError):
        scenario.doctors[0].seats_per_slot = 9  # type: ignore[misc]
    with pytest.raises(ValidationError):
        scenario.demand.walkin.per_hour = 0  # type: ignore[misc]
    assert isinstance(scenario.doctors, tuple)
    assert isinstance(scenario.sessions, tuple)
    assert isinstance(scenario.demand.walkin.hourly_profile, tuple)
    consult = scenario.doctors[0].consult_minutes_by_source["followup"]
    assert isinstance(consult, Empirical) and isinstance(consult.values, tuple)


def test_scenario_survives_pickling_and_dumping() -> None:
    """A scenario crosses process boundaries and round-trips through model_dump."""
    scenario = load_scenario(RICH)
    assert pickle.loads(pickle.dumps(scenario)) == scenario
    assert Scenario.model_validate(scenario.model_dump()) == scenario
    assert Scenario.model_validate_json(scenario.model_dump_json()) == scenario


def test_validate_says_ok(capsys: pytest.CaptureFixture[str]) -> None:
    """``opd-sim validate`` on a good file: exit 0 and a one-line summary."""
    assert main(["validate", str(RICH)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == (
        f"{RICH}: OK: 'city-hospital-week', 5 days, 2 doctors, "
        "demand from EMERGENCY, PAID, FOLLOWUP, ONLINE, WALKIN\n"
        f"{RICH}: estimated per replication: about 780 tokens, 170 slots, 1,949 decisions\n"
    )


def test_validate_json_says_ok(capsys: pytest.CaptureFixture[str]) -> None:
    """``opd-sim validate --json`` on a good file: {"ok": true, ...} with the summary."""
    assert main(["validate", str(MINIMAL), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "file": str(MINIMAL),
        "name": "small-clinic",
        "days": 1,
        "doctors": 1,
        "sessions": 1,
        "slot_minutes": 15.0,
        "policy": "priority-bump",
        "sources": ["EMERGENCY", "ONLINE", "WALKIN"],
        "estimate": {"tokens": 25, "slots": 16, "decisions": 62, "draws": 12, "over_limit": None},
    }


def test_validate_reads_a_pipe_on_stdin() -> None:
    """`cat FILE | opd-sim validate /dev/stdin` works: the pipe on stdin is the one
    non-regular file read (up to the same 1 MiB as a file)."""
    done = subprocess.run(
        [sys.executable, "-m", "opd_sim", "validate", "/dev/stdin"],
        input=MINIMAL.read_bytes(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"/dev/stdin: OK: 'small-clinic', 1 day, 1 doctor")


def test_validate_refuses_more_than_1_mib_on_stdin() -> None:
    """A pipe is read only up to 1 MiB: more is one line and exit 2, not a long parse."""
    done = subprocess.run(
        [sys.executable, "-m", "opd_sim", "validate", "/dev/stdin"],
        input=MINIMAL.read_bytes() + b"# filler comment\n" * 70_000,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "opd-sim: error: /dev/stdin: file: holds more than 1,048,576 bytes (1 MiB), "
        "the most a scenario file may hold\n"
    )


def test_validate_stays_light(tmp_path: Path) -> None:
    """Validating a file imports neither pandas, numpy nor SimPy."""
    code = (
        "import sys\n"
        "import opd_sim.cli.validate\n"
        "from opd_sim.scenario import load_scenario\n"
        f"load_scenario({str(RICH)!r})\n"
        "heavy = sorted(m for m in ('pandas', 'numpy', 'simpy') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_library_errors_carry_their_parts() -> None:
    """scenario_from_text raises ScenarioError whose problems are lines with parts attached."""
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text("doctors:\n  - id: a\n    seats_per_slot: -2\n", "clinic.yaml")
    (problem,) = caught.value.problems
    assert problem == "clinic.yaml:3:21: doctors.0.seats_per_slot: must be at least 1 (got -2)"
    assert isinstance(problem, Problem)
    assert (problem.line, problem.column, problem.field) == (3, 21, "doctors.0.seats_per_slot")
    assert pickle.loads(pickle.dumps(problem)).as_dict() == problem.as_dict()


def test_times_of_day_and_minutes() -> None:
    """Sessions take "HH:MM" (up to 24:00) or minutes after midnight, and are kept in order."""
    scenario = scenario_from_text(
        "sessions:\n  - {open: 840, close: '24:00'}\n  - {open: '7:05', close: '12:00'}\n"
        "doctors: [{id: a}]\n"
    )
    assert [(s.open, s.close) for s in scenario.sessions] == [(425, 720), (840, 1440)]


def test_policy_shorthand_and_source_case() -> None:
    """``policy: fifo`` names a policy; source keys take any case."""
    scenario = scenario_from_text(
        "doctors: [{id: a}]\npolicy: fifo\nno_show: {WALKIN: {probability: 0.2}}\n"
    )
    assert scenario.policy.name == "fifo"
    assert scenario.no_show["walkin"].probability == 0.2


def scenario_tree(path: Path) -> object:
    """The YAML of ``path`` as plain data."""
    from opd_sim.scenario.reading import parse_yaml, plain

    return plain(parse_yaml(path.read_text(encoding="utf-8"), str(path)))


def _keys(node: object) -> set[str]:
    if isinstance(node, dict):
        return {str(k) for k in node} | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for item in node for k in _keys(item)}
    return set()


def _models() -> list[type[BaseModel]]:
    """Every model a scenario file is made of."""
    from opd_sim.scenario import distributions

    found = [getattr(model_module, name) for name in model_module.__all__]
    found += [getattr(distributions, n) for n in distributions.__all__ if n[0].isupper()]
    return [m for m in found if isinstance(m, type) and issubclass(m, BaseModel)]


def _blocks(language: str) -> list[str]:
    """The fenced code blocks of docs/scenarios.md in ``language``."""
    text = DOCS.read_text(encoding="utf-8")
    return [part.split("```", 1)[0] for part in text.split(f"```{language}\n")[1:]]


def test_docs_ten_line_example_is_the_minimal_file() -> None:
    """The ten-line file in the docs is tests/scenario/good/minimal.yaml, word for word."""
    assert _blocks("yaml")[0] == MINIMAL.read_text(encoding="utf-8")


def test_docs_error_example_is_what_validate_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bad file and the messages shown in the docs are what ``opd-sim validate`` gives."""
    bad_file = next(block for block in _blocks("yaml") if "colour" in block)
    session = next(block for block in _blocks("console") if "error:" in block)
    monkeypatch.chdir(tmp_path)
    Path("clinic.yaml").write_text(bad_file, encoding="utf-8")
    assert main(["validate", "clinic.yaml"]) == 2
    shown = [line for line in session.splitlines() if line.startswith("opd-sim: error:")]
    assert capsys.readouterr().err.splitlines() == shown


def test_public_surface_is_pinned() -> None:
    """opd_sim.scenario exports exactly what the simulator and CLI build on."""
    import opd_sim.scenario

    assert opd_sim.scenario.__all__ == [
        "Problem",
        "Scenario",
        "ScenarioFile",
        "load_scenario",
        "read_scenario",
        "scenario_from_text",
    ]
