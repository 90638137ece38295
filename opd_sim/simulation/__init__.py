"""The simulator: SimPy-driven OPD days from scenarios, every engine decision logged to frames.

The only part of opd_sim that imports SimPy (and, with the CLI handlers, numpy and pandas)::

    from opd_sim.scenario import load_scenario
    from opd_sim.simulation import multiple_replications

    result = multiple_replications(load_scenario("scenarios/original_opd_day.yaml"), 5, seed=1)
    result.decisions, result.patients, result.summary
"""

from opd_sim.simulation.frames import (
    DECISION_COLUMNS,
    KIND_CATEGORIES,
    PATIENT_COLUMNS,
    SLOT_COLUMNS,
    SOURCE_CATEGORIES,
    STATUS_CATEGORIES,
    decisions_frame,
    patients_frame,
    slots_frame,
)
from opd_sim.simulation.opd import Opd
from opd_sim.simulation.runs import (
    RUN_FILES,
    RunFiles,
    RunResult,
    check_out_dir,
    manifest,
    multiple_replications,
    read_run,
    run_replication,
    single_run,
    summary_json,
    write_run,
)
from opd_sim.simulation.streams import STREAM_NAMES, make_streams, replication_seeds
from opd_sim.simulation.summary import aggregate, mean_ci, summarize

__all__ = [
    "DECISION_COLUMNS",
    "KIND_CATEGORIES",
    "PATIENT_COLUMNS",
    "RUN_FILES",
    "SLOT_COLUMNS",
    "SOURCE_CATEGORIES",
    "STATUS_CATEGORIES",
    "STREAM_NAMES",
    "Opd",
    "RunFiles",
    "RunResult",
    "aggregate",
    "check_out_dir",
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
    "write_run",
]
