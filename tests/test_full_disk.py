"""A full disk fails the run loudly with its cause, and leaves the last good snapshot and
every archived file in place; once space is freed, the next run finishes the work.

The warehouse home is a small tmpfs of its own (mounting needs root: so it is here and in
CI), filled up by a filler file. The runs go through `indicators run` in a child process, as
an operator runs it: its exit status and stderr are what a person sees, and a run that hangs
can be stopped. The disk fills either before the run can record anything, or while the run
works (room for the intake copy, not for a new snapshot).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AS_OF, make_home, query, run_statuses

from orchestration import paths
from orchestration.defs.resources import WarehouseResource

pytestmark = pytest.mark.slow

DISK_MB = 200
RUN_TIMEOUT_SECONDS = 300
RECEIVED_AT = "2026-11-20T09:00:00"
# How a full disk shows: the OS's words (ENOSPC) or SQLite's and DuckDB's for it.
CAUSE = ("No space left on device", "ENOSPC", "Errno 28", "database or disk is full")


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """A home on a tmpfs of DISK_MB, unmounted afterwards whatever happened."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    home = tmp_path / "home"
    home.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(home)], check=True
    )
    try:
        monkeypatch.setenv(paths.HOME_ENV_VAR, str(home))
        make_home(home)
        yield home
    finally:
        if subprocess.run(["umount", str(home)], capture_output=True).returncode != 0:
            # Still open somewhere (a log tail of a run): detach now, freed once closed.
            subprocess.run(["umount", "--lazy", str(home)], check=True)


def _indicators_run(home: Path) -> subprocess.CompletedProcess:
    """`indicators run` in its own process group; what is left of the group is ended after."""
    args = [sys.executable, "-m", "orchestration.cli", "run", "--as-of", AS_OF]
    args += ["--received-at", RECEIVED_AT]
    proc = subprocess.Popen(
        args,
        cwd=paths.REPO_ROOT,
        env={**os.environ, paths.HOME_ENV_VAR: str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(
            f"`indicators run` still running after {RUN_TIMEOUT_SECONDS} s; stderr:\n{err[-4000:]}"
        )
    finally:
        with contextlib.suppress(ProcessLookupError):  # the parser's forkserver, log tails
            os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _fill_disk(home: Path, leave_bytes: int) -> Path:
    """A filler file taking every free block of the home's disk, less ``leave_bytes``."""
    filler = home / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 1 << 12):
            block = b"\0" * size
            try:
                while True:
                    os.write(fd, block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(fd)
    if leave_bytes:
        os.truncate(filler, filler.stat().st_size - leave_bytes)
    assert shutil.disk_usage(home).free <= leave_bytes
    return filler


def _files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _periods(warehouse: WarehouseResource) -> list[tuple]:
    return query(
        warehouse.published_db,
        "select distinct period from marts.fct_jobs_street_monthly order by 1",
    )


def _open_runs(home: Path) -> list[tuple[str, str]]:
    import dagster as dg

    still_open = {dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED}
    return [(run, s.value) for run, s in run_statuses(home).items() if s in still_open]


@pytest.mark.parametrize("room", ["none", "less_than_a_snapshot"])
def test_a_full_disk_fails_the_run_loudly_and_keeps_the_snapshot_and_the_archive(
    small_disk, fill_jobs, room
):
    home = small_disk
    warehouse = WarehouseResource(home=str(home))
    intake = warehouse.intake_root / "rsj"
    fill_jobs(intake / "jobs_2026-01.xlsx", "2026-01")
    first = _indicators_run(home)
    assert first.returncode == 0, first.stderr[-4000:]
    assert _periods(warehouse) == [("2026-01",)]
    snapshot = warehouse.published_db.read_bytes()
    archive = home / "archive"
    archived = _files(archive)
    assert len(list((archive / "deliveries").glob("*.json"))) == 1

    # February's file is dropped, then the disk fills up (a full disk would take no new file:
    # the copy into intake would fail). Either nothing is left, so the run cannot even record
    # itself, or room for the intake copy but less than the new snapshot needs.
    new = fill_jobs(intake / "jobs_2026-02.xlsx", "2026-02")
    new_bytes = new.read_bytes()
    new_sha = hashlib.sha256(new_bytes).hexdigest()
    filler = _fill_disk(home, 0 if room == "none" else len(snapshot) // 2)

    failed = _indicators_run(home)
    assert failed.returncode != 0, f"a run on a full disk succeeded:\n{failed.stdout}"
    # The analysts' snapshot: the same bytes, still opening read-only with January only.
    assert warehouse.published_db.read_bytes() == snapshot
    assert _periods(warehouse) == [("2026-01",)]
    # Every archived file of the first run is intact...
    now = _files(archive)
    assert {p: now.get(p) for p in archived} == archived
    # ...and February's file is not lost: still waiting in intake, or archived whole.
    entries = [
        json.loads(p.read_text(encoding="utf-8")) for p in (archive / "deliveries").glob("*.json")
    ]
    journalled = [e for e in entries if e["sha256"] == new_sha]
    if new.exists():
        assert new.read_bytes() == new_bytes
    else:
        assert len(journalled) == 1, "taken from intake but not journalled"
        assert (archive / journalled[0]["blob"]).read_bytes() == new_bytes

    filler.unlink()
    recovered = _indicators_run(home)
    assert recovered.returncode == 0, recovered.stderr[-4000:]
    assert _periods(warehouse) == [("2026-01",), ("2026-02",)]
    assert list(intake.iterdir()) == []
    assert not [p for p in home.rglob("*.part")], "half-written files left behind"
    assert _open_runs(home) == [], "a run is still shown as running"

    # The cause, checked last so that a wrong message does not hide the checks above: the
    # operator is told the disk is full, in the command's own output.
    assert any(c in failed.stderr for c in CAUSE), failed.stderr[-4000:]
