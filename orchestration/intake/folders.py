"""What waits in the intake folders: one folder per department code."""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from stat import S_ISDIR, S_ISLNK, S_ISREG

from orchestration.intake.archive import FileNotTaken
from orchestration.runtime.failpoints import failpoint

log = logging.getLogger(__name__)

# Office programs' lock and temporary files: never a return.
_IGNORED_PREFIXES = ("~$", ".~lock", ".")
_IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", "~")


@dataclass(frozen=True)
class WaitingFile:
    department_code: str
    path: Path
    size: int
    mtime_ns: int


def is_ignored_name(name: str) -> bool:
    return name.startswith(_IGNORED_PREFIXES) or name.lower().endswith(_IGNORED_SUFFIXES)


@dataclass(frozen=True)
class RefusedEntry:
    """A link or a sub-folder in a department's intake folder: answered, never followed."""

    department_code: str
    path: Path
    kind: str  # "link", "folder" or "special" (a pipe, socket or device)
    mtime_ns: int  # of the entry itself (lstat), so a new one is answered anew

    @property
    def identity(self) -> str:
        key = f"{self.department_code}/{self.path.name}/{self.kind}/{self.mtime_ns}"
        return hashlib.sha256(key.encode()).hexdigest()


def scan_intake(
    intake_root: Path, department_codes: list[str]
) -> tuple[list[WaitingFile], list[RefusedEntry]]:
    """Regular files waiting in ``intake/<dept>/`` (oldest first), and the entries refused."""
    found: list[WaitingFile] = []
    refused: list[RefusedEntry] = []
    for dept in department_codes:
        folder = intake_root / dept
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if is_ignored_name(entry.name):
                continue
            try:
                st = entry.lstat()  # never follows a link
            except FileNotFoundError:
                continue  # taken by another run since the folder was listed
            if not S_ISREG(st.st_mode):
                refused.append(RefusedEntry(dept, entry, _kind(st.st_mode), st.st_mtime_ns))
                continue
            found.append(WaitingFile(dept, entry, st.st_size, st.st_mtime_ns))
    found.sort(key=lambda w: (w.mtime_ns, str(w.path)))
    refused.sort(key=lambda r: str(r.path))
    return found, refused


def _kind(mode: int) -> str:
    if S_ISLNK(mode):
        return "link"
    return "folder" if S_ISDIR(mode) else "special"


def waiting_files(intake_root: Path, department_codes: list[str]) -> list[WaitingFile]:
    return scan_intake(intake_root, department_codes)[0]


def refused_entries(intake_root: Path, department_codes: list[str]) -> list[RefusedEntry]:
    refused = scan_intake(intake_root, department_codes)[1]
    for entry in refused:
        log.warning("not taken, never followed: %s is a %s", entry.path, entry.kind)
    return refused


def unexpected_entries(intake_root: Path, department_codes: list[str]) -> list[Path]:
    """What sits in the intake root but is no department's folder: logged, never read."""
    if not intake_root.is_dir():
        return []
    known = set(department_codes)
    found = sorted(e for e in intake_root.iterdir() if e.name not in known or not e.is_dir())
    for entry in found:
        log.warning("not taken: %s is not a department's intake folder", entry)
    return found


def archive_waiting_files(
    intake_root: Path,
    archive,
    department_codes,
    received_at=None,
    clock=None,
    max_files=None,
    settle_seconds: float = 1.0,
    left_behind: Counter | None = None,
):
    """Archive the waiting files (the oldest ``max_files``, if given), removing each from
    the intake folder; the rest wait for the next run.

    A file still being written is left for the next run: one modified in the last
    ``settle_seconds``, or one whose size or time changed while it was copied (the sensor
    waits for files to settle, but more can arrive between its tick and this step).

    The file leaves the intake folder only after its blob and journal entry are on disk,
    so a crash at any point loses nothing: the next run meets the file again. With a fixed
    ``received_at`` (a backfill), files keep their folder order a microsecond apart.
    ``left_behind``, if given, counts the files left by reason: ``settling`` (modified
    too recently), ``over_limit`` (past ``max_files``), ``changed`` (while copied).
    """
    left_behind = Counter() if left_behind is None else left_behind
    archive.discard_partial_copies()
    first = _next_backfill_offset(archive, received_at) if received_at else 0
    deliveries = []
    settled_before = time.time_ns() - int(settle_seconds * 1e9)
    found = waiting_files(intake_root, department_codes)
    settled = [w for w in found if w.mtime_ns <= settled_before]
    left_behind["settling"] += len(found) - len(settled)
    left_behind["over_limit"] += len(settled[max_files:]) if max_files is not None else 0
    for i, waiting in enumerate(settled[:max_files]):
        moment = received_at + timedelta(microseconds=first + i) if received_at else clock()
        try:
            delivery = archive.receive(waiting.path, waiting.department_code, moment)
        except FileNotTaken as exc:
            log.info("left for the next run: %s", exc)
            left_behind["changed"] += 1
            continue
        failpoint("archive.journalled")
        waiting.path.unlink()
        deliveries.append(delivery)
    return deliveries


def waiting_reasons(left_behind: Counter, settle_seconds: float, max_files: int) -> list[str]:
    """Why files were left in intake for the next run, one line per reason."""
    said = {
        "settling": f"modified in the last {settle_seconds:g} s (still being copied?)",
        "over_limit": f"over this run's limit (max_files_per_run={max_files})",
        "changed": "changed while they were being archived",
    }
    return [
        f"{n} files wait for the next run: {said[reason]}" for reason, n in left_behind.items() if n
    ]


def _next_backfill_offset(archive, received_at) -> int:
    """A backfill taken in several runs (over ``max_files_per_run``) goes on after the files
    already recorded at its time, so that each later file is also received later."""
    batch = [
        d.received
        for d in archive.deliveries()
        if received_at <= d.received < received_at + timedelta(seconds=1)
    ]
    return (max(batch) - received_at) // timedelta(microseconds=1) + 1 if batch else 0
