"""Scenarios built into the package, so commands work without the repository's scenarios/ folder.

``ORIGINAL_OPD_DAY`` is a verbatim copy of ``scenarios/original_opd_day.yaml`` (a test keeps the
two identical): the scenario behind ``opd-sim simulate-day``.
"""

from __future__ import annotations

from opd_sim.scenario import Scenario, scenario_from_text

__all__ = ["ORIGINAL_OPD_DAY", "original_opd_day"]

ORIGINAL_OPD_DAY = """\
# The original specification's "simulate one OPD day": three doctors, slots across a full OPD
# window (morning and afternoon sessions), random advance bookings, walk-ins, emergency
# insertions and random cancellations. `opd-sim simulate-day` runs exactly this scenario
# (an identical copy is built into opd_sim.simulation.builtin; a test keeps the two equal).
name: original_opd_day
description: One OPD day at a small clinic; three doctors, every source but follow-ups.
seed: 20240601
days: 1
sessions:                      # one full OPD window with a lunch break
  - {open: "09:00", close: "13:00"}
  - {open: "14:00", close: "17:00"}
slot_minutes: 15               # 28 slots a doctor, 84 in all
doctors:                       # two seats per 15-minute slot: ~7.5 minutes a patient
  - {id: dr-rao, name: Dr Rao, seats_per_slot: 2,
     consult_minutes: {dist: lognormal, mean: 7, sd: 3}}
  - {id: dr-iyer, name: Dr Iyer, seats_per_slot: 2,
     consult_minutes: {dist: lognormal, mean: 7, sd: 3}}
  - {id: dr-sen, name: Dr Sen, seats_per_slot: 2,
     consult_minutes: {dist: lognormal, mean: 8, sd: 4}}
demand:
  online: {per_day: 60, lead_days: {dist: uniform, low: 0, high: 7}}
  paid: {per_day: 20, lead_days: {dist: uniform, low: 0, high: 3}}
  walkin:                      # a morning rush that tails off
    per_hour: 10
    hourly_profile: [2.0, 1.6, 1.2, 0.8, 0.2, 0.8, 0.6, 0.4]
  emergency: {per_hour: 0.5}
cancellation:                  # random cancellations, a few hours to a day ahead
  online: {probability: 0.10, before_minutes: {dist: uniform, low: 60, high: 1440}}
  paid: {probability: 0.05, before_minutes: {dist: uniform, low: 60, high: 1440}}
no_show:                       # booked patients stay away more the earlier they booked
  online: {probability: 0.05, per_lead_day: 0.01, max: 0.2}
  paid: {probability: 0.03}
punctuality_minutes: {dist: normal, mean: -5, sd: 10, min: null}
service_order: token
policy: priority-bump
"""


def original_opd_day() -> Scenario:
    """The original specification's one OPD day: 3 doctors, every source but follow-ups."""
    return scenario_from_text(ORIGINAL_OPD_DAY, "original_opd_day.yaml")
