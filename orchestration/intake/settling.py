"""When the intake has work for a run: files that have settled, entries to answer, runs to
redo. Shared by the daemon's intake sensor and the warm intake worker.

A file has settled when its size and modification time did not change between two looks
(a file still being copied waits). The work is named by identities that include the files'
content hashes: a corrected file saved under the same name is new work, and so is the same
file dropped again (it is answered as a duplicate).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestration.intake.folders import scan_intake
from orchestration.intake.refusals import unanswered


@dataclass(frozen=True)
class IntakeLook:
    seen: dict[str, list[int]]  # path -> [size, mtime_ns], for the next look
    identities: list[str]  # the work a run would do now; empty: nothing to do

    @property
    def key(self) -> str:
        """One name for this work: the same work is never run twice."""
        return hashlib.sha256("\n".join(self.identities).encode()).hexdigest()


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def look_at_intake(
    intake_root: Path,
    outbox_root: Path,
    department_codes: list[str],
    seen: dict[str, list[int]],
    recovering: Sequence[str] = (),
    modified_before_ns: int | None = None,
) -> IntakeLook:
    """What waits now, against ``seen`` (the last look). ``modified_before_ns``: only files
    last modified before then count as settled (the archive step's own settle rule)."""
    waiting, refused = scan_intake(intake_root, department_codes)
    now = {str(w.path): [w.size, w.mtime_ns] for w in waiting}
    settled = sorted(
        p
        for p, sig in now.items()
        if seen.get(p) == sig and (modified_before_ns is None or sig[1] <= modified_before_ns)
    )
    # A link or sub-folder not yet answered needs a run too, for its receipt.
    identities = [f"recover|{run_id}" for run_id in recovering]
    identities += [f"refused|{r.identity}" for r in unanswered(refused, outbox_root)]
    for p in settled:
        try:
            identities.append(f"{p}|{now[p][1]}|{_content_hash(Path(p))}")
        except OSError:
            continue  # taken by a run meanwhile, or swapped for a link (answered later)
    return IntakeLook(now, identities)
