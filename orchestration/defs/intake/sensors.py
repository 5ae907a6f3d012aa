"""The intake sensor: launches a run when files in the intake folders have settled."""

import json

import dagster as dg

from orchestration.contract.reference import load_reference
from orchestration.defs.resources import WarehouseResource
from orchestration.intake.settling import look_at_intake
from orchestration.intake_worker import running_worker
from orchestration.run_recovery import fail_dead_runs

TICK_SECONDS = 2


def build_intake_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        name="intake_sensor",
        job=job,
        minimum_interval_seconds=TICK_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Watches intake/<department>/. A file is taken once its size and modification time "
            "are unchanged between two ticks (so a file still being copied waits); the run key "
            "includes the files' content hashes, so a corrected file saved under the same name "
            "runs. Stands aside while the intake worker of `indicators ui` (or `indicators "
            "watch`) takes the files, seconds sooner."
        ),
    )
    def intake_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        worker = running_worker(warehouse.root)
        if worker is not None:
            context.update_cursor(None)  # if the worker stops, look afresh
            return dg.SkipReason(f"the intake worker (process {worker}) takes the files")
        # A run killed mid-way is closed here, and a new run redoes its work.
        recovering = fail_dead_runs(context.instance)
        seen = json.loads(context.cursor) if context.cursor else {}
        look = look_at_intake(
            warehouse.intake_root,
            warehouse.outbox_root,
            list(load_reference().departments),
            seen,
            recovering,
        )
        context.update_cursor(json.dumps(look.seen))
        if not look.identities:
            return dg.SkipReason("no settled files in the intake folders")
        # Keyed by content (and drop time): a corrected file saved under the same name gets
        # a new run, and so does the same file dropped again (it is answered as a duplicate).
        return dg.RunRequest(run_key=look.key, tags={"intake/files": str(len(look.identities))})

    return intake_sensor
