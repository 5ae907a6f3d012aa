"""Drop → published, as a department sees it: `indicators ui` running, a return dropped
into its intake folder, seconds until the analysts' snapshot holds it, and where they went.

The parts come from the Dagster instance of the home: the sensor's wait (drop → run
created), the queue (created → started), then each step of the run (archive, ingest with
its checks, dbt build with its tests, publish); what is left is the run's own start and
end and the poll of the snapshot.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.run_steps import STEPS, step_seconds_in
from orchestration.runtime.polling import wait_until


@dataclass(frozen=True)
class Drop:
    seconds: float  # drop → the file's rows in the published snapshot
    parts: dict[str, float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _published(published_db: Path, file_name: str) -> bool:
    import duckdb

    if not published_db.exists():
        return False
    try:
        con = duckdb.connect(str(published_db), read_only=True)
    except duckdb.Error:
        return False  # being swapped in
    try:
        (n,) = con.execute(
            "select count(*) from raw.files where original_name = ?", [file_name]
        ).fetchone()
        return n > 0
    finally:
        con.close()


def _parts(home: Path, dropped_at: float, file_name: str) -> dict[str, float]:
    """The parts of the run that took ``file_name``, from the home's Dagster instance."""
    import dagster as dg

    from orchestration.instance import open_instance

    with open_instance(home) as instance:
        for record in instance.get_run_records(
            filters=dg.RunsFilter(job_name="ingest_and_publish"), limit=5
        ):
            run_id = record.dagster_run.run_id
            took_it = any(file_name in (e.user_message or "") for e in instance.all_logs(run_id))
            if not took_it:
                continue
            created = record.create_timestamp.timestamp()
            started = record.start_time or created
            parts = {
                "wait for a run": created - dropped_at,  # the worker (or the sensor) sees it settle
                "queued": started - created,
            }
            steps = step_seconds_in(instance, run_id)
            parts |= {name: steps[key] for key, name in STEPS.items() if key in steps}
            return parts
    return {}


def drop_to_published(
    home: Path, files: list[tuple[str, Path]], timeout: float = 300
) -> list[Drop]:
    """Start `indicators ui` on ``home``, drop each file in turn (moved into its intake
    folder in one rename, as a copy finishing would appear) and time it to the snapshot.
    The first drop is a warm-up (a first build of every model) and is not returned."""
    port = _free_port()
    log = (home / "ui-benchmark.log").open("w")
    ui = subprocess.Popen(
        [str(Path(sys.executable).parent / "indicators"), "ui", "--port", str(port)],
        env={**os.environ, "INDICATORS_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    drops = []
    try:
        wait_until(lambda: _server_up(port), 180, "the web UI", every=0.5)
        published = home / "indicators.duckdb"
        for n, (dept, path) in enumerate(files):
            folder = home / "intake" / dept
            folder.mkdir(parents=True, exist_ok=True)
            staged = home / f".{path.name}"
            staged.write_bytes(path.read_bytes())
            dropped_at = time.time()
            start = time.perf_counter()
            os.replace(staged, folder / path.name)
            wait_until(
                lambda p=path: _published(published, p.name),
                timeout,
                f"{path.name} published",
                every=0.1,  # the drop's time is measured to this step
            )
            seconds = time.perf_counter() - start
            wait_until(
                lambda p=path, t=dropped_at: _parts(home, t, p.name).get("publish"),
                60,
                "run end",
                every=0.5,
            )
            if n:
                drops.append(Drop(seconds, _parts(home, dropped_at, path.name)))
    finally:
        ui.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            ui.wait(timeout=30)
        if ui.poll() is None:
            ui.kill()
        log.close()
    return drops


def summary(drops: list[Drop]) -> dict[str, float]:
    """Median and 90th percentile of drop → published, and the median of each part."""
    seconds = sorted(d.seconds for d in drops)
    figures = {
        "latency.drop_to_published.median_s": statistics.median(seconds),
        "latency.drop_to_published.p90_s": seconds[max(0, round(0.9 * len(seconds)) - 1)],
        "latency.drops": len(seconds),
    }
    for part in ["wait for a run", "queued", *STEPS.values()]:
        values = [d.parts[part] for d in drops if part in d.parts]
        if values:
            figures[f"latency.part.{part.replace(' ', '_')}_s"] = statistics.median(values)
    return figures
