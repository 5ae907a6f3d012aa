"""The content-addressed archive and its delivery journal."""

import datetime as dt
import hashlib
import os
import threading
import time
from collections import Counter

import pytest

from orchestration.intake.archive import Archive, FileNotTaken
from orchestration.intake.folders import archive_waiting_files, waiting_files, waiting_reasons
from orchestration.load.raw_store import LOCAL_TZ

T0 = dt.datetime(2026, 4, 3, 9, 30, tzinfo=LOCAL_TZ)


def test_a_file_is_stored_under_its_hash_and_journalled(tmp_path):
    src = tmp_path / "in" / "jobs.xlsx"
    src.parent.mkdir()
    src.write_bytes(b"return bytes")
    archive = Archive(tmp_path / "archive")
    d = archive.receive(src, "rsj", T0)
    sha = hashlib.sha256(b"return bytes").hexdigest()
    assert d.sha256 == sha
    blob = archive.blob_path(d)
    assert blob == tmp_path / "archive" / "blobs" / sha[:2] / f"{sha}.xlsx"
    assert blob.read_bytes() == b"return bytes"
    assert not os.access(blob, os.W_OK) or os.geteuid() == 0  # read-only (root ignores modes)
    assert oct(blob.stat().st_mode)[-3:] == "444"
    assert archive.deliveries() == [d]


def test_meeting_the_same_file_again_after_a_crash_journals_nothing_new(tmp_path):
    src = tmp_path / "jobs.xlsx"
    src.write_bytes(b"x")
    archive = Archive(tmp_path / "archive")
    first = archive.receive(src, "rsj", T0)
    again = archive.receive(src, "rsj", T0 + dt.timedelta(hours=1))  # file not yet removed
    assert again == first
    assert len(archive.deliveries()) == 1


def test_the_same_content_dropped_twice_is_two_deliveries_of_one_blob(tmp_path):
    archive = Archive(tmp_path / "archive")
    for i, name in enumerate(["a.xlsx", "b.xlsx"]):
        p = tmp_path / name
        p.write_bytes(b"same")
        archive.receive(p, "rsj", T0 + dt.timedelta(minutes=i))
    deliveries = archive.deliveries()
    assert [d.original_name for d in deliveries] == ["a.xlsx", "b.xlsx"]
    assert len({d.sha256 for d in deliveries}) == 1
    assert len(list((tmp_path / "archive" / "blobs").rglob("*.xlsx"))) == 1


def test_office_lock_files_and_links_are_not_taken(tmp_path):
    folder = tmp_path / "intake" / "rsj"
    folder.mkdir(parents=True)
    (folder / "~$jobs.xlsx").write_bytes(b"lock")
    (folder / ".~lock.jobs.xlsx#").write_bytes(b"lock")
    (folder / "jobs.xlsx.tmp").write_bytes(b"tmp")
    outside = tmp_path / "secret.xlsx"
    outside.write_bytes(b"secret")
    (folder / "link.xlsx").symlink_to(outside)
    (folder / "real.xlsx").write_bytes(b"real")
    assert [w.path.name for w in waiting_files(tmp_path / "intake", ["rsj"])] == ["real.xlsx"]


def test_archiving_removes_the_file_from_intake_only_after_it_is_stored(tmp_path):
    folder = tmp_path / "intake" / "rsj"
    folder.mkdir(parents=True)
    (folder / "a.xlsx").write_bytes(b"a")
    (folder / "b.xlsx").write_bytes(b"b")
    archive = Archive(tmp_path / "archive")
    deliveries = archive_waiting_files(
        tmp_path / "intake", archive, ["rsj"], received_at=T0, settle_seconds=0
    )
    assert list(folder.iterdir()) == []
    assert [archive.blob_path(d).read_bytes() for d in deliveries] == [b"a", b"b"]
    # A backfill batch keeps the folder's order, a microsecond apart.
    assert deliveries[1].received - deliveries[0].received == dt.timedelta(microseconds=1)


def test_what_is_no_departments_folder_is_logged_and_never_read(tmp_path, caplog):
    from orchestration.intake.folders import refused_entries, scan_intake, unexpected_entries

    intake = tmp_path / "intake"
    (intake / "rsj" / "sub").mkdir(parents=True)
    (intake / "rsj" / "sub" / "jobs.xlsx").write_bytes(b"x")
    (intake / "xyz").mkdir()
    (intake / "loose.xlsx").write_bytes(b"x")
    with caplog.at_level("WARNING"):
        strays = unexpected_entries(intake, ["rsj"])
        waiting, refused = scan_intake(intake, ["rsj"])
        refused_entries(intake, ["rsj"])
    assert [p.name for p in strays] == ["loose.xlsx", "xyz"]
    assert waiting == []  # the sub-folder's file is not taken
    assert [(r.path.name, r.kind) for r in refused] == [("sub", "folder")]
    assert "rsj/sub" in caplog.text and "xyz" in caplog.text


