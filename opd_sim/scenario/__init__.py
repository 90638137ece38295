"""Scenario files: what a simulated OPD looks like, validated with file:line:col messages."""

from opd_sim.scenario.loading import ScenarioFile, load_scenario, read_scenario, scenario_from_text
from opd_sim.scenario.model import Scenario
from opd_sim.scenario.problems import Problem

__all__ = ["Problem", "Scenario", "ScenarioFile", "load_scenario", "read_scenario",
           "scenario_from_text"]  # fmt: skip
