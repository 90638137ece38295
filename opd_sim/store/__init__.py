"""The booking desk's persistence: a SQLite store driven by the allocation engine.

::

    from opd_sim.store import Desk

    with Desk("opd.db") as desk:
        doctor = desk.add_doctor("Dr Rao")
        slot = desk.add_slot(doctor["id"], "2026-11-24T09:00", "2026-11-24T09:20", 2)
        booked = desk.book(slot["id"], "PAID", "Asha")   # {"token": {...}, "decisions": [...]}
"""

from opd_sim.store.connection import connect, resolve_path, transaction
from opd_sim.store.desk import Desk
from opd_sim.store.schema import APPLICATION_ID, SCHEMA_VERSION

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "Desk", "connect", "resolve_path", "transaction"]
