"""What waits in the intake folders: one folder per department code."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

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


def waiting_files(intake_root: Path, department_codes: list[str]) -> list[WaitingFile]:
    """Regular files waiting in ``intake/<dept>/``, oldest first. Links are never followed."""
    found: list[WaitingFile] = []
    for dept in department_codes:
        folder = intake_root / dept
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if is_ignored_name(entry.name):
                continue
            if entry.is_symlink() or not entry.is_file():
                log.warning("not taken, never followed: %s is a link or a folder", entry)
                continue
            st = entry.stat()
            found.append(WaitingFile(dept, entry, st.st_size, st.st_mtime_ns))
    return sorted(found, key=lambda w: (w.mtime_ns, str(w.path)))


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
    intake_root: Path, archive, department_codes, received_at=None, clock=None
):
    """Archive every waiting file, then remove it from the intake folder.

    The file leaves the intake folder only after its blob and journal entry are on disk,
    so a crash at any point loses nothing: the next run meets the file again. With a fixed
    ``received_at`` (a backfill), files keep their folder order a microsecond apart.
    """
    deliveries = []
    for i, waiting in enumerate(waiting_files(intake_root, department_codes)):
        moment = received_at + timedelta(microseconds=i) if received_at else clock()
        delivery = archive.receive(waiting.path, waiting.department_code, moment)
        waiting.path.unlink()
        deliveries.append(delivery)
    return deliveries
