"""The content-addressed archive of every file received, and its delivery journal.

A file is copied here before anything reads it. Blobs are named by SHA-256, so the same
content is stored once; each drop of a file is one journal entry (a small JSON file,
written atomically), so the warehouse can be rebuilt from the archive alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from stat import S_ISREG

from orchestration.runtime.failpoints import failpoint

CHUNK = 1 << 20


class FileNotTaken(Exception):
    """The file is left in intake for the next run: it changed while it was copied (someone
    is still writing it), or it is no longer a regular file (swapped for a link)."""


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    sha256: str
    intake_department: str
    original_name: str
    received_at: str  # ISO 8601 with offset
    size: int
    blob: str  # path relative to the archive root

    @property
    def received(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.received_at)


class Archive:
    def __init__(self, root: Path):
        self.root = root
        self.blobs = root / "blobs"
        self.journal = root / "deliveries"
        self.tmp = root / "tmp"

    def ensure(self) -> None:
        for d in (self.blobs, self.journal, self.tmp):
            d.mkdir(parents=True, exist_ok=True)

    def discard_partial_copies(self) -> None:
        """Copies left half-written by a killed run; their files are still in intake."""
        for part in self.tmp.glob("*.part"):
            part.unlink()

    def blob_path(self, delivery: Delivery) -> Path:
        return self.root / delivery.blob

    def receive(self, src: Path, intake_department: str, received_at: dt.datetime) -> Delivery:
        """Copy ``src`` into the archive and journal its delivery; the caller then removes it.

        The delivery id is derived from the file's identity in the intake folder (name, size,
        mtime, content), so a run killed after journalling but before removing the file
        journals nothing new when it meets the same file again.
        """
        self.ensure()
        try:  # never through a link, even one swapped in since the folder was scanned
            fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            raise FileNotTaken(f"{src}: {exc.strerror}") from exc
        tmp = self.tmp / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        with os.fdopen(fd, "rb") as fin:
            stat = os.fstat(fin.fileno())
            if not S_ISREG(stat.st_mode):
                raise FileNotTaken(f"{src}: not a regular file")
            with tmp.open("wb") as fout:
                while chunk := fin.read(CHUNK):
                    digest.update(chunk)
                    fout.write(chunk)
                fout.flush()
                os.fsync(fout.fileno())
        try:
            after = os.lstat(src)
        except FileNotFoundError:
            after = None
        if after is None or _signature(after) != _signature(stat):
            tmp.unlink()
            raise FileNotTaken(f"{src}: changed while it was copied")
        sha = digest.hexdigest()
        blob = self.blobs / sha[:2] / f"{sha}{src.suffix.lower()}"
        if blob.exists():
            tmp.unlink()
        else:
            blob.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, blob)
            os.chmod(blob, 0o444)
        failpoint("archive.blob_stored")

        identity = f"{intake_department}/{src.name}/{stat.st_size}/{stat.st_mtime_ns}/{sha}"
        delivery_id = hashlib.sha256(identity.encode()).hexdigest()[:20]
        entry = self.journal / f"{delivery_id}.json"
        if entry.exists():
            return self._read_entry(entry)
        delivery = Delivery(
            delivery_id=delivery_id,
            sha256=sha,
            intake_department=intake_department,
            original_name=src.name,
            received_at=received_at.isoformat(timespec="microseconds"),
            size=stat.st_size,
            blob=str(blob.relative_to(self.root)),
        )
        _write_atomically(entry, json.dumps(asdict(delivery), ensure_ascii=False, indent=1))
        return delivery

    def deliveries(self) -> list[Delivery]:
        """Every delivery ever journalled, in the order received."""
        if not self.journal.exists():
            return []
        entries = [self._read_entry(p) for p in self.journal.glob("*.json")]
        return sorted(entries, key=lambda d: (d.received, d.delivery_id))

    def delivery_ids(self) -> set[str]:
        """The id of every delivery journalled, without reading the entries."""
        if not self.journal.exists():
            return set()
        return {p.stem for p in self.journal.glob("*.json")}

    @staticmethod
    def _read_entry(path: Path) -> Delivery:
        return Delivery(**json.loads(path.read_text(encoding="utf-8")))


def _signature(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
