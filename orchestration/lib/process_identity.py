"""Which process a run lives in, in a form that survives pid reuse: pid plus start time.

A run killed with SIGKILL (OOM killer, power cut, `kill -9`) cannot record its own end;
the next run, or the sensor, finds its process gone and closes it (see ``run_recovery.fail_dead_runs``).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def _start_ticks(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 (starttime); the command name in parentheses may hold spaces.
    return stat.rsplit(")", 1)[1].split()[19]


def current_process() -> str:
    pid = os.getpid()
    return f"{pid}:{_start_ticks(pid)}"


def is_alive(identity: str) -> bool:
    pid_text, _, ticks = identity.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    current = _start_ticks(pid)
    if current is None:
        return False
    if current != ticks:
        return False  # the pid was reused by another process
    # A zombie (killed, not yet reaped by its parent) is dead too.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop(identity: str, grace_seconds: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after the grace period, a process named by its identity."""
    pid = int(identity.partition(":")[0])
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not is_alive(identity):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_seconds
        while time.monotonic() < deadline and is_alive(identity):
            time.sleep(0.1)


def identity_of(pid: int) -> str:
    return f"{pid}:{_start_ticks(pid)}"
