"""The practice history: every attempt kept in one SQLite file on the user's machine.

:class:`HistoryStore` (store.py) reads and writes it; migrations.py holds its schema; records.py what
one attempt is; export.py turns it into CSV/JSONL; paths.py says where it lives (``COACH_HOME``).
Only the standard library's sqlite3 is used: nothing here touches the network.
"""

from __future__ import annotations

from coach.history.paths import coach_home, history_enabled, history_path
from coach.history.records import AttemptRecord, DeliveryRecord, ExchangeTurn, record_from
from coach.history.store import HistoryStore

__all__ = [
    "AttemptRecord",
    "DeliveryRecord",
    "ExchangeTurn",
    "HistoryStore",
    "coach_home",
    "history_enabled",
    "history_path",
    "record_from",
]