def test_a_file_modified_moments_ago_waits_for_the_next_run(tmp_path):
    folder = tmp_path / "intake" / "rsj"
    folder.mkdir(parents=True)
    fresh = folder / "fresh.xlsx"
    fresh.write_bytes(b"still arriving")
    archive = Archive(tmp_path / "archive")
    (folder / "other.xlsx").write_bytes(b"settled")
    os.utime(folder / "other.xlsx", (time.time() - 120, time.time() - 120))
    left = Counter()
    taken = archive_waiting_files(
        tmp_path / "intake", archive, ["rsj"], T0, max_files=0, settle_seconds=60, left_behind=left
    )
    assert taken == [] and fresh.exists() and archive.deliveries() == []
    # Each file waits for its own reason, and the run says which (not the limit for both).
    assert left == Counter(settling=1, over_limit=1)
    assert waiting_reasons(left, 60, 0) == [
        "1 files wait for the next run: modified in the last 60 s (still being copied?)",
        "1 files wait for the next run: over this run's limit (max_files_per_run=0)",
    ]
    (folder / "other.xlsx").unlink()
    settled = time.time() - 120
    os.utime(fresh, (settled, settled))
    taken = archive_waiting_files(tmp_path / "intake", archive, ["rsj"], T0, settle_seconds=60)
    assert [d.original_name for d in taken] == ["fresh.xlsx"] and not fresh.exists()


def test_a_file_that_grows_while_it_is_copied_is_left_for_the_next_run(tmp_path):
    """A department's copy still running: the archive's copy would be cut short."""
    folder = tmp_path / "intake" / "rsj"
    folder.mkdir(parents=True)
    growing = folder / "big.xlsx"
    growing.write_bytes(b"x" * (40 << 20))
    stop = threading.Event()

    def keep_writing():
        with growing.open("ab") as f:
            while not stop.is_set():
                f.write(b"y" * 4096)
                f.flush()
                time.sleep(0.001)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    archive = Archive(tmp_path / "archive")
    try:
        taken = archive_waiting_files(tmp_path / "intake", archive, ["rsj"], T0, settle_seconds=0)
    finally:
        stop.set()
        writer.join()
    assert taken == [] and growing.exists()
    assert archive.deliveries() == [] and list(archive.tmp.glob("*")) == []
    (delivery,) = archive_waiting_files(tmp_path / "intake", archive, ["rsj"], T0, settle_seconds=0)
    assert delivery.size > 40 << 20  # the whole file, once it stopped changing


def test_a_file_swapped_for_a_link_after_the_scan_is_not_followed(tmp_path):
    folder = tmp_path / "intake" / "rsj"
    folder.mkdir(parents=True)
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(b"not for the warehouse")
    dropped = folder / "jobs.xlsx"
    dropped.write_bytes(b"a return")
    (waiting,) = waiting_files(tmp_path / "intake", ["rsj"])
    dropped.unlink()
    dropped.symlink_to(secret)  # between the scan and the copy
    archive = Archive(tmp_path / "archive")
    with pytest.raises(FileNotTaken, match="jobs.xlsx"):
        archive.receive(waiting.path, "rsj", T0)
    assert archive.deliveries() == [] and not list(archive.blobs.rglob("*.xlsx"))


def test_a_backfill_taken_in_several_runs_keeps_the_order_received(tmp_path):
    """Over max_files_per_run, one `--received-at` batch is taken by several runs: each
    later file is recorded later, so a correction never looks older than what it corrects."""
    folder = tmp_path / "intake" / "rsj"
    folder.mkdir(parents=True)
    for i, name in enumerate(["a.xlsx", "b.xlsx", "c.xlsx"]):
        (folder / name).write_bytes(name.encode())
        os.utime(folder / name, ns=(1_000_000_000 * (i + 1),) * 2)  # a, b, c: oldest first
    archive = Archive(tmp_path / "archive")
    for _ in range(3):
        archive_waiting_files(tmp_path / "intake", archive, ["rsj"], T0, max_files=1)
    taken = [(d.original_name, d.received) for d in archive.deliveries()]
    assert taken == [
        ("a.xlsx", T0),
        ("b.xlsx", T0 + dt.timedelta(microseconds=1)),
        ("c.xlsx", T0 + dt.timedelta(microseconds=2)),
    ]
