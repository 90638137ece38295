"""Plots (PNG) and an HTML report of a run, drawn from its frames, summary and manifest."""

from opd_sim.reporting.html import REPORT_FILES, render_report
from opd_sim.reporting.plots import PLOTS, write_plots

__all__ = ["PLOTS", "REPORT_FILES", "render_report", "write_plots"]
