"""The simulator: SimPy-driven OPD days from scenarios, every engine decision logged to frames.

The only part of opd_sim that imports SimPy (and, with the CLI handlers, numpy and pandas)::

    from opd_sim.scenario import load_scenario
    from opd_sim.simulation import multiple_replications

    result = multiple_replications(load_scenario("scenarios/original_opd_day.yaml"), 5, seed=1)
    result.decisions, result.patients, result.summary

Writing a run's directory (frames, plots, report) is :mod:`opd_sim.run_output`'s job: the
simulator never imports the reporting.
"""

from opd_sim.jsonable import summary_json  # re-exported: callers have imported it from here
from opd_sim.simulation.frames import (
    DECISION_COLUMNS,
    KIND_CATEGORIES,
    PATIENT_COLUMNS,
    REASON_CATEGORIES,
    SLOT_COLUMNS,
    SOURCE_CATEGORIES,
    STATUS_CATEGORIES,
    decisions_frame,
    patients_frame,
    slots_frame,
)
from opd_sim.simulation.opd import Opd
from opd_sim.simulation.provenance import manifest
from opd_sim.simulation.reading import RunFiles, read_run
from opd_sim.simulation.runs import RunResult, multiple_replications, run_replication, single_run
from opd_sim.simulation.streams import STREAM_NAMES, make_streams, replication_seeds
from opd_sim.simulation.summary import aggregate, mean_ci, summarize

__all__ = [
    "DECISION_COLUMNS",
    "KIND_CATEGORIES",
    "PATIENT_COLUMNS",
    "REASON_CATEGORIES",
    "SLOT_COLUMNS",
    "SOURCE_CATEGORIES",
    "STATUS_CATEGORIES",
    "STREAM_NAMES",
    "Opd",
    "RunFiles",
    "RunResult",
    "aggregate",
    "decisions_frame",
    "make_streams",
    "manifest",
    "mean_ci",
    "multiple_replications",
    "patients_frame",
    "read_run",
    "replication_seeds",
    "run_replication",
    "single_run",
    "slots_frame",
    "summarize",
    "summary_json",
]
