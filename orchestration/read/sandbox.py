"""Parsing in a child process with a memory cap and a timeout.

calamine is native code: a crafted file can abort the process or grow memory without
bound (a 1 KB legacy .xls with a looping sector chain took python-calamine past 2 GB and
then aborted). The worker process holds the cap (RLIMIT_AS); if it dies or overruns its
time, the file gets a finding like any other bad file and a fresh worker takes the next.
The workers serve a whole run, so their start-up is paid once. Each is a direct child
(spawned) that the kernel kills when the run's process dies, so a run killed with SIGKILL
leaves no reader behind (a forkserver would outlive it, holding its output open).

Files are read ahead: ``start`` hands a file to a worker and returns its answer to come,
so two workers read while the run waits for the oldest (a rebuild of years of files reads
them 1.6x as fast on two cores; a run of one file still starts one worker). A worker
that dies fails every file in flight, not only the one that killed it: each of those is
read again alone before it is answered as a crash.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from orchestration.read.return_parser import ParseContext, ParsedReturn, parse_return

log = logging.getLogger(__name__)
GB = 1 << 30


_PR_SET_PDEATHSIG = 1


def _start_worker(limit_bytes: int, parent_pid: int) -> None:
    # Die with the parent: Linux's prctl(PR_SET_PDEATHSIG), asked for through libc.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died while this worker started, before the ask took hold
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def _died(exc: BaseException) -> str:
    """The reason a department reads when its file's reader died."""
    return f"读取程序异常退出（{type(exc).__name__}）"


class _Failed(Exception):
    """A file its worker could not read in time or in memory: answered as a crash."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SandboxedParser:
    def __init__(
        self,
        memory_bytes: int = 2 * GB,
        timeout_seconds: float = 120.0,
        workers: int = 2,
    ):
        self.memory_bytes = memory_bytes  # each worker's cap
        self.timeout_seconds = timeout_seconds
        self.workers = workers
        self._pool: cf.ProcessPoolExecutor | None = None

    def _worker(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            # Workers are spawned as files wait for one, up to ``workers``.
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.memory_bytes, os.getpid()),
            )
        return self._pool

    def _discard_worker(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def start(
        self, path: Path, intake_department: str, ctx: ParseContext
    ) -> Callable[[], ParsedReturn]:
        """Start reading a file; the returned function waits for it (raising what the parser
        raised, as ``__call__`` does)."""
        try:
            future = self._worker().submit(parse_return, path, intake_department, ctx)
        except BrokenProcessPool:  # broken by a file in flight, not yet answered
            future = None
        return lambda: self._finish(future, path, intake_department, ctx)

    def __call__(self, path: Path, intake_department: str, ctx: ParseContext) -> ParsedReturn:
        return self.start(path, intake_department, ctx)()

    def _finish(
        self,
        future: cf.Future | None,
        path: Path,
        intake_department: str,
        ctx: ParseContext,
    ) -> ParsedReturn:
        if future is not None:
            try:
                return self._result(future)
            except (BrokenProcessPool, cf.CancelledError):
                # Its worker died, perhaps of another file read beside it.
                self._discard_worker()
            except _Failed as failed:
                return self._failed(path, intake_department, ctx, failed.reason)
        alone = self._worker().submit(parse_return, path, intake_department, ctx)
        try:
            return self._result(alone)
        except BrokenProcessPool as exc:
            reason = _died(exc)
        except _Failed as failed:
            reason = failed.reason
        return self._failed(path, intake_department, ctx, reason)

    def _result(self, future: cf.Future) -> ParsedReturn:
        try:
            return future.result(timeout=self.timeout_seconds)
        except cf.TimeoutError:
            raise _Failed(f"读取超过 {self.timeout_seconds:g} 秒仍未完成") from None
        except MemoryError as exc:
            raise _Failed(_died(exc)) from None

    def _failed(
        self, path: Path, intake_department: str, ctx: ParseContext, reason: str
    ) -> ParsedReturn:
        log.error("parsing %s failed in the sandbox: %s", path, reason)
        self._discard_worker()
        failed = ParsedReturn(intake_department=intake_department)
        failed.findings.append(ctx.rules.finding("PARSER_CRASHED", detail=reason))
        return failed

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> SandboxedParser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
