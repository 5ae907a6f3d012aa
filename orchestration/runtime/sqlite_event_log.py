"""Dagster's SQLite event log, with its connections kept open and commits not fsynced.

A run writes one event per planned asset and check, per output and per check result: about
1,000 events for a file's run here. Dagster's ``SqliteEventLogStorage`` opens a new SQLAlchemy
engine and connection for each write (and an asset event writes to two databases), and each
commit waits for an fsync: ~20 ms an event on this machine, a third of a rebuild's time and
most of the Dagster overhead of a run. This subclass keeps one engine per database (the
index and the few runs last written) and commits WAL transactions with ``synchronous=NORMAL``:
a process killed mid-run loses nothing committed; a power cut may lose the last events of a
run, which the run monitoring then marks failed (the warehouse's own data is in the archive
journal and DuckDB, which do not depend on this log). Files, tables and the watchers are
Dagster's own, so the web UI and the daemon read the same history.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine

# Run shards are written by one run and then only read: a few stay open, the index always.
_OPEN_RUN_SHARDS = 8


def _commit_without_fsync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` whose engines live as long as the storage."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # guarded by self._db_lock
        # Tables of the index found present. Set before the parent's __init__, which asks.
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    def has_table(self, table_name: str) -> bool:
        """The parent opens a new engine and connection for every answer, and asks before
        each asset check result and each event with tags (~1.4 s of a worker's run here).
        A table found stays (until ``wipe``): only "present" is kept, so a table a
        migration adds later is still looked for. No lock: the parent's answer takes none,
        and it is asked while a connection holds ``_db_lock``."""
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)  # the parent's names its own class

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )
        db.event.listen(engine, "connect", _commit_without_fsync)
        self._engines[shard] = engine
        run_shards = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for old in run_shards[: max(0, len(run_shards) - _OPEN_RUN_SHARDS)]:
            self._engines.pop(old).dispose()
        return engine

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def wipe(self) -> None:
        self._dispose_engines()  # its files are deleted
        self._tables_present.clear()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
