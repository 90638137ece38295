"""``python -m opd_sim`` is ``opd-sim``."""

from opd_sim.cli.app import run

run()
