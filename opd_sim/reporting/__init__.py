"""Plots (PNG) and an HTML report from a run's output directory."""

from opd_sim.reporting.html import render_report, write_report
from opd_sim.reporting.plots import write_plots

__all__ = ["render_report", "write_plots", "write_report"]
