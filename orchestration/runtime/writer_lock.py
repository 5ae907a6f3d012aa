"""One writer at a time: the sensor's runs and a manual `indicators run` take turns.

Dagster's run queue serialises the runs it launches, but a one-shot CLI run executes in
its own process; both take this lock (an flock on a file in the warehouse home, through
``filelock``) around every step that writes the build database, the archive or the
snapshot. The lock dies with its process, so a killed run never leaves it held.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

log = logging.getLogger(__name__)


def _flock(lock_file: Path, poll_seconds: float) -> FileLock:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    # An flock only: a soft lock would outlive a killed run; the file is kept, so a waiter
    # never locks an unlinked inode.
    return FileLock(
        lock_file,
        poll_interval=poll_seconds,
        thread_local=False,
        fallback_to_soft=False,
        preserve_lock_file=True,
    )


@contextmanager
def held(lock_file: Path, poll_seconds: float = 0.5) -> Iterator[None]:
    """Hold the lock on ``lock_file``, waiting as long as it takes (blocking)."""
    with _flock(lock_file, poll_seconds):
        yield


@contextmanager
def held_if_free(lock_file: Path) -> Iterator[bool]:
    """Hold the lock if no one does (True), or do not wait for it (False)."""
    lock = _flock(lock_file, 0.5)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


@contextmanager
def writer_lock(lock_file: Path, poll_seconds: float = 0.5) -> Iterator[None]:
    """The warehouse's writer lock; a run that must wait says whose run it waits for."""
    holder_file = lock_file.with_name(lock_file.name + ".holder")
    lock = _flock(lock_file, poll_seconds)
    try:
        lock.acquire(timeout=0)
    except Timeout:  # a warning: it is why this run is slow
        holder = holder_file.read_text().strip() if holder_file.exists() else "?"
        log.warning("another run (process %s) is writing the warehouse; waiting for it", holder)
        lock.acquire()
    try:
        holder_file.write_text(f"{os.getpid()}\n")
        yield
    finally:
        lock.release()
