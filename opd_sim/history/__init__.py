"""Recorded history: what a booking store (or another system's export) says happened, as plain
records, read back into the simulator's frames (``opd-sim export``) and replayed through the
engine under other policies (``opd-sim replay``).

::

    from opd_sim.history import history_frames, history_summary, read_store

    history = read_store("opd.db")
    frames = history_frames(history)            # decisions, patients, slots
    summary = history_summary(history, frames)

    stream = events_from_history(history)       # or read_requests("requests.csv")
    fifo = replay(stream, "fifo")               # the same days under another policy
    changes = compare_histories(history, fifo.history)
"""

from opd_sim.history.comparison import HistoryComparison, compare_histories
from opd_sim.history.events import EventStream, events_from_history, read_requests
from opd_sim.history.frames import history_frames, history_summary
from opd_sim.history.records import History, HistoryDoctor, HistorySlot, HistoryToken
from opd_sim.history.replay import Replayed, replay
from opd_sim.history.store_reading import read_store

__all__ = [
    "EventStream",
    "History",
    "HistoryComparison",
    "HistoryDoctor",
    "HistorySlot",
    "HistoryToken",
    "Replayed",
    "compare_histories",
    "events_from_history",
    "history_frames",
    "history_summary",
    "read_requests",
    "read_store",
    "replay",
]
