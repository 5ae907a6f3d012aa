"""Runs whose process was killed are closed as failed, and their work is redone.

A run killed with SIGKILL cannot record its end: Dagster would show it "started" for
ever, and the run queue (one run at a time) would never launch another. Every run is
tagged with its process (host, pid and start time); the sensor at each tick, and each CLI
run before it starts, fails the runs whose process is gone. Their work is redone by the
next run: loading works from the archive's journal, so nothing a dead run took is lost.
"""

from __future__ import annotations

import logging
import socket

import dagster as dg

from orchestration.runtime.process_identity import current_process, is_alive

PROCESS_TAG = "indicators/process"
_OPEN = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
log = logging.getLogger(__name__)


def process_tag() -> dict[str, str]:
    return {PROCESS_TAG: f"{socket.gethostname()}/{current_process()}"}


def tag_run_with_its_process(instance: dg.DagsterInstance, run_id: str) -> None:
    run = instance.get_run_by_id(run_id)
    if run is not None and PROCESS_TAG not in run.tags:
        instance.add_run_tags(run_id, process_tag())


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the open runs of this host whose process is gone; return their ids."""
    host = socket.gethostname()
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_OPEN)):
        tagged_host, _, identity = run.tags.get(PROCESS_TAG, "").partition("/")
        if tagged_host != host or not identity or is_alive(identity):
            continue
        message = (
            f"The process of this run ({identity.partition(':')[0]}) is gone: it was killed "
            "or the machine stopped. Its work is redone by the next run from the archive."
        )
        log.warning("run %s: %s", run.run_id, message)
        instance.report_run_failed(run, message=message)
        failed.append(run.run_id)
    _free_pool_slots_of_ended_runs(instance)
    return failed


def _free_pool_slots_of_ended_runs(instance: dg.DagsterInstance) -> None:
    """A killed run never gives back its slot in the writer pool (limit 1): every later
    run's writing step would wait for it for ever. Ended runs give theirs back here."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    for run_id in storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            log.warning("run %s ended without giving back its pool slot; freed", run_id)
            storage.free_concurrency_slots_for_run(run_id)
