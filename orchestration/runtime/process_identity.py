"""Which process a run lives in, in a form that survives pid reuse: pid plus start time.

A run killed with SIGKILL (OOM killer, power cut, `kill -9`) cannot record its own end;
the next run, or the sensor, finds its process gone and closes it (see ``run_recovery.fail_dead_runs``).
"""

from __future__ import annotations

import contextlib
import os

import psutil

from orchestration.runtime.polling import wait_until


def identity_of(pid: int) -> str:
    try:
        started = psutil.Process(pid).create_time()
    except psutil.Error:
        return f"{pid}:None"
    return f"{pid}:{started!r}"


def current_process() -> str:
    return identity_of(os.getpid())


def _process(identity: str) -> psutil.Process | None:
    """The live process the identity names, or None (gone, reused pid, or a zombie)."""
    pid_text, _, started = identity.partition(":")
    try:
        process = psutil.Process(int(pid_text))
        if repr(process.create_time()) != started:
            return None  # the pid was reused by another process
        # A zombie (killed, not yet reaped by its parent) is dead too.
        return None if process.status() == psutil.STATUS_ZOMBIE else process
    except (ValueError, psutil.Error):
        return None


def is_alive(identity: str) -> bool:
    return _process(identity) is not None


def stop(identity: str, grace_seconds: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after the grace period, a process named by its identity."""
    for signal_it in (psutil.Process.terminate, psutil.Process.kill):
        process = _process(identity)
        if process is None:
            return
        try:
            signal_it(process)
        except psutil.Error:
            return
        # Polled, not waited on: a killed process that is not our child stays a zombie
        # until its own parent reaps it, and a zombie counts as stopped.
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: not is_alive(identity), grace_seconds, "it to stop", every=0.1)
