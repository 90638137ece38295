"""Recorded history: what a booking store (or another system's export) says happened, as plain
records, read back into the simulator's frames (``opd-sim export``) and replayed through the
engine under other policies (``opd-sim replay``)."""

from opd_sim.history.records import History, HistoryDoctor, HistorySlot, HistoryToken

__all__ = ["History", "HistoryDoctor", "HistorySlot", "HistoryToken"]
