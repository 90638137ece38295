"""Recorded history: what a booking store (or another system's export) says happened, as plain
records, read back into the simulator's frames (``opd-sim export``) and replayed through the
engine under other policies (``opd-sim replay``).

::

    from opd_sim.history import history_frames, history_summary, read_store

    history = read_store("opd.db")
    frames = history_frames(history)            # decisions, patients, slots
    summary = history_summary(history, frames)
"""

from opd_sim.history.frames import history_frames, history_summary
from opd_sim.history.records import History, HistoryDoctor, HistorySlot, HistoryToken
from opd_sim.history.store_reading import read_store

__all__ = [
    "History",
    "HistoryDoctor",
    "HistorySlot",
    "HistoryToken",
    "history_frames",
    "history_summary",
    "read_store",
]
