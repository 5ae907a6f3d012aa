"""The intake sensor: launches a run when files in the intake folders have settled."""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from orchestration.contract.reference import load_reference
from orchestration.defs.resources import WarehouseResource
from orchestration.intake.folders import scan_intake
from orchestration.intake.refusals import unanswered
from orchestration.run_recovery import fail_dead_runs

TICK_SECONDS = 2


def _content_hash(path) -> str:
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def build_intake_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        name="intake_sensor",
        job=job,
        minimum_interval_seconds=TICK_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Watches intake/<department>/. A file is taken once its size and modification time "
            "are unchanged between two ticks (so a file still being copied waits); the run key "
            "includes the files' content hashes, so a corrected file saved under the same name runs."
        ),
    )
    def intake_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        # A run killed mid-way is closed here, and a new run redoes its work.
        recovering = [f"recover|{run_id}" for run_id in fail_dead_runs(context.instance)]
        seen = json.loads(context.cursor) if context.cursor else {}
        waiting, refused = scan_intake(warehouse.intake_root, list(load_reference().departments))
        now = {str(w.path): [w.size, w.mtime_ns] for w in waiting}
        context.update_cursor(json.dumps(now))
        settled = sorted(p for p, sig in now.items() if seen.get(p) == sig)
        # A link or sub-folder not yet answered needs a run too, for its receipt.
        to_answer = [f"refused|{r.identity}" for r in unanswered(refused, warehouse.outbox_root)]
        if not settled and not to_answer and not recovering:
            return dg.SkipReason("no settled files in the intake folders")
        identities = recovering + to_answer
        for p in settled:
            try:
                identities.append(f"{p}|{now[p][1]}|{_content_hash(Path(p))}")
            except OSError:
                continue  # taken by a run meanwhile, or swapped for a link (answered later)
        if not identities:
            return dg.SkipReason("the settled files were taken meanwhile")
        # Keyed by content (and drop time): a corrected file saved under the same name gets
        # a new run, and so does the same file dropped again (it is answered as a duplicate).
        run_key = hashlib.sha256("\n".join(identities).encode()).hexdigest()
        return dg.RunRequest(run_key=run_key, tags={"intake/files": str(len(identities))})

    return intake_sensor
