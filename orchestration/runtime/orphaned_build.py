"""A `dbt build` left running by a run that was killed.

dbt runs as a child process; SIGKILL of the run leaves it orphaned, still writing the
build database, whose DuckDB lock would then refuse the next run. The run records dbt's
process in a file while it builds; whoever takes the writer lock next stops that process
if it is still alive (its models are rebuilt from scratch by the next build anyway).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

from orchestration.runtime.process_identity import identity_of, is_alive, stop

log = logging.getLogger(__name__)


def stop_orphaned_build(process_file: Path) -> None:
    """Called with the writer lock held: no live run of ours owns a recorded build."""
    if not process_file.exists():
        return
    identity = process_file.read_text().strip()
    if is_alive(identity):
        log.warning("stopping dbt build %s left running by a killed run", identity)
        stop(identity)
    process_file.unlink(missing_ok=True)


@contextmanager
def recorded_build(process_file: Path, pid: int):
    process_file.write_text(identity_of(pid))
    try:
        yield
    finally:
        process_file.unlink(missing_ok=True)
