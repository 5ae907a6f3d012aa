"""One writer at a time: the sensor's runs and a manual `indicators run` take turns.

Dagster's run queue serialises the runs it launches, but a one-shot CLI run executes in
its own process; both take this lock (an flock on a file in the warehouse home) around
every step that writes the build database, the archive or the snapshot. The lock dies
with its process, so a killed run never leaves it held.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


@contextmanager
def writer_lock(lock_file: Path, poll_seconds: float = 0.5) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        waited = 0.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if waited == 0:  # a warning: it is why this run is slow
                    holder = lock_file.read_text().strip() or "?"
                    log.warning(
                        "another run (process %s) is writing the warehouse; waiting for it", holder
                    )
                time.sleep(poll_seconds)
                waited += poll_seconds
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock
