"""Publishes the build database as the analysts' read-only snapshot, atomically.

DuckDB lets one writer or many readers hold a file, never both, so analysts never open
the build database: they open a finished copy that is swapped in by rename. A reader with
the old snapshot open keeps it (the old inode) until it closes.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from orchestration.runtime.failpoints import failpoint


def publish_snapshot(build_db: Path, published: Path, check_sql: str | None = None) -> Path:
    con = duckdb.connect(str(build_db))
    try:
        con.execute("checkpoint")  # fold the write-ahead log into the file we copy
    finally:
        con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    # A copy left by a run killed mid-publish (the caller holds the writer lock).
    for stale in published.parent.glob(f".{published.name}.*.part"):
        stale.unlink()
    tmp = published.with_name(f".{published.name}.{uuid.uuid4().hex}.part")
    try:
        shutil.copyfile(build_db, tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o444)
        if check_sql:
            # The copy must open and answer before it replaces the last good snapshot.
            probe = duckdb.connect(str(tmp), read_only=True)
            try:
                probe.execute(check_sql).fetchall()
            finally:
                probe.close()
        failpoint("publish.copied")
        os.replace(tmp, published)
        failpoint("publish.replaced")
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return published
