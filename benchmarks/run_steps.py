"""Where a run's seconds went, from the home's Dagster event log: each step's duration."""

from __future__ import annotations

from pathlib import Path

STEPS = {
    "intake__archive": "archive",
    "raw_tables": "ingest",
    "warehouse_models": "build",
    "published_warehouse": "publish",
}


def step_seconds_in(instance, run_id: str) -> dict[str, float]:
    """Seconds from each step's start to its end (success or failure), by step key."""
    spans: dict[str, list[float]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            spans.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            spans.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])[1] = (
                entry.timestamp
            )
    return {key: end - start for key, (start, end) in spans.items()}


def step_seconds(home: Path, run_id: str) -> dict[str, float]:
    """The run's steps in the home's instance, named as the benchmark prints them."""
    from orchestration.instance import open_instance

    with open_instance(home) as instance:
        steps = step_seconds_in(instance, run_id)
    return {STEPS.get(key, key): seconds for key, seconds in steps.items()}
