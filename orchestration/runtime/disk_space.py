"""Whether a failed run's cause is a full disk.

A full disk shows up in many disguises: ENOSPC from a copy, "database or disk is full" from
DuckDB, and a bare "disk I/O error" from SQLite when Dagster cannot even record the run.
So after a failure the free space of the home is measured, and named when it is short.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from orchestration.read.limits import MB

# Room for Dagster's records, dbt's artifacts and the receipts of a run, besides the copy
# of the build database that every publish makes.
MARGIN_BYTES = 64 * MB


def bytes_a_run_needs(build_db: Path) -> int:
    """The build database with its write-ahead log, and the margin."""
    files = build_db.parent.glob(f"{build_db.name}*") if build_db.parent.exists() else []
    return sum(p.stat().st_size for p in files if p.is_file()) + MARGIN_BYTES


def disk_full_cause(home: Path, build_db: Path) -> str | None:
    """A sentence naming the full disk, or None when there is room for a run."""
    probe = home if home.exists() else home.parent
    free = shutil.disk_usage(probe).free
    needed = bytes_a_run_needs(build_db)
    if free >= needed:
        return None
    return (
        f"No space left on device: the disk holding {home} has {free / MB:.1f} MB free, "
        f"a run needs about {needed / MB:.0f} MB (a copy of the build database and a margin); "
        "free space and run again"
    )
