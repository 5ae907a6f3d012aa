"""The warm intake worker: a dropped file's run starts a second or so after it settles.

Through the daemon, a drop waits for the sensor's loop (about 5 s whatever its interval),
then for the queue, then for a new Python to import the code location (about 7 s more)
before the run's first step. This process keeps the code location loaded, looks at the
intake folders ten times a second, and runs the same job in process, recorded in the same
Dagster instance: its runs are in the UI's run history like the sensor's, tagged with this
process, so a run killed with it is closed and redone on the next start. It builds with dbt
in its own process (``dbt_in_process``): the project parsed once, not a new dbt per run.

`indicators ui` starts one beside the web UI and the daemon; `indicators watch` runs one
alone. One worker per home: it holds an flock on ``.intake-worker.lock`` for its whole life
(two starting at once cannot both win, and a killed one frees it), and names its process in
``.intake-worker``; while that process lives the intake sensor stands aside, so a file is
never taken by two runs at once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from orchestration.runtime.process_identity import current_process, is_alive
from orchestration.runtime.writer_lock import held_if_free

log = logging.getLogger(__name__)

WORKER_FILE = ".intake-worker"
# A look at the intake folders costs ~0.2 ms of CPU here: ten a second is free when idle.
POLL_SECONDS = 0.1
# Dead runs appear only when another process is killed: looking for them at every look
# (ten a second) would cost the idle worker a query of the run storage each time.
DEAD_RUNS_EVERY_SECONDS = 5.0


def running_worker(home: Path) -> str | None:
    """The process identity of the live intake worker of this home, if there is one."""
    try:
        identity = (home / WORKER_FILE).read_text().strip()
    except OSError:
        return None
    return identity if identity and is_alive(identity) else None


def _claim(home: Path, stack: ExitStack) -> bool:
    """Hold this home's worker lock for the life of ``stack``, and name this process."""
    if not stack.enter_context(held_if_free(home / f"{WORKER_FILE}.lock")):
        return False
    tmp = home / f"{WORKER_FILE}.{os.getpid()}"
    tmp.write_text(current_process())
    os.replace(tmp, home / WORKER_FILE)
    return True


def _release(home: Path) -> None:
    if running_worker(home) == current_process():
        (home / WORKER_FILE).unlink(missing_ok=True)


def _restore(handlers: dict) -> None:
    """Put back this process's signal handlers after a run. Dagster's in-process execution
    maps SIGTERM to SIGINT's handler (for Kubernetes) and leaves it so: SIGTERM would then
    raise KeyboardInterrupt wherever the worker happens to be, instead of letting it stop
    between runs."""
    if threading.current_thread() is not threading.main_thread():
        return  # handlers belong to the main thread (a test may watch from another)
    for sig, handler in handlers.items():
        if signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


def watch(home: Path, stop: threading.Event | None = None) -> int:
    """Take settled files into runs until ``stop`` is set (or the process is stopped)."""
    from orchestration.contract.reference import load_reference
    from orchestration.defs.build import build_definitions
    from orchestration.defs.jobs import ingest_and_publish_job
    from orchestration.instance import open_instance
    from orchestration.intake.settling import look_at_intake
    from orchestration.run_recovery import fail_dead_runs
    from orchestration.runner import execute_job, run_config

    stop = stop or threading.Event()
    defs = build_definitions(home, in_process_dbt=True)
    warehouse = defs.resources["warehouse"]
    warehouse.ensure_folders()
    job = defs.resolve_job_def(ingest_and_publish_job.name)
    departments = list(load_reference().departments)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    with ExitStack() as claimed:
        if not _claim(home, claimed):
            log.warning("another intake worker takes this home's files: %s", running_worker(home))
            return 1
        claimed.callback(_release, home)
        log.info("intake worker %s watching %s", current_process(), warehouse.intake_root)
        seen: dict[str, list[int]] = {}
        done: set[str] = set()  # work is not run twice (a run that fails waits for a change)
        with open_instance(home) as instance:
            dead_runs_looked_at = 0.0
            while not stop.is_set():
                recovering: list[str] = []
                if time.monotonic() - dead_runs_looked_at >= DEAD_RUNS_EVERY_SECONDS:
                    recovering = fail_dead_runs(instance)
                    dead_runs_looked_at = time.monotonic()
                settled_before = time.time_ns() - int(warehouse.intake_settle_seconds * 1e9)
                look = look_at_intake(
                    warehouse.intake_root,
                    warehouse.outbox_root,
                    departments,
                    seen,
                    recovering,
                    modified_before_ns=settled_before,
                )
                seen = look.seen
                if look.identities and look.key not in done:
                    done.add(look.key)
                    tags = {"intake/files": str(len(look.identities)), "intake/worker": "true"}
                    result = execute_job(home, job, instance, run_config(), tags)
                    _restore(handlers)
                    log.info("run %s: %s", result.run_id, "ok" if result.success else "failed")
                    seen = {}  # look again from scratch: the run took what it could
                stop.wait(POLL_SECONDS)
    return 0
