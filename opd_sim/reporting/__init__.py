"""A run's report: report.html built from its frames, summary and manifest, and its figures
as PNG files; :mod:`opd_sim.reporting.page` is the page every report is built with."""

from opd_sim.reporting.html import REPORT_FILES, render_report
from opd_sim.reporting.plots import PLOTS, draw_plots, write_plots

__all__ = ["PLOTS", "REPORT_FILES", "draw_plots", "render_report", "write_plots"]
